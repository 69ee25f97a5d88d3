import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { classifySshResult } from "../../src/transport/ssh-errors.js";
import { live, masterPid, sshBed, type SshBed } from "./ssh-fixture.js";

let bed: SshBed;
before(() => {
  bed = sshBed();
});
after(async () => {
  await bed.cleanup();
});

test("runs the program from stdin through one master; a warm call is much faster than a cold one", async () => {
  const t = bed.transport();
  const a = bed.hosts.hosts.a;
  assert.equal(await t.checkMaster(a), false);
  let t0 = Date.now();
  const cold = await t.runProgram(a, 'echo "out $(id -un)"; echo err >&2; exit 3\n', { timeoutMs: 20_000 });
  const coldMs = Date.now() - t0;
  t0 = Date.now();
  const warm = await t.runProgram(a, "echo warm\n", { timeoutMs: 20_000 });
  const warmMs = Date.now() - t0;
  console.log(`# ssh ${a}: cold call ${coldMs} ms, warm call ${warmMs} ms`);
  assert.equal(cold.exitCode, 3);
  assert.equal(cold.stdout, `out ${bed.hosts.jobUser}\n`);
  assert.equal(cold.stderr, "err\n");
  assert.equal(cold.host, a);
  assert.equal(cold.timedOut, false);
  assert.deepEqual(cold.argv.slice(-6), ["-T", a, "--", "bash", "-l", "-s"]);
  assert.ok(cold.argv.includes("BatchMode=yes") && cold.argv.includes(`ControlPath=${t.controlPathFor(a)}`));
  assert.equal(classifySshResult(cold, true), null, "the program's own exit code is no ssh failure");
  assert.equal(warm.stdout, "warm\n");
  assert.ok(await t.checkMaster(a), "the master stays after the calls");
  assert.ok(warmMs * 3 < coldMs, `warm ${warmMs} ms should be far below cold ${coldMs} ms`);
  // The master is not tied to this process's calls: it is a daemon of its own.
  const pid = masterPid(t, bed.config, a);
  assert.ok(pid !== null && live(pid));
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const sid = Number(stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[3]);
  assert.equal(sid, pid, "the master leads its own session: it outlives Drover");
  const other = bed.transport({ controlDir: t.controlDir });
  assert.equal(await other.checkMaster(a), true, "another transport (run) finds the same master");
});

test("30 concurrent calls with maxSessions 8 against stock MaxSessions 10 all succeed", async () => {
  const t = bed.transport({ maxSessions: 8 });
  const a = bed.hosts.hosts.a;
  const t0 = Date.now();
  const rs = await Promise.all(
    Array.from({ length: 30 }, (_, i) => t.runProgram(a, `sleep 0.3; echo ${i}\n`, { timeoutMs: 30_000 })),
  );
  const ms = Date.now() - t0;
  rs.forEach((r, i) => {
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `${i}\n`);
    assert.doesNotMatch(r.stderr, /refused/);
  });
  // 8 at a time: at least 4 rounds of 0.3 s.
  assert.ok(ms >= 1100, `30 calls of 0.3 s took only ${ms} ms: more than 8 ran at once`);
  assert.equal(await t.sessionCap(a), 8, "no session was refused, so the cap stayed");
});

test("refused sessions are back-pressure: retried, the cap lowered, never seen by the caller", async () => {
  const t = bed.transport({ maxSessions: 30 });
  const a = bed.hosts.hosts.a;
  const rs = await Promise.all(
    Array.from({ length: 30 }, (_, i) => t.runProgram(a, `sleep 0.5; echo ${i}\n`, { timeoutMs: 30_000 })),
  );
  rs.forEach((r, i) => {
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `${i}\n`);
  });
  const cap = await t.sessionCap(a);
  assert.ok(cap <= 10, `the cap went down to the server's MaxSessions (10), now ${cap}`);
});

test("a timeout kills the local ssh group and says so; the program may live on there", async () => {
  const t = bed.transport();
  const a = bed.hosts.hosts.a;
  const t0 = Date.now();
  const r = await t.runProgram(a, "echo started; sleep 30 & echo $!; wait\n", { timeoutMs: 1500 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, "SIGKILL");
  assert.ok(Date.now() - t0 < 5000);
  const [marker, remotePid] = r.stdout.trim().split("\n");
  assert.equal(marker, "started");
  const f = classifySshResult(r, true);
  assert.equal(f?.kind, "timeout");
  assert.equal(f?.transient, true);
  assert.match(f?.message ?? "", /may still be running/);
  assert.equal(classifySshResult(r, false)?.kind, "timeout");
  // The master survived the killed client; tidy the remote sleep through it.
  const k = await t.runProgram(a, `kill ${remotePid} 2>/dev/null; echo ok\n`, { timeoutMs: 10_000 });
  assert.equal(k.stdout, "ok\n");
});

test("a connection cut while the program runs is 255 after start: cut, transient", async () => {
  const t = bed.transport();
  const a = bed.hosts.hosts.a;
  await t.runProgram(a, "true\n", { timeoutMs: 20_000 });
  const pid = masterPid(t, bed.config, a);
  assert.ok(pid !== null);
  const run = t.runProgram(a, "echo started; sleep 5; echo done\n", { timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 700));
  process.kill(pid, "SIGKILL");
  const r = await run;
  assert.equal(r.exitCode, 255);
  assert.equal(r.stdout, "started\n");
  const f = classifySshResult(r, r.stdout.startsWith("started"));
  assert.deepEqual({ kind: f?.kind, transient: f?.transient }, { kind: "cut", transient: true });
  assert.match(f?.message ?? "", new RegExp(`^${a}: .*may still be running`));
  // auto mode opens a new master for the next call.
  const again = await t.runProgram(a, "echo back\n", { timeoutMs: 20_000 });
  assert.equal(again.stdout, "back\n");
  // Cut before the program printed anything: it ran, so it must not be run a second time.
  const log = `drvt-runs-${process.pid}-${Date.now()}`;
  const pid2 = masterPid(t, bed.config, a);
  assert.ok(pid2 !== null);
  const silent = t.runProgram(a, `echo run >> ~/${log}; sleep 5\n`, { timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 700));
  process.kill(pid2, "SIGKILL");
  const s = await silent;
  assert.equal(s.exitCode, 255);
  const count = await t.runProgram(a, `sleep 1; cat ~/${log}; rm -f ~/${log}\n`, { timeoutMs: 20_000 });
  assert.equal(count.stdout, "run\n", "the cut program ran exactly once");
});

test("a vanished master is reopened in auto mode; EPIPE on stdin is a value", async () => {
  const t = bed.transport();
  const a = bed.hosts.hosts.a;
  await t.runProgram(a, "true\n", { timeoutMs: 20_000 });
  await t.closeMaster(a);
  const r = await t.runProgram(a, "echo reopened\n", { timeoutMs: 20_000 });
  assert.equal(r.stdout, "reopened\n", r.stderr);
  const quick = bed.transport({ shell: ["exit", "4"] });
  const big = await quick.runProgram(a, "x".repeat(4_000_000), { timeoutMs: 20_000 });
  assert.equal(big.exitCode, 4);
});
