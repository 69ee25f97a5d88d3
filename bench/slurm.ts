/**
 * `npm run bench -- slurm`: 200 no-op jobs submitted to the test Slurm cluster over SSH and polled
 * to the end through Drover, against a bare loop of 200 `sbatch` calls sent as one program through
 * the same warm master in the same run; also the runner calls Drover makes per poll cycle.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runJobSet } from "../src/index.js";
import { loadJobSet } from "../src/config/index.js";
import { runPlatforms } from "../src/manager/platform-registry.js";
import type { DroverEvent } from "../src/manager/run-context.js";
import type { Transport } from "../src/transport/transport.js";
import { ensureSlurm } from "../test/helpers/runner-hosts.js";
import { countRunnerCalls, snapshot, type RunnerCalls } from "./runner-calls.js";
import * as hostOps from "./slurm-host.js";
import { round3, SLURM_PLATFORM, type SlurmBenchHost } from "./slurm-host.js";

const N = 200;

/** What the Drover run measured. */
interface DroverFigures {
  /** From the runJobSet call to the commit of the last submit reply. */
  submitS: number;
  /** From the call to the first pre-submit write (load, open the run, first install check). */
  setupS: number;
  /** The submit batch calls' own wall time (sum; they may overlap). */
  batchS: number;
  batches: number;
  /** From the call to the last job's final state. */
  allFinalS: number;
  /** From the call to the end of the run (logs home too). */
  runS: number;
  /** Scheduler ticks that polled, and the runner calls and query programs in them. */
  cycles: number;
  pollBatches: number;
  calls: RunnerCalls;
  /** Queue queries in the busiest and quietest cycle; most jobs polled in one cycle. */
  maxQueuePerCycle: number;
  minQueuePerCycle: number;
  maxJobsPerCycle: number;
}

/** Runs the job set once, timing the submission from the events and counting runner calls per cycle. */
async function droverRun(file: string, home: string, t: Transport, maxBatch: number): Promise<DroverFigures> {
  let submitted = 0;
  let final = 0;
  let batches = 0;
  let batchMs = 0;
  let submitS = 0;
  let setupS = 0;
  let allFinalS = 0;
  let pollBatches = 0;
  let jobsThisTick = 0;
  let maxJobsPerCycle = 0;
  const perCycle: number[] = [];
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const counter = countRunnerCalls(t);
  let before = snapshot(counter.calls);
  const onEvent = (e: DroverEvent): void => {
    if (e.kind === "state") {
      if (setupS === 0 && e.text.includes("-> submitting")) setupS = since();
      if (/ -> (succeeded|failed|submit-failed)\b/.test(e.text) && ++final === N) allFinalS = since();
    }
    if (e.kind !== "command") return;
    const jobs = Number(/: (\d+) jobs/.exec(e.text)?.[1] ?? 0);
    if (e.text.startsWith("poll batch")) {
      pollBatches++;
      jobsThisTick += jobs;
    }
    if (!e.text.startsWith("submit batch")) return;
    batches++;
    batchMs += (e.detail as { durationMs?: number } | undefined)?.durationMs ?? 0;
    submitted += jobs;
    // The event is written inside the reply's transaction: a microtask runs once it has committed.
    if (submitted >= N && submitS === 0) queueMicrotask(() => (submitS = since()));
  };
  const onTick = (): void => {
    const now = snapshot(counter.calls);
    // A cycle is a tick that polled: every runner call of its poll round has been made by now.
    if (jobsThisTick > 0) {
      perCycle.push(now.queue - before.queue);
      maxJobsPerCycle = Math.max(maxJobsPerCycle, jobsThisTick);
    }
    jobsThisTick = 0;
    before = now;
  };
  try {
    const result = await runJobSet(file, { home, maxBatch, maxActive: N, onEvent, onTick });
    const runS = since();
    if (!result.allSucceeded)
      throw new Error(`not every job succeeded: ${JSON.stringify([...result.counts])}`);
    if (submitS === 0) throw new Error(`no submit reply covered all ${N} jobs`);
    return {
      submitS,
      setupS,
      batchS: batchMs / 1000,
      batches,
      allFinalS,
      runS,
      cycles: perCycle.length,
      pollBatches,
      calls: snapshot(counter.calls),
      maxQueuePerCycle: Math.max(...perCycle),
      minQueuePerCycle: Math.min(...perCycle),
      maxJobsPerCycle,
    };
  } finally {
    counter.stop();
  }
}

/** Prints one row of the table. */
function row(what: string, value: number | string, note = ""): void {
  const v = typeof value === "number" ? value.toFixed(3) : value;
  console.log(`${what.padEnd(44)}${v.padStart(9)}   ${note}`);
}

