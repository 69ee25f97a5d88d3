import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { LocalTransport } from "../../src/transport/local.js";
import { killBatch, pollBatch, submitBatch } from "../../src/remote/batches.js";
import type { PollJob } from "../../src/remote/batch-types.js";
import { bootId, fixtureJob, procStat, rmRun, tempRun, waitFor } from "./helpers.js";

const t = new LocalTransport();
const base = (runDir: string) => ({ runDir, runner: "background", host: "localhost", timeoutMs: 30_000 });
const pj = (key: string, batchId: string | null, lookup = false): PollJob => ({
  key,
  logDir: `log/job/${key}`,
  jobId: null,
  runnerData: {},
  batchId,
  lookup,
});

test("journal answers: line, no line with the batch alive or dead, absent", async () => {
  const run = tempRun();
  const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    const pid = String(sleeper.pid);
    await waitFor("sleeper", () => procStat(pid) !== null);
    const start = procStat(pid)?.start ?? "";
    const dir = path.join(run, "batches");
    fs.mkdirSync(dir, { recursive: true });
    const boot = bootId();
    fs.writeFileSync(
      path.join(dir, "alive"),
      `PID ${pid} ${start} ${boot}\nSUBMIT a/01 rc=0 id=4242 start=777\nSUBMIT b/01 rc=1 id= start=\n`,
    );
    fs.writeFileSync(path.join(dir, "reused"), `PID ${pid} ${Number(start) + 5} ${boot}\n`);
    fs.writeFileSync(path.join(dir, "done"), `PID ${pid} ${start} ${boot}\nDONE\n`);
    fs.writeFileSync(path.join(dir, "partial"), `PID ${pid} ${start} ${boot}\nSUBMIT p/01 rc=0 id=9`);
    const p = await pollBatch(t, {
      ...base(run),
      jobs: [
        pj("a/01", "alive"),
        pj("b/01", "alive"),
        pj("c/01", "alive"),
        pj("d/01", "reused"),
        pj("e/01", "done"),
        pj("f/01", "nosuch"),
        pj("p/01", "partial"),
      ],
    });
    assert.equal(p.error, null, String(p.error));
    assert.deepEqual(p.journals.get("a/01"), { kind: "line", rc: 0, jobId: "4242", output: "" });
    assert.deepEqual(p.recovered.get("a/01"), { start: "777", boot });
    assert.deepEqual(p.journals.get("b/01"), { kind: "line", rc: 1, jobId: null, output: "" });
    assert.deepEqual(p.journals.get("c/01"), { kind: "no-line", batchAlive: true });
    assert.deepEqual(p.journals.get("d/01"), { kind: "no-line", batchAlive: false });
    assert.deepEqual(p.journals.get("e/01"), { kind: "no-line", batchAlive: false });
    assert.deepEqual(p.journals.get("f/01"), { kind: "absent" });
    assert.deepEqual(
      p.journals.get("p/01"),
      { kind: "no-line", batchAlive: true },
      "a half-written line is no evidence",
    );
    assert.equal(p.status.get("a/01"), null);
  } finally {
    sleeper.kill("SIGKILL");
    rmRun(run);
  }
});

test("lookup finds a live job by its script path, with its guard data; a finished one is not found", async () => {
  const run = tempRun();
  try {
    const jobs = [fixtureJob("live/01", "sleep 300 & wait $!"), fixtureJob("quick/01")];
    const r = await submitBatch(t, { ...base(run), batchId: "lk", jobs });
    const live = r.outcomes.get("live/01");
    const quick = r.outcomes.get("quick/01");
    assert.ok(live?.jobId && quick?.jobId);
    await waitFor("quick job ends", () =>
      /SUCCEEDED/.test(fs.readFileSync(path.join(run, "log/job/quick/01/job.status"), "utf8")),
    );
    const p = await pollBatch(t, {
      ...base(run),
      jobs: [pj("live/01", null, true), pj("quick/01", null, true)],
    });
    assert.equal(p.error, null, String(p.error));
    assert.deepEqual(p.lookups.get("live/01"), { kind: "found", jobId: live.jobId });
    assert.deepEqual(p.recovered.get("live/01"), live.runnerData);
    assert.deepEqual(p.lookups.get("quick/01"), { kind: "not-found" });
    const k = await killBatch(t, {
      ...base(run),
      graceS: 2,
      jobs: [{ key: "live/01", logDir: "log/job/live/01", jobId: live.jobId, runnerData: live.runnerData }],
    });
    assert.equal(k.outcomes.get("live/01")?.outcome, "signalled");
  } finally {
    rmRun(run);
  }
});
