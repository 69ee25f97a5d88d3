import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  CMDLINE_CAP,
  PROBE_MARK,
  buildContactProbe,
  judgeContact,
  parseContactProbe,
  parseProcStat,
  showCmdline,
  splitCmdline,
  type ContactIdentity,
  type ProbeResult,
} from "../../src/manager/contact-check.js";

const BOOT = "de136d0b-f0db-4ed4-87ac-14acb6b90665";
const ME: ContactIdentity = {
  pid: 4242,
  procStart: "1122368",
  cmdline: ["node", "bin/drover.js", "run", "a.yaml"],
  bootId: BOOT,
};

const hex = (words: string[]) => Buffer.from(words.map((w) => `${w}\0`).join("")).toString("hex");
const answer = (o: { pid?: number; boot?: string; stat?: string; cmd?: string } = {}) =>
  `${PROBE_MARK} pid=${o.pid ?? 4242} boot=${o.boot ?? BOOT} stat=${o.stat ?? "S:1122368"} cmd=${o.cmd ?? hex(ME.cmdline ?? [])}\n`;
const ok = (stdout: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  exitCode: 0,
  stdout,
  stderr: "",
  timedOut: false,
  ...extra,
});

/** Runs the probe with the real sh and /proc of this machine. */
function probeHere(pid: number): ProbeResult {
  const r = spawnSync("sh", ["-s"], { input: buildContactProbe(pid), encoding: "utf8", timeout: 10_000 });
  return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: false };
}

/** What this process would record about itself. */
function myIdentity(): ContactIdentity {
  const stat = parseProcStat(fs.readFileSync("/proc/self/stat", "utf8"));
  return {
    pid: process.pid,
    procStart: stat?.start ?? "",
    cmdline: splitCmdline(fs.readFileSync("/proc/self/cmdline")) ?? [],
    bootId: fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
  };
}

test("parse: the recorded process still there is alive", () => {
  assert.deepEqual(parseContactProbe(ME, ok(answer())), { state: "alive" });
});

