/**
 * The floors of the SSH benchmark, each sent as a program through the same warm master Drover uses:
 * the same-work submit (bench/floor-submit.sh with the same job files Drover writes), the bare
 * launch of N `bash -c 'exit 0'`, one awk printing N status files (bench/floor-poll.sh), and the
 * cold and warm cost of one round trip.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { shellPath } from "../src/script/shell-quote.js";
import { SshTransport } from "../src/transport/ssh.js";
import { runProcess } from "../src/transport/run-process.js";
import { median, runRemote, settleHost, type BenchHost } from "./ssh-setup.js";
import { floorPayload } from "./floor-payload.js";

const HERE = import.meta.dirname;

/**
 * Same-work floor: bench/floor-submit.sh (one mkdir -p, one awk writing every job script and status
 * file, a launch loop writing the journal) sent with its payload as one program. Returns seconds.
 */
export async function sameWorkFloor(t: SshTransport, h: BenchHost, n: number, name: string): Promise<number> {
  const dir = `${h.runRoot}/${name}`;
  const payload = floorPayload(dir, n);
  // The script reads its arguments from "$@" and its payload from the rest of the stream.
  const program = `set -- ${shellPath(dir)} ${n}\n${readFileSync(join(HERE, "floor-submit.sh"), "utf8")}`;
  const r = await runRemote(t, h.host, program + payload, "same-work floor");
  await settleHost(t, h.host, `${h.runRoot.slice(2)}/${name}/`);
  return r.seconds;
}

/** Bare launch floor: N `bash -c 'exit 0'` started under `set -m`, output to /dev/null. */
export async function bareFloor(t: SshTransport, host: string, n: number): Promise<number> {
  const program = `set -m; for ((i = 0; i < ${n}; i++)); do bash -c 'exit 0' </dev/null >/dev/null 2>&1 & done\n`;
  const r = await runRemote(t, host, program, "bare launch floor");
  await settleHost(t, host, "^bash -c exit 0$");
  return r.seconds;
}

/** Poll floor: one awk printing all the status files at `paths` (absolute); checks it saw them all. */
export async function pollFloor(t: SshTransport, host: string, paths: readonly string[]): Promise<number> {
  const program = readFileSync(join(HERE, "floor-poll.sh"), "utf8");
  const r = await runRemote(t, host, `${program}${paths.join("\n")}\n`, "poll floor");
  const headers = r.result.stdout.split("\n@@ ").length;
  if (headers !== paths.length) throw new Error(`poll floor printed ${headers} of ${paths.length} files`);
  return r.seconds;
}

/** Runs `true` on the host through `t` (no login shell, no program on stdin); returns milliseconds. */
async function trueOnce(t: SshTransport, host: string): Promise<number> {
  const t0 = performance.now();
  const r = await t.runSession(host, (ssh) =>
    runProcess({ argv: [...ssh, host, "--", "true"], host, timeoutMs: 60_000 }),
  );
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`true on ${host} failed (exit ${r.exitCode}): ${r.stderr}`);
  return ms;
}

/** Median round trips in ms: cold (a fresh control dir: the master is opened first) and warm. */
export async function roundTrips(
  warm: SshTransport,
  h: BenchHost,
  tries: { cold: number; warm: number },
): Promise<{ coldMs: number; warmMs: number }> {
  const cold: number[] = [];
  for (let i = 0; i < tries.cold; i++) {
    // Short: socket paths are limited to ~104 bytes.
    const dir = mkdtempSync("/tmp/drvb-");
    const t = new SshTransport({ options: ["-F", h.sshConfig], controlDir: dir });
    try {
      cold.push(await trueOnce(t, h.host));
    } finally {
      await t.closeMaster(h.host);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const hot: number[] = [];
  for (let i = 0; i < tries.warm; i++) hot.push(await trueOnce(warm, h.host));
  return { coldMs: median(cold), warmMs: median(hot) };
}
