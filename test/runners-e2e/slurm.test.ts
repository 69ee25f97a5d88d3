/**
 * Real Slurm through the real CLI. Every case is a job of ONE job set, so one Drover run (about a
 * minute or two, bound by Slurm's whole-minute time limits and its purge of finished jobs) covers
 * them all: exit 0 and 3, a `needs` chain, `-M` to the second cluster, a time limit exceeded, a
 * kill by Drover, a `scancel` and a `scontrol requeue` by the job user outside Drover, munge stopped
 * while jobs run, and jobs that ended and left squeue while Drover was not looking (platform `slow`
 * polls running jobs once, then after ten minutes; the test asks for a poll only once squeue has
 * forgotten them, so the verdict rests on the status file and sacct).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ensureSlurm, runnerCtl } from "../helpers/runner-hosts.js";
import {
  asJobUser,
  cancelLeftovers,
  describeRun,
  eventsOf,
  evidenceOf,
  localJobFile,
  movesOf,
  openRunnerSuite,
  runnerPlatform,
  sleep,
  statusOf,
  stepsThenFinish,
  waitFor,
  writeJobSet,
} from "./runner-e2e.js";

const { e2e, skip, cleanups } = openRunnerSuite("Slurm", ensureSlurm);

const RUN = "slurmcases";
const LONG = "sleep 300";
const FINAL = new Set(["succeeded", "failed", "submit-failed"]);
/** Facts of the main run that the known-gap tests below check (filled by the main test). */
let requeueMoves: string[] | null = null;
let limitSeconds: number | null = null;

