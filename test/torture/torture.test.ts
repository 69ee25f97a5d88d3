/**
 * Kill torture (issue #6), bounded for CI: 300 short jobs over background jobs on the SSH host,
 * Slurm through that host and background jobs on localhost; Drover SIGKILLed at 30 random moments
 * (every third right inside a submit batch) and restarted at once, then run to its end. Counted
 * from the jobs' own side effects, the store's submissions and Slurm's accounting: every job ran
 * exactly once per submission, none lost, every final state and exit code as designed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runTorture } from "./torture-run.js";

test(
  "300 jobs, 30 SIGKILLs of Drover: none lost, none run twice, every outcome right",
  { timeout: 400_000 },
  async () => {
    const f = await runTorture({
      jobs: 300,
      kills: 30,
      seed: Number(process.env.DROVER_TORTURE_SEED ?? 20261126),
      maxActive: 40,
      finalTimeoutMs: 240_000,
      log: (l) => console.log(l),
    });
    const runs = Object.entries(f.runsPerPlatform).map(([p, n]) => `${p} ${n}`);
    const subs = Object.entries(f.submissionsPerPlatform).map(([p, n]) => `${p} ${n}`);
    console.log(
      `torture ${f.runName}: ${f.kills} kills (${f.killsInBatch} inside a submit batch), ${f.jobs} jobs, ` +
        `${f.submissions} submissions (${subs.join(", ")}), runs (${runs.join(", ")}), ` +
        `${f.sacctRecords} sacct records, ${f.submitFailed} submit-failed ${JSON.stringify(f.submitFailedReasons)}; lost ${f.lost}, duplicated ${f.duplicated}, wrong ${f.wrong}; ` +
        `${f.elapsedS.toFixed(1)} s`,
    );
    assert.deepEqual(f.crashes, [], "a Drover ended by itself with an internal error");
    assert.deepEqual(f.problems, []);
    assert.equal(f.finalCode, 1, "the designed failures make the run's exit code 1");
    assert.ok(f.kills >= 25, `only ${f.kills} kills landed before the run ended`);
    assert.ok(f.killsInBatch >= 3, `only ${f.killsInBatch} kills inside a submit batch`);
    assert.equal(f.lost + f.duplicated + f.wrong, 0);
  },
);
