/**
 * The host operations through the real SshTransport to drover-test-a (user drvjob). The job
 * host's home is on this machine, so assertions read and prepare its files as root. Profile
 * changes are guarded by a tag passed as the remote shell's first argument, so other suites using
 * the same account concurrently never see them, and are removed exactly when each test ends.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ensureSshHosts, type SshHosts } from "../helpers/hosts.js";
import { SshTransport } from "../../src/transport/ssh.js";
import { checkHost, prepareInstall, sliceFiles, tidyRun } from "../../src/remote/host-ops.js";
import { openOrSkip } from "../helpers/open-or-skip.js";

const marker = { name: `drover-marker-${randomBytes(4).toString("hex")}` };
const TAG = `drover-hostops-${randomBytes(4).toString("hex")}`;
const opened = openOrSkip("SSH", ensureSshHosts);
const hosts: SshHosts | null = opened.value;
const skip = opened.skip;
const controlDirs: string[] = [];
const made: SshTransport[] = [];
const op = { host: "drover-test-a", timeoutMs: 30_000 };
const runBase = `${TAG}-runs`;

function transport(shell?: string[]): SshTransport {
  const dir = fs.mkdtempSync("/tmp/drvho-");
  controlDirs.push(dir);
  const t = new SshTransport({ options: ["-F", (hosts as SshHosts).sshConfig], controlDir: dir, shell });
  made.push(t);
  return t;
}
const home = () => (hosts as SshHosts).jobHome;
const owner = () => fs.statSync(home());

/** Writes a file in the job home as the job user would own it. */
function hostFile(rel: string, data: Buffer | string): void {
  const p = path.join(home(), rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  for (let d = p; d !== home(); d = path.dirname(d)) fs.chownSync(d, owner().uid, owner().gid);
}

/** Appends lines to ~/.bash_profile, run only by shells given TAG; returns the exact undo. */
function profileBlock(lines: string[]): () => void {
  const file = path.join(home(), ".bash_profile");
  const existed = fs.existsSync(file);
  const before = existed ? fs.readFileSync(file, "utf8") : "";
  // Without a .bash_profile, bash reads ~/.profile: keep doing so for everyone else.
  const keep = existed ? [] : ["[ -f ~/.profile ] && . ~/.profile"];
  const text = `${before === "" || before.endsWith("\n") ? "" : "\n"}# ${TAG} begin\nif [ "\${1-}" = ${TAG} ]; then\n${lines.join("\n")}\nfi\n${keep.join("\n")}\n# ${TAG} end\n`;
  fs.appendFileSync(file, text);
  if (!existed) fs.chownSync(file, owner().uid, owner().gid);
  return () => {
    const now = fs.readFileSync(file, "utf8");
    const rest = now.replace(text, "");
    if (!existed && rest === "") fs.rmSync(file);
    else fs.writeFileSync(file, rest);
  };
}

before(() => {
  if (hosts) fs.rmSync(path.join(home(), runBase), { recursive: true, force: true });
});
after(async () => {
  for (const t of made) await t.closeMaster(op.host);
  for (const d of controlDirs) fs.rmSync(d, { recursive: true, force: true });
  if (hosts) fs.rmSync(path.join(home(), runBase), { recursive: true, force: true });
});

test("ssh: prepareInstall makes the dirs as the job user and sees a shared marker", { skip }, async () => {
  const t = transport();
  const r = await prepareInstall(t, {
    ...op,
    runDir: `~/${runBase}/r1`,
    dirs: ["bin", "log/job", "batches"],
    marker,
  });
  assert.equal(r.error, null, r.result.stderr);
  assert.equal(r.runDirAbs, `${home()}/${runBase}/r1`);
  assert.equal(r.shared, false);
  const st = fs.statSync(path.join(home(), runBase, "r1/log/job"));
  assert.ok(st.isDirectory() && st.uid === owner().uid);
  hostFile(`${runBase}/r1/${marker.name}`, "");
  const s = await prepareInstall(t, { ...op, runDir: `~/${runBase}/r1`, dirs: [], marker });
  assert.equal(s.shared, true);
});

test("ssh: sliceFiles returns exact bytes of whole and cut files", { skip }, async () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const big = Buffer.concat([all, Buffer.alloc(50_000, 7), all]);
  hostFile(`${runBase}/r2/log/all.bin`, all);
  hostFile(`${runBase}/r2/log/big.bin`, big);
  const r = await sliceFiles(transport(), {
    ...op,
    runDir: `~/${runBase}/r2`,
    files: [
      { path: "log/all.bin", maxBytes: 1024 },
      { path: "log/big.bin", maxBytes: 512 },
      { path: "log/none", maxBytes: 512 },
    ],
  });
  assert.equal(r.error, null, r.result.stderr);
  assert.deepEqual(r.files[0]?.headBytes, all);
  assert.deepEqual([r.files[1]?.cut, r.files[1]?.size], [true, big.length]);
  assert.deepEqual(r.files[1]?.headBytes, all);
  assert.deepEqual(r.files[1]?.tailBytes, all);
  assert.equal(r.files[2]?.exists, false);
});

