import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runJob, waitGone } from "./run-job.js";

/** Starts a sleep, records its PID, says "started", then waits on it in the foreground. */
const SLEEPER = "sleep 30 & echo $! > sleep.pid\n: > started\nwait\n";
/** A foreground sleep: the case where bash would defer a trap until the child returns. */
const FOREGROUND = ": > started\nsleep 30\n";

test("TERM to the group: EXIT TERM|143 at once, and the sleeping child is gone", async () => {
  const r = await runJob(SLEEPER, { signal: "SIGTERM" });
  try {
    assert.equal(r.code, 143);
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["TERM", 143]);
    assert.equal(r.status.last.kind, "init");
    assert.ok(r.elapsedMs < 2000, `took ${r.elapsedMs} ms`);
    const pid = Number(fs.readFileSync(path.join(r.workDir, "sleep.pid"), "utf8"));
    assert.ok(await waitGone(pid, 1000), "the sleep survived");
    assert.equal(r.statusText.match(/DROVER_JOB_EXIT/g)?.length, 1);
  } finally {
    r.cleanup();
  }
});

test("TERM to the wrapper alone while a foreground sleep runs: the trap fires at once and stops the job", async () => {
  const r = await runJob("sleep 30 & echo $! > sleep.pid\n: > started\nsleep 30\n", {
    signal: "SIGTERM",
    target: "leader",
  });
  try {
    assert.equal(r.code, 143);
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["TERM", 143]);
    assert.ok(r.elapsedMs < 2000, `took ${r.elapsedMs} ms`);
    const pid = Number(fs.readFileSync(path.join(r.workDir, "sleep.pid"), "utf8"));
    assert.ok(await waitGone(pid, 1000), "the background sleep survived");
  } finally {
    r.cleanup();
  }
});

test("KILL: no EXIT line, INIT stays last", async () => {
  const r = await runJob(FOREGROUND, { signal: "SIGKILL" });
  try {
    assert.equal(r.signal, "SIGKILL");
    assert.equal(r.status.exit, null);
    assert.equal(r.status.last.kind, "init");
    assert.equal(r.status.malformed.length, 0);
  } finally {
    r.cleanup();
  }
});

test("INT to the group: EXIT INT|130", async () => {
  const r = await runJob(FOREGROUND, { signal: "SIGINT" });
  try {
    assert.equal(r.code, 130);
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["INT", 130]);
    assert.ok(r.elapsedMs < 2000, `took ${r.elapsedMs} ms`);
  } finally {
    r.cleanup();
  }
});

test("HUP to the group: EXIT HUP|129", async () => {
  const r = await runJob(FOREGROUND, { signal: "SIGHUP" });
  try {
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["HUP", 129]);
  } finally {
    r.cleanup();
  }
});

test("time limit through timeout --signal=XCPU: EXIT XCPU|152", async () => {
  const r = await runJob(FOREGROUND, { prefix: ["timeout", "-k", "2", "--signal=XCPU", "1"] });
  try {
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["XCPU", 152]);
    assert.equal(r.code, 124, "timeout reports the time-out");
    assert.ok(r.elapsedMs < 2500, `took ${r.elapsedMs} ms`);
  } finally {
    r.cleanup();
  }
});

test("USR1 vacates: VACATED last, no EXIT line", async () => {
  const r = await runJob(FOREGROUND, { signal: "SIGUSR1" });
  try {
    assert.equal(r.code, 138);
    assert.equal(r.status.last.kind, "vacated");
    if (r.status.last.kind === "vacated") assert.equal(r.status.last.vacated.signal, "USR1");
    assert.equal(r.status.exit, null);
    assert.doesNotMatch(r.statusText, /DROVER_JOB_EXIT/);
  } finally {
    r.cleanup();
  }
});

test("custom signal lists: USR2 fails, TERM vacates", async () => {
  const job = { failSignals: ["SIGUSR2"], vacationSignals: ["TERM"] };
  const a = await runJob(FOREGROUND, { signal: "SIGUSR2", job });
  const b = await runJob(FOREGROUND, { signal: "SIGTERM", job });
  try {
    assert.deepEqual([a.status.exit?.signal, a.status.exit?.code], ["USR2", 140]);
    assert.equal(b.status.last.kind, "vacated");
    assert.equal(b.status.exit, null);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test("the job's own script can trap INT (not inherited as ignored)", async () => {
  const script = "trap 'echo caught > caught; exit 7' INT\n: > started\nsleep 30 & wait\n";
  const r = await runJob(script, { signal: "SIGINT" });
  try {
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["INT", 130]);
    assert.equal(fs.readFileSync(path.join(r.workDir, "caught"), "utf8"), "caught\n");
  } finally {
    r.cleanup();
  }
});

test("TERM to a wrapper that does not lead its group: its own processes stop, its parent lives", async () => {
  // The outer bash leads the group and waits; only the wrapper below it gets the signal.
  const prefix = ["bash", "-c", '"$@"; echo "outer rc=$?"', "-"];
  const r = await runJob(SLEEPER, { signal: "SIGTERM", target: "wrapper", prefix });
  try {
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "outer rc=143\n");
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["TERM", 143]);
    assert.notEqual(
      r.status.inits[0]?.jobId,
      String(r.status.inits[0]?.pid),
      "job ID is the group, not the PID",
    );
    const pid = Number(fs.readFileSync(path.join(r.workDir, "sleep.pid"), "utf8"));
    assert.ok(await waitGone(pid, 1000), "the sleep survived");
  } finally {
    r.cleanup();
  }
});

test("the wrapper cannot set up (work/ is a file): a CRITICAL message, then EXIT|1", async () => {
  const setup = (runDir: string) => fs.writeFileSync(path.join(runDir, "work"), "");
  const r = await runJob("echo never\n", { setup });
  try {
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["EXIT", 1]);
    assert.deepEqual(
      r.status.messages.map((m) => [m.severity, m.text]),
      [["CRITICAL", "cannot create the work and share directories"]],
    );
  } finally {
    r.cleanup();
  }
});

test("a long message is capped at 1000 characters, in one line", async () => {
  const r = await runJob("drover_message INFO \"$(printf 'x%.0s' {1..1500})\"\n");
  try {
    assert.equal(r.status.messages[0]?.text, "x".repeat(1000));
    assert.deepEqual(r.status.malformed, []);
  } finally {
    r.cleanup();
  }
});