test("parse: gone, zombie, other start, other command line and other boot id are dead, each saying why", () => {
  const cases: [Parameters<typeof answer>[0], RegExp][] = [
    [{ stat: "-", cmd: "-" }, /there is no process 4242/],
    [{ stat: "Z:1122368", cmd: "-" }, /exited \(zombie\)/],
    [{ stat: "X:1122368" }, /exited \(zombie\)/],
    [{ stat: "S:999" }, /another process now \(started at tick 999, recorded 1122368\)/],
    [{ cmd: hex(["sleep", "100"]) }, /another process now: sleep 100/],
    [
      { cmd: hex(["node", "bin/drover.js", "run", "b.yaml"]) },
      /another process now: node bin\/drover.js run b.yaml/,
    ],
    [{ boot: "00000000-0000-0000-0000-000000000000" }, /rebooted since \(boot id 0000.*recorded de13/],
  ];
  for (const [o, why] of cases) {
    const v = parseContactProbe(ME, ok(answer(o)));
    assert.equal(v.state, "dead", JSON.stringify(o));
    assert.match(v.state === "dead" ? v.why : "", why);
  }
});

test("parse: a file without command line or boot id (older Drover) is judged by pid and start time", () => {
  const old: ContactIdentity = { pid: 4242, procStart: "1122368" };
  assert.equal(parseContactProbe(old, ok(answer({ cmd: hex(["anything"]), boot: "-" }))).state, "alive");
  assert.equal(parseContactProbe(old, ok(answer({ stat: "R:1" }))).state, "dead");
  assert.equal(parseContactProbe({ ...old, procStart: "" }, ok(answer())).state, "dead");
  // A host without a readable boot id still has start time and command line to go by.
  assert.equal(parseContactProbe(ME, ok(answer({ boot: "-" }))).state, "alive");
  // An unreadable command line (no permission, kernel thread) is not evidence either way.
  assert.equal(parseContactProbe(ME, ok(answer({ cmd: "-" }))).state, "alive");
});

test("parse: login-profile noise around the answer is ignored; the last marker line wins", () => {
  const noise = "Welcome to host b\n@@drover-contactless\nlast login: never\r\n";
  assert.equal(parseContactProbe(ME, ok(noise + answer() + "bye\n")).state, "alive");
  assert.equal(parseContactProbe(ME, ok(answer() + answer({ stat: "-" }))).state, "dead");
  assert.equal(parseContactProbe(ME, ok(answer().replace("\n", "\r\n"))).state, "alive");
});

test("parse: a command line cut at the cap is compared by what arrived", () => {
  const long: ContactIdentity = { ...ME, cmdline: ["node", "x".repeat(CMDLINE_CAP)] };
  const cut = Buffer.from(`node\0${"x".repeat(CMDLINE_CAP)}\0`).subarray(0, CMDLINE_CAP);
  assert.equal(parseContactProbe(long, ok(answer({ cmd: cut.toString("hex") }))).state, "alive");
  const other = Buffer.from(`sleep\0${"y".repeat(CMDLINE_CAP)}`).subarray(0, CMDLINE_CAP);
  assert.equal(parseContactProbe(long, ok(answer({ cmd: other.toString("hex") }))).state, "dead");
});

test("parse: ssh failures are unknown, naming ssh's error, the timeout or the missing answer", () => {
  const refused = parseContactProbe(ME, {
    exitCode: 255,
    stdout: "",
    stderr: "ssh: connect to host 10.9.9.9 port 22: Connection refused\r\n",
    timedOut: false,
  });
  assert.deepEqual(refused, {
    state: "unknown",
    why: "ssh exited with 255: ssh: connect to host 10.9.9.9 port 22: Connection refused",
  });
  const slow = parseContactProbe(ME, {
    exitCode: null,
    stdout: "",
    stderr: "",
    timedOut: true,
    timeoutMs: 25_000,
  });
  assert.deepEqual(slow, { state: "unknown", why: "ssh timed out after 25 s" });
  assert.deepEqual(parseContactProbe(ME, ok("")), {
    state: "unknown",
    why: "ssh exited with 0 without an answer",
  });
  const killed = parseContactProbe(ME, { exitCode: null, stdout: "", stderr: "", timedOut: false });
  assert.match(killed.state === "unknown" ? killed.why : "", /was killed/);
  const hostile = parseContactProbe(ME, {
    exitCode: 1,
    stdout: "",
    stderr: "\u001b[31mbad\u0007 thing\n",
    timedOut: false,
  });
  assert.equal(hostile.state === "unknown" && hostile.why, "ssh exited with 1: [31mbad thing");
});

test("parse: garbage answers are unknown, never alive or dead", () => {
  const garbage = [
    `${PROBE_MARK} pid=4242`,
    `${PROBE_MARK} pid=4243 boot=${BOOT} stat=S:1122368 cmd=-`,
    `${PROBE_MARK} pid=4242 boot=${BOOT} stat=S:1122368 cmd=abc`,
    `${PROBE_MARK} pid=4242 boot=${BOOT} stat=S:1122368 cmd=ZZ`,
    `${PROBE_MARK} pid=4242 boot=${BOOT} stat=SS:1122368 cmd=-`,
    `${PROBE_MARK} pid=4242 boot=${BOOT} stat=S:-1 cmd=-`,
    `${PROBE_MARK} pid=4242 boot=${BOOT} stat=S: cmd=-`,
    `${PROBE_MARK} pid=4242 boot= stat=S:1122368 cmd=-`,
    `${PROBE_MARK} pid=4242 boot=a/b stat=S:1122368 cmd=-`,
    `${PROBE_MARK} pid=4242 boot=${BOOT} stat=S:1122368 cmd=- extra`,
    `${PROBE_MARK}  pid=4242 boot=${BOOT} stat=S:1122368 cmd=-`,
    `${PROBE_MARK} pid=4242 boot=${BOOT} stat=S:1122368 cmd=-\u0000`,
    `${PROBE_MARK} \u0000\u0001\u0002`,
    `${PROBE_MARK} ${"x".repeat(10_000)}`,
  ];
  for (const g of garbage) {
    const v = parseContactProbe(ME, ok(`${g}\n`));
    assert.equal(v.state, "unknown", JSON.stringify(g));
    assert.match(v.state === "unknown" ? v.why : "", /^garbage answer from the host: /);
    assert.ok(v.state === "unknown" && v.why.length < 200, "the message stays short");
  }
});

test("judge: no process, zombie and a matching live process", () => {
  const f = { bootId: BOOT, state: "S", start: "1122368", cmdline: ME.cmdline ?? null };
  assert.equal(judgeContact(ME, f).state, "alive");
  assert.equal(judgeContact(ME, { ...f, state: null, start: null }).state, "dead");
  assert.equal(judgeContact(ME, { ...f, state: "Z" }).state, "dead");
  assert.equal(judgeContact(ME, { ...f, bootId: null }).state, "alive");
  assert.equal(
    judgeContact(ME, { ...f, bootId: null, state: null, start: null, cmdline: null }).state,
    "unknown",
  );
  const noProc = parseContactProbe(ME, ok(answer({ boot: "-", stat: "-", cmd: "-" })));
  assert.match(noProc.state === "unknown" ? noProc.why : "", /neither its boot id nor process 4242/);
});

test("helpers: /proc/<pid>/stat with spaces and parentheses in the name; cmdline splitting; display", () => {
  const stat = "77 (a) (b c)) S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10";
  assert.deepEqual(parseProcStat(stat), { state: "S", start: "123456" });
  for (const bad of [
    "",
    "77 (x",
    "77 (x) S 1",
    "77 (x) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
  ]) {
    assert.equal(parseProcStat(bad), null, bad);
  }
  assert.deepEqual(splitCmdline(Buffer.from("a\0b c\0\0")), ["a", "b c", ""]);
  assert.equal(splitCmdline(Buffer.alloc(0)), null);
  assert.equal(showCmdline(["a\nb", "\u001b[2J"]), "a?b ?[2J");
  assert.equal(showCmdline(["x".repeat(500)]).length, 120);
});

test("probe: rejects what is not a pid, and quotes nothing it was not given", () => {
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60])
    assert.throws(() => buildContactProbe(bad), RangeError);
  assert.match(buildContactProbe(12), /^p=12\n/);
});

