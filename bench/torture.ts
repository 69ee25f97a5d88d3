/**
 * `npm run bench -- torture`: the kill torture of test/torture at full size (1,000 jobs over SSH
 * background, Slurm and localhost; Drover SIGKILLed 200 times and restarted at once), counted from
 * the jobs' side effects, the store and Slurm's accounting; then the time to reconcile 10,000
 * non-final jobs on one SSH host after a restart, beside one awk over the same status files.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTorture, type TortureFigures } from "../test/torture/torture-run.js";
import { ensureSshHosts } from "../test/helpers/hosts.js";
import { benchReconcile, type ReconcileFigures } from "./torture-reconcile.js";
import { round3, type BenchHost } from "./ssh-setup.js";

const JOBS = 1000;
const KILLS = 200;
const RECONCILE_JOBS = 10_000;
const LIVE = 10;

/** Prints one row of the table. */
function row(what: string, value: number | string, note = ""): void {
  const v = typeof value === "number" ? value.toFixed(3) : value;
  console.log(`${what.padEnd(46)}${v.padStart(10)}   ${note}`);
}

function report(t: TortureFigures, r: ReconcileFigures): void {
  const fig = {
    jobs: t.jobs,
    kills: t.kills,
    kills_in_batch: t.killsInBatch,
    lost: t.lost,
    duplicated: t.duplicated,
    wrong: t.wrong,
    crashes: t.crashes.length,
    submissions: t.submissions,
    submit_failed: t.submitFailed,
    submit_failed_reasons: t.submitFailedReasons,
    runs: t.runsPerPlatform,
    submissions_per_platform: t.submissionsPerPlatform,
    sacct_records: t.sacctRecords,
    torture_s: round3(t.elapsedS),
    reconcile_jobs: r.jobs,
    reconcile_live: r.live,
    reconcile_10k_s: round3(r.allFinalS),
    reconcile_dead_s: round3(r.deadFinalS),
    reconcile_startup_s: round3(r.firstFinalS),
    reconcile_exit_s: round3(r.exitS),
    reconcile_floor_s: round3(r.floorS),
    reconcile_ratio: round3(r.allFinalS / r.floorS),
    reconcile_outcomes: r.outcomes,
  };
  console.log(`torture: ${t.jobs} jobs over ssh_bg, slurm (drvslurm) and localhost; run ${t.runName}`);
  console.log(`${"measure".padEnd(46)}${"value".padStart(10)}   note`);
  row("SIGKILLs of drover run", String(t.kills), `${t.killsInBatch} inside a submit batch`);
  row("submissions (store rows)", String(t.submissions), JSON.stringify(t.submissionsPerPlatform));
  row(
    "  of which submit-failed (never ran, retried)",
    String(t.submitFailed),
    JSON.stringify(t.submitFailedReasons),
  );
  row(
    "runs counted from side effects",
    String(Object.values(t.runsPerPlatform).reduce((a, b) => a + b, 0)),
    JSON.stringify(t.runsPerPlatform),
  );
  row("Slurm records in sacct", String(t.sacctRecords));
  row("lost / duplicated / wrong", `${t.lost}/${t.duplicated}/${t.wrong}`, `${t.crashes.length} crashes`);
  row("torture wall time (s)", t.elapsedS);
  row(`reconcile ${r.jobs} jobs: spawn to all final`, r.allFinalS, `${r.live} live jobs sleep 2 s first`);
  row(
    "  spawn to all gone-process jobs final",
    r.deadFinalS,
    `${(r.deadFinalS / r.floorS).toFixed(2)}x floor`,
  );
  row("  spawn to the first job final", r.firstFinalS, "node, load the job set, open the run, first replies");
  row("  spawn to exit", r.exitS);
  row(`floor: one awk over ${r.jobs} status files`, r.floorS, "same SSH master");
  row("ratio (all final / floor)", fig.reconcile_ratio.toFixed(3), JSON.stringify(r.outcomes));
  for (const p of t.problems.slice(0, 20)) console.log(`problem: ${p}`);
  for (const c of t.crashes.slice(0, 5)) console.log(`crash: ${c}`);
  console.log(JSON.stringify(fig));
}

export async function benchTorture(): Promise<void> {
  const hosts = ensureSshHosts();
  const torture = await runTorture({
    jobs: JOBS,
    kills: KILLS,
    seed: Number(process.env.DROVER_TORTURE_SEED ?? 424242),
    maxActive: 60,
    finalTimeoutMs: 900_000,
    // Recovery is quick: shorter waits between kills let all 200 land before the run ends.
    maxDelayMs: 900,
    log: (l) => console.error(l),
  });
  const h: BenchHost = {
    host: hosts.hosts.a,
    sshConfig: hosts.sshConfig,
    runRoot: `~/drover-bench-recon-${randomBytes(4).toString("hex")}`,
  };
  const base = mkdtempSync(join(tmpdir(), "drover-bench-torture-"));
  try {
    report(torture, await benchReconcile(h, base, RECONCILE_JOBS, LIVE));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