test(
  "Slurm: every case in one run, with outside actions and a munge outage",
  { skip, timeout: 200_000 },
  async () => {
    const e = e2e!;
    const root = e.newRunRoot();
    cleanups.push(() => cancelLeftovers(e, RUN, root));
    e.platforms([
      "platforms:",
      ...runnerPlatform(e, "s1", "slurm", root),
      ...runnerPlatform(e, "s2", "slurm", root, { cluster: "drvslurm2" }),
      // A running job is looked at again only after ten minutes: they end and leave squeue unseen.
      ...runnerPlatform(e, "slow", "slurm", root, { polling: "{ submission: [PT1S], execution: [PT10M] }" }),
    ]);
    const file = writeJobSet(e, RUN, {
      ok: { platform: "s1", script: "echo hello from slurm" },
      three: { platform: "s1", script: "echo three; exit 3" },
      chain: { platform: "s1", script: "echo chained", more: ["needs: [ok, m2_ok]"] },
      m2_ok: { platform: "s2", script: 'echo "cluster $SLURM_CLUSTER_NAME"' },
      m2_three: { platform: "s2", script: "exit 3" },
      limit: { platform: "s1", script: LONG, more: ["time_limit: PT1M"] },
      killed: { platform: "s1", script: LONG },
      cancelled: { platform: "s1", script: LONG },
      // The first run waits to be requeued; the second (SLURM_RESTART_COUNT=1) runs briefly.
      requeued: {
        platform: "s1",
        script:
          'n=${SLURM_RESTART_COUNT:-0}; echo "run $n"; if [ "$n" -ge 1 ]; then sleep 15; else sleep 300; fi',
      },
      outage: { platform: "s1", script: "sleep 40" },
      gone_ok: { platform: "slow", script: "sleep 6" },
      gone_cancelled: { platform: "slow", script: LONG },
    });
    const live = e.start(["run", file]);
    const info = () => describeRun(e, RUN, live);
    const st = () => statusOf(e, RUN);
    const job = (name: string) => st().get(name) ?? {};
    const idOf = (name: string) => String(job(name).runner_job_id ?? "").split(";")[0] ?? "";
    const state = (name: string) => job(name).state;
    const sacct = (id: string, m = "") => asJobUser(e, `sacct ${m} -X -n -P -o State -j ${id}`).out.trim();
    const end = await stepsThenFinish(live, 150_000, async () => {
      const quick = ["ok", "three", "chain", "m2_ok", "m2_three"];
      const long = ["limit", "killed", "cancelled", "requeued", "outage", "gone_ok", "gone_cancelled"];
      await waitFor(
        () => long.every((j) => state(j) === "running") && quick.every((j) => FINAL.has(String(state(j)))),
        60_000,
        "the quick jobs ended and the long ones running",
        info,
      );
      // gone_ok ends while Drover (slow polling) still believes it runs.
      await waitFor(() => sacct(idOf("gone_ok")) === "COMPLETED", 30_000, "gone_ok to complete", info);
      assert.equal(state("gone_ok"), "running");

      // Munge down: every Slurm command fails; polls are errors and no job changes state.
      const before = new Map([...st()].map(([n, j]) => [n, j.state]));
      const mark = Math.max(0, ...e.events(RUN).map((ev) => ev.id));
      const sinceMark = (kind: string) => eventsOf(e, RUN, null, kind).filter((ev) => ev.id > mark);
      runnerCtl("munge-stop");
      try {
        await waitFor(
          () => sinceMark("poll-error").some((ev) => /munge/i.test(ev.text)),
          20_000,
          "a poll error while munge is down",
          info,
        );
        await sleep(3000);
        assert.deepEqual(
          sinceMark("state").map((ev) => ev.text),
          [],
          "no job changes state while munge is down",
        );
        assert.deepEqual(new Map([...st()].map(([n, j]) => [n, j.state])), before);
      } finally {
        runnerCtl("munge-start");
      }

      // Outside Drover, as the job user: scancel and requeue. Then Drover's own kill.
      const ids = (...names: string[]) => names.map(idOf).join(" ");
      const outside = asJobUser(
        e,
        `scancel ${ids("cancelled", "gone_cancelled")} && scontrol requeue ${ids("requeued")}`,
      );
      assert.equal(outside.code, 0, outside.out);
      const k = await e.run(["kill", RUN, "killed"], 60_000);
      assert.equal(k.code, 0, k.out);

      // Both slow jobs leave squeue (MinJobAge 10 s + the purge pass) before Drover looks again.
      await waitFor(
        () =>
          [idOf("gone_ok"), idOf("gone_cancelled")].every((id) =>
            /Invalid job id/i.test(asJobUser(e, `squeue -h -t all -j ${id}`).out),
          ),
        110_000,
        "the slow jobs to leave squeue",
        info,
        2000,
      );
      assert.equal(state("gone_ok"), "running", "not polled since it ended");
      assert.equal(state("gone_cancelled"), "running", "not polled since it was cancelled");
      const p = await e.run(["poll", RUN], 60_000);
      assert.equal(p.code, 0, p.out);
    });
    assert.equal(end.code, 1, `some jobs fail on purpose\n${info()}`);
    const jobs = st();
    const expect: Record<string, [string, string, number | null]> = {
      ok: ["succeeded", "succeeded", 0],
      three: ["failed", "exit(3)", 3],
      chain: ["succeeded", "succeeded", 0],
      m2_ok: ["succeeded", "succeeded", 0],
      m2_three: ["failed", "exit(3)", 3],
      limit: ["failed", "walltime", null],
      killed: ["failed", "killed", null],
      cancelled: ["failed", "cancelled", null],
      requeued: ["succeeded", "succeeded", 0],
      outage: ["succeeded", "succeeded", 0],
      gone_ok: ["succeeded", "succeeded", 0],
      gone_cancelled: ["failed", "cancelled", null],
    };
    const why = (name: string) => `${name}\n${evidenceOf(e, RUN, name)}\n${info()}`;
    for (const [name, [s, reason, code]] of Object.entries(expect)) {
      const j = jobs.get(name) ?? {};
      assert.equal(j.state, s, why(name));
      assert.equal(j.reason, reason, why(name));
      if (code !== null) assert.equal(j.exit_code, code, why(name));
      // One submission each: nothing was resubmitted, whatever happened to it.
      assert.equal(j.submit_num, 1, why(name));
      assert.equal(j.runner, "slurm", why(name));
      assert.equal(j.run_count, name === "requeued" ? 2 : 1, why(name));
      assert.match(
        String(j.runner_job_id),
        name.startsWith("m2_") ? /^[0-9]+;drvslurm2$/ : /^[0-9]+$/,
        why(name),
      );
    }
    assert.match(localJobFile(e, RUN, "ok", "job.out"), /hello from slurm/);
    // -M: the jobs ran on the second cluster, whose accounting knows them.
    assert.match(localJobFile(e, RUN, "m2_ok", "job.out"), /cluster drvslurm2/);
    assert.equal(sacct(idOf("m2_ok"), "-M drvslurm2"), "COMPLETED");
    assert.equal(sacct(idOf("m2_three"), "-M drvslurm2"), "FAILED");
    const ended = (n: string) => String(jobs.get(n)?.ended_at).slice(0, 19);
    const chainAt = String(jobs.get("chain")?.submitted_at);
    assert.ok(chainAt >= ended("ok") && chainAt >= ended("m2_ok"), "chain waited for its needs");
    // The requeue: one submission, two runs (both in the appended output), the second seen running.
    assert.match(localJobFile(e, RUN, "requeued", "job.out"), /run 0\n[^]*run 1\n/);
    assert.ok(
      eventsOf(e, RUN, "requeued", "state").some((ev) => / running: run 2/.test(ev.text)),
      why("requeued"),
    );
    // Each verdict rests on the right evidence.
    const last = (n: string) => eventsOf(e, RUN, n, "state").at(-1)?.detail ?? "";
    assert.match(last("limit"), /EXIT=XCPU/);
    assert.match(last("cancelled"), /accounting: cancelled/);
    assert.match(last("gone_cancelled"), /queue: unlisted.*accounting: cancelled/);
    assert.match(last("gone_ok"), /EXIT=SUCCEEDED\|0.*queue: unlisted/);
    assert.equal(sacct(idOf("killed")).split(" ")[0], "CANCELLED");
    requeueMoves = movesOf(e, RUN, "requeued");
    limitSeconds =
      (Date.parse(String(jobs.get("limit")?.ended_at)) - Date.parse(String(jobs.get("limit")?.started_at))) /
      1000;
  },
);

test("Slurm: a requeued running job goes back to submitted before its second run", { skip }, () => {
  assert.ok(requeueMoves?.includes("running -> submitted"), JSON.stringify(requeueMoves));
});

test("Slurm: a job gets its whole time limit before the time-limit signal", { skip }, () => {
  assert.ok(limitSeconds !== null && limitSeconds >= 60, `XCPU after ${limitSeconds} s of a 1 min limit`);
});
