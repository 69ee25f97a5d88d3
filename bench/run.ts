/** `npm run bench -- NAME`: runs one benchmark; each prints a table and a last line of JSON. */
const BENCHES: Record<string, () => Promise<void>> = {
  local: async () => (await import("./local.js")).benchLocal(),
  ssh: async () => (await import("./ssh.js")).benchSsh(),
  slurm: async () => (await import("./slurm.js")).benchSlurm(),
  torture: async () => (await import("./torture.js")).benchTorture(),
};

const name = process.argv[2];
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- NAME   (one of: ${Object.keys(BENCHES).join(", ")})`);
  process.exit(2);
}
await bench();
