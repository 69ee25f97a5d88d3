/**
 * The basics against real Grid Engine and atd through the real CLI, in one job set and one Drover
 * run for both runners: submit and poll, a job that succeeds and one that exits 3, a time limit
 * exceeded, a kill by Drover while the job runs (its processes are gone afterwards), a `needs`
 * chain, and the jobs' output brought home.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { ensureAtd, ensureSge } from "../helpers/runner-hosts.js";
import {
  asJobUser,
  cancelLeftovers,
  describeRun,
  evidenceOf,
  eventsOf,
  localJobFile,
  openRunnerSuite,
  runnerPlatform,
  statusOf,
  stepsThenFinish,
  waitFor,
  writeJobSet,
  type JobDef,
} from "./runner-e2e.js";

const { e2e, skip, cleanups } = openRunnerSuite("Grid Engine and atd", () => {
  ensureSge();
  ensureAtd();
});

const RUN = "sgeat";
const PLATFORMS = { ge: "sge", atd: "at" } as const;
/** The kill job records the PID of its sleep, so the test can see that the kill reached it. */
const KILL_SCRIPT = 'sleep 300 & echo "$!" > "$DROVER_SHARE_DIR/$DROVER_JOB_NAME.pid"; wait';

test(
  "Grid Engine and atd: submit, poll, exit 3, time limit, kill, needs",
  { skip, timeout: 150_000 },
  async () => {
    const e = e2e!;
    const root = e.newRunRoot();
    cleanups.push(() => cancelLeftovers(e, RUN, root));
    e.platforms([
      "platforms:",
      ...Object.entries(PLATFORMS).flatMap(([name, runner]) => runnerPlatform(e, name, runner, root)),
    ]);
    const jobs: Record<string, JobDef> = {};
    for (const p of Object.keys(PLATFORMS)) {
      jobs[`${p}_ok`] = { platform: p, script: `echo hello from ${p}` };
      jobs[`${p}_three`] = { platform: p, script: "echo three; exit 3" };
      jobs[`${p}_limit`] = { platform: p, script: "sleep 300", more: ["time_limit: PT5S"] };
      jobs[`${p}_kill`] = { platform: p, script: KILL_SCRIPT };
      jobs[`${p}_after`] = { platform: p, script: "echo after", more: [`needs: [${p}_ok]`] };
    }
    const live = e.start(["run", writeJobSet(e, RUN, jobs)]);
    const info = () => describeRun(e, RUN, live);
    const pidFile = (p: string) => e.onHost(root, RUN, "share", `${p}_kill.pid`);
    const end = await stepsThenFinish(live, 90_000, async () => {
      for (const p of Object.keys(PLATFORMS)) {
        await waitFor(
          () => statusOf(e, RUN).get(`${p}_kill`)?.state === "running" && fs.existsSync(pidFile(p)),
          60_000,
          `${p}_kill running`,
          info,
        );
        const k = await e.run(["kill", RUN, `${p}_kill`], 60_000);
        assert.equal(k.code, 0, k.out);
      }
    });
    assert.equal(end.code, 1, `some jobs fail on purpose\n${info()}`);
    const rows = statusOf(e, RUN);
    for (const [p, runner] of Object.entries(PLATFORMS)) {
      const expect: Record<string, [string, string, number | null]> = {
        ok: ["succeeded", "succeeded", 0],
        three: ["failed", "exit(3)", 3],
        limit: ["failed", "walltime", null],
        kill: ["failed", "killed", null],
        after: ["succeeded", "succeeded", 0],
      };
      for (const [suffix, [s, reason, code]] of Object.entries(expect)) {
        const name = `${p}_${suffix}`;
        const j = rows.get(name) ?? {};
        const why = `${name}\n${evidenceOf(e, RUN, name)}\n${info()}`;
        assert.equal(j.state, s, why);
        assert.equal(j.reason, reason, why);
        if (code !== null) assert.equal(j.exit_code, code, why);
        assert.equal(j.submit_num, 1, why);
        assert.equal(j.runner, runner, why);
        assert.match(String(j.runner_job_id), /^[0-9]+$/, why);
        // Drover saw each one running or ended, from the runner's queue and its status file.
        assert.ok(eventsOf(e, RUN, name, "state").length >= 3, why);
      }
      assert.match(localJobFile(e, RUN, `${p}_ok`, "job.out"), new RegExp(`hello from ${p}`));
      assert.match(localJobFile(e, RUN, `${p}_three`, "job.out"), /three/);
      // The `needs` chain: the second job was submitted only after the first had succeeded.
      const okEnd = String(rows.get(`${p}_ok`)?.ended_at);
      assert.ok(
        String(rows.get(`${p}_after`)?.submitted_at) >= okEnd.slice(0, 19),
        `${p}_after after ${p}_ok`,
      );
      // The kill reached the job's own child: its sleep is gone.
      const pid = fs.readFileSync(pidFile(p), "utf8").trim();
      assert.match(pid, /^[0-9]+$/);
      await waitFor(() => !fs.existsSync(`/proc/${pid}`), 15_000, `${p}_kill's sleep ${pid} to end`);
    }
    // at: the launcher's recorded process guarded the kill (a group kill, not a refused atrm).
    assert.match(
      eventsOf(e, RUN, "atd_kill")
        .map((ev) => ev.text)
        .join("\n"),
      /TERM sent to process group/,
    );
    // Nothing of this run is left in either queue.
    const queues = { ge: asJobUser(e, "qstat -u drvjob").out, atd: asJobUser(e, "atq").out };
    for (const [p, text] of Object.entries(queues))
      for (const j of [...rows.values()].filter((r) => r.platform === p))
        assert.doesNotMatch(
          text,
          new RegExp(`^\\s*${String(j.runner_job_id)}\\s`, "m"),
          `${p}: ${String(j.name)} left`,
        );
  },
);