test("probe run by the real sh: this process is alive, with the same identity it would record", () => {
  const me = myIdentity();
  assert.deepEqual(parseContactProbe(me, probeHere(process.pid)), { state: "alive" });
  const v = parseContactProbe({ ...me, cmdline: ["node", "elsewhere.js"] }, probeHere(process.pid));
  assert.equal(v.state, "dead");
});

test("probe run by the real sh: a reaped pid is gone, an unreaped child is a zombie", async (t) => {
  const done = spawnSync("true");
  const gone = parseContactProbe({ pid: done.pid, procStart: "1" }, probeHere(done.pid));
  assert.equal(gone.state, "dead");
  assert.match(gone.state === "dead" ? gone.why : "", /there is no process/);
  // The shell execs sleep, which never reaps the short-lived child: a zombie until the parent ends.
  const parent = spawn("sh", ["-c", "sleep 0.2 & echo $!; exec sleep 5"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  t.after(() => parent.kill("SIGKILL"));
  const childPid = Number(
    await new Promise<string>((res) => parent.stdout.once("data", (d: Buffer) => res(d.toString()))),
  );
  const deadline = Date.now() + 5000;
  let state = "";
  while (Date.now() < deadline && state !== "Z") {
    state = parseProcStat(fs.readFileSync(`/proc/${childPid}/stat`, "utf8"))?.state ?? "";
    await new Promise((r) => setTimeout(r, 20));
  }
  const start = parseProcStat(fs.readFileSync(`/proc/${childPid}/stat`, "utf8"))?.start ?? "";
  const z = parseContactProbe({ pid: childPid, procStart: start }, probeHere(childPid));
  assert.match(z.state === "dead" ? z.why : "", /zombie/);
});

test("probe run by the real sh: a command name with spaces and parentheses", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-probe-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const exe = path.join(dir, "a) (b c");
  fs.copyFileSync("/bin/sleep", exe);
  fs.chmodSync(exe, 0o755);
  const child = spawn(exe, ["5"], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  await new Promise((r) => child.once("spawn", r));
  const pid = child.pid ?? 0;
  const stat = parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  assert.ok(stat);
  const id: ContactIdentity = { pid, procStart: stat.start, cmdline: [exe, "5"] };
  assert.deepEqual(parseContactProbe(id, probeHere(pid)), { state: "alive" });
});