export async function benchSlurm(): Promise<void> {
  const slurm = ensureSlurm();
  const tag = randomBytes(4).toString("hex");
  const h: SlurmBenchHost = {
    host: slurm.host,
    sshConfig: slurm.ssh.sshConfig,
    runRoot: `~/drover-bench-slurm-${tag}`,
  };
  const floorName = `drover-bench-floor-${tag}`;
  const base = mkdtempSync(join(tmpdir(), "drover-bench-slurm-"));
  let t: Transport | null = null;
  try {
    const file = join(base, "slurm.yaml");
    writeFileSync(file, hostOps.slurmJobSetText(h, N));
    // The platform's own transport (platforms are cached per spec): the floor uses the run's master.
    t = runPlatforms(loadJobSet(file)).platforms.get(SLURM_PLATFORM)?.transport ?? null;
    if (!t) throw new Error("the benchmark platform has no transport");
    await hostOps.runOnHost(t, h.host, "true\n", "warm-up");

    // Floor before and after the run, best of the two: other load only ever adds time.
    const floors = [await hostOps.sbatchFloor(t, h.host, N, floorName)];
    await hostOps.drainQueue(t, h.host, floorName);
    const rpcBefore = await hostOps.sdiagCounts(t, h.host);
    const d = await droverRun(file, join(base, "runs"), t, N);
    const rpcAfter = await hostOps.sdiagCounts(t, h.host);
    floors.push(await hostOps.sbatchFloor(t, h.host, N, floorName));
    await hostOps.drainQueue(t, h.host, floorName);
    const floorS = Math.min(...floors);

    const queries = d.calls.queue + d.calls.accounting + d.calls.lookups;
    const fig = {
      jobs: N,
      submit_s: round3(d.submitS),
      floor_s: round3(floorS),
      slurm_ratio: round3(d.submitS / floorS),
      submit_setup_s: round3(d.setupS),
      submit_batch_s: round3(d.batchS),
      submit_rest_s: round3(d.submitS - d.setupS - d.batchS),
      floor_max_s: round3(Math.max(...floors)),
      total_s: round3(d.allFinalS),
      run_s: round3(d.runS),
      poll_cycles: d.cycles,
      poll_batches: d.pollBatches,
      queries_per_cycle: round3(queries / d.cycles),
      squeue_per_cycle: round3(d.calls.queue / d.cycles),
      squeue_per_cycle_max: d.maxQueuePerCycle,
      sacct_calls: d.calls.accounting,
      lookup_calls: d.calls.lookups,
      max_jobs_per_cycle: d.maxJobsPerCycle,
      ssh_calls_per_cycle: round3(d.calls.queryPrograms / d.cycles),
      slurmctld_job_info_rpcs: hostOps.jobInfoRpcs(rpcBefore, rpcAfter),
    };
    console.log(`slurm: ${N} no-op jobs (script "true") on ${h.host}, cluster drvslurm, polling PT1S`);
    console.log(`${"measure".padEnd(44)}${"seconds".padStart(9)}   ratio / note`);
    row("drover submit (call to commit of last reply)", fig.submit_s, `${fig.slurm_ratio.toFixed(2)}x floor`);
    row("  call to first pre-submit write", fig.submit_setup_s, "load, open run, install check");
    row(
      `  the submit batch call${d.batches > 1 ? "s" : ""} (ssh, ${N} sbatch)`,
      fig.submit_batch_s,
      `${d.batches} batch`,
    );
    row("  the rest", fig.submit_rest_s, "pre-submit write, program, parse, record");
    row(`floor: one call, ${N} bare sbatch`, fig.floor_s, `best of 2 (other ${fig.floor_max_s.toFixed(3)})`);
    row("drover call to all jobs final", fig.total_s);
    row("drover call to end of run (logs home)", fig.run_s);
    console.log(`${"runner calls while polling".padEnd(44)}${"count".padStart(9)}`);
    row("poll cycles (ticks that polled)", String(d.cycles), `${d.pollBatches} poll batches`);
    row("runner queries per cycle", fig.queries_per_cycle.toFixed(3), "squeue + sacct + lookups");
    row(
      "  squeue per cycle (max in one cycle)",
      fig.squeue_per_cycle.toFixed(3),
      `max ${d.maxQueuePerCycle}, up to ${d.maxJobsPerCycle} jobs a cycle`,
    );
    row("  sacct calls, lookups (whole run)", `${d.calls.accounting}, ${d.calls.lookups}`);
    row(
      "ssh calls with queries per cycle",
      fig.ssh_calls_per_cycle.toFixed(3),
      "plus one status-file awk each",
    );
    row(
      "slurmctld job-info RPCs (sdiag, all users)",
      String(fig.slurmctld_job_info_rpcs),
      "cross-check of squeue calls",
    );
    console.log(JSON.stringify(fig));
  } finally {
    if (t) await hostOps.removeRunRoot(t, h).catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
    rmSync(base, { recursive: true, force: true });
  }
}