test("ssh: tidyRun removes a run, keeps a shared one and refuses the home directory", { skip }, async () => {
  const t = transport();
  hostFile(`${runBase}/r3/log/job.out`, "x");
  hostFile(`${runBase}/r4/${marker.name}`, "");
  const r = await tidyRun(t, { ...op, runDir: `~/${runBase}/r3`, marker });
  assert.deepEqual([r.error, r.removed, r.reason], [null, true, "removed"]);
  assert.equal(fs.existsSync(path.join(home(), runBase, "r3")), false);
  const s = await tidyRun(t, { ...op, runDir: `~/${runBase}/r4`, marker });
  assert.deepEqual([s.removed, s.reason], [false, "shared"]);
  const h = await tidyRun(t, { ...op, runDir: home(), marker });
  assert.deepEqual([h.removed, h.reason], [false, "home"]);
  assert.ok(fs.existsSync(path.join(home(), ".ssh")));
});

test("ssh: checkHost finds the tools, versions, clock and a writable run root", { skip }, async () => {
  const tools = ["bash", "awk", "ps", "timeout", "mkdir", "rsync", "base64"];
  const r = await checkHost(transport(), { ...op, runRoot: `~/${runBase}/root`, tools, marker });
  assert.equal(r.error, null, r.result.stderr);
  assert.ok(
    r.tools.every((x) => x.path?.startsWith("/")),
    JSON.stringify(r.tools),
  );
  assert.match(r.bashVersion ?? "", /^[0-9]+\./);
  assert.match(r.rsyncVersion ?? "", /^[0-9]+\.[0-9]+/);
  assert.equal(r.skewMs, 0, "same clock: the host time falls inside the call");
  assert.deepEqual([r.runRootWritable, r.shared, r.loginNoise, r.loginShellProblem], [true, false, "", null]);
});

test("ssh: a login banner is noise; a profile reading stdin is named", { skip }, async () => {
  const shell = ["bash", "-l", "-s", TAG];
  let undo = profileBlock(["echo WELCOME"]);
  try {
    const r = await checkHost(transport(shell), { ...op, runRoot: `~/${runBase}/root`, tools: ["bash"] });
    assert.equal(r.error, null, r.result.stderr);
    assert.equal(r.loginNoise, "WELCOME\n");
    assert.equal(r.loginShellProblem, null);
  } finally {
    undo();
  }
  undo = profileBlock(["read -r line"]);
  try {
    const r = await checkHost(transport(shell), { ...op, runRoot: `~/${runBase}/root`, tools: ["bash"] });
    assert.ok(r.started, "the canary was eaten, the program ran");
    assert.match(
      r.loginShellProblem ?? "",
      new RegExp(`login shell \\(bash -l -s ${TAG}\\) read the first line`),
    );
  } finally {
    undo();
  }
  undo = profileBlock(["read -r a", "read -r b"]);
  try {
    hostFile(`${runBase}/r5/x`, "");
    const r = await tidyRun(transport(shell), { ...op, runDir: `~/${runBase}/r5`, marker });
    assert.deepEqual([r.started, r.removed], [false, false]);
    assert.match(
      r.error ?? "",
      new RegExp(`login shell \\(bash -l -s ${TAG}\\) read the program from stdin: check ~/\\.bash_profile`),
    );
    assert.ok(fs.existsSync(path.join(home(), runBase, "r5/x")));
  } finally {
    undo();
  }
  const profile = path.join(home(), ".bash_profile");
  assert.ok(
    !fs.existsSync(profile) || !fs.readFileSync(profile, "utf8").includes(TAG),
    "the profile is restored",
  );
});
