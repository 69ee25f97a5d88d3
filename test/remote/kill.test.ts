import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { LocalTransport } from "../../src/transport/local.js";
import { killBatch, submitBatch } from "../../src/remote/batches.js";
import { fixtureJob, isLive, procStat, readOrNull, rmRun, tempRun, waitFor } from "./helpers.js";

const t = new LocalTransport();
const base = (runDir: string) => ({ runDir, runner: "background", host: "localhost", timeoutMs: 30_000 });
/** A job with a child process that records its PID, then waits. */
const BODY = `sleep 300 & echo $! >"\${0%/*}/child.pid"; wait $!`;

test("kill: TERM reaches the job's whole group, children included; a start-time mismatch is refused", async () => {
  const run = tempRun();
  try {
    const jobs = [fixtureJob("victim/01", BODY), fixtureJob("guarded/01", BODY)];
    const r = await submitBatch(t, { ...base(run), batchId: "k", jobs });
    assert.equal(r.error, null);
    const childPid = (key: string) => (readOrNull(path.join(run, "log/job", key, "child.pid")) ?? "").trim();
    await waitFor("children", () => jobs.every((j) => childPid(j.key.split("/")[0] + "/01") !== ""));
    const victim = r.outcomes.get("victim/01");
    const guarded = r.outcomes.get("guarded/01");
    assert.ok(victim?.jobId && guarded?.jobId);
    const vChild = childPid("victim/01");
    const gChild = childPid("guarded/01");
    assert.equal(procStat(vChild)?.pgid, victim.jobId, "the child is in the job's process group");

    const wrongStart = String(Number(guarded.runnerData.start) + 1);
    const k = await killBatch(t, {
      ...base(run),
      graceS: 5,
      jobs: [
        { key: "victim/01", logDir: jobs[0]!.logDir, jobId: victim.jobId, runnerData: victim.runnerData },
        {
          key: "guarded/01",
          logDir: jobs[1]!.logDir,
          jobId: guarded.jobId,
          runnerData: { ...guarded.runnerData, start: wrongStart },
        },
        { key: "nostart/01", logDir: "log/job/nostart/01", jobId: guarded.jobId, runnerData: {} },
      ],
    });
    assert.equal(k.error, null, k.result.stderr);
    assert.equal(k.outcomes.get("victim/01")?.outcome, "signalled");
    assert.equal(k.outcomes.get("guarded/01")?.outcome, "gone");
    assert.match(k.outcomes.get("guarded/01")?.output ?? "", /not signalled/);
    assert.equal(k.outcomes.get("nostart/01")?.outcome, "failed");
    assert.ok(k.result.durationMs < 4000, `left the grace loop early (${k.result.durationMs} ms)`);

    assert.equal(isLive(victim.jobId), false);
    assert.equal(isLive(vChild), false, "the job's child got TERM too");
    assert.match(fs.readFileSync(path.join(run, "log/job/victim/01/job.status"), "utf8"), /\|TERM\|143\n$/);
    assert.equal(isLive(guarded.jobId), true, "a mismatching start time means hands off");
    assert.equal(isLive(gChild), true);

    const k2 = await killBatch(t, {
      ...base(run),
      graceS: 5,
      jobs: [
        { key: "guarded/01", logDir: jobs[1]!.logDir, jobId: guarded.jobId, runnerData: guarded.runnerData },
      ],
    });
    assert.equal(k2.outcomes.get("guarded/01")?.outcome, "signalled");
    await waitFor("guarded job gone", () => !isLive(guarded.jobId!) && !isLive(gChild));
    const k3 = await killBatch(t, {
      ...base(run),
      graceS: 5,
      jobs: [
        { key: "guarded/01", logDir: jobs[1]!.logDir, jobId: guarded.jobId, runnerData: guarded.runnerData },
      ],
    });
    assert.equal(k3.outcomes.get("guarded/01")?.outcome, "gone");
  } finally {
    rmRun(run);
  }
});

test("kill: a group that ignores TERM gets KILL after the grace", async () => {
  const run = tempRun();
  try {
    const job = fixtureJob(
      "stubborn/01",
      `trap '' TERM; sleep 300 & echo $! >"\${0%/*}/child.pid"; wait $!; wait $!`,
    );
    const r = await submitBatch(t, { ...base(run), batchId: "s", jobs: [job] });
    const o = r.outcomes.get("stubborn/01");
    assert.ok(o?.jobId);
    await waitFor("child", () => fs.existsSync(path.join(run, job.logDir, "child.pid")));
    const child = fs.readFileSync(path.join(run, job.logDir, "child.pid"), "utf8").trim();
    const k = await killBatch(t, {
      ...base(run),
      graceS: 0.5,
      jobs: [{ key: job.key, logDir: job.logDir, jobId: o.jobId, runnerData: o.runnerData }],
    });
    assert.equal(k.outcomes.get(job.key)?.outcome, "signalled");
    assert.match(k.outcomes.get(job.key)?.output ?? "", /KILL/);
    await waitFor("all gone", () => !isLive(o.jobId!) && !isLive(child), 3000);
  } finally {
    rmRun(run);
  }
});
