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
import { SLURM_PLATFORM, type SlurmBenchHost } from "./slurm-host.js";
import { removeRunRoot, round3, runRemote } from "./ssh-setup.js";

const N = 200;
/** Drover runs, each after a floor (one more floor follows the last). */
const REPS = 2;

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
  /** Queue queries in the busiest cycle; most jobs polled in one cycle. */
  maxQueuePerCycle: number;
  maxJobsPerCycle: number;
}

/** Runs the job set once, timing the submission from the events and counting runner calls per cycle. */
async function droverRun(file: string, home: string, name: string, t: Transport): Promise<DroverFigures> {
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
    const result = await runJobSet(file, { home, name, maxBatch: N, maxActive: N, onEvent, onTick });
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

const sum = (runs: DroverFigures[], f: (r: DroverFigures) => number): number =>
  runs.reduce((a, r) => a + f(r), 0);

/** Prints the table and the JSON line: submit figures of the fastest run, runner calls over all runs. */
function report(host: string, runs: DroverFigures[], floors: number[], jobInfoRpcs: number): void {
  const d = runs.reduce((a, b) => (b.submitS < a.submitS ? b : a));
  const floorS = Math.min(...floors);
  const cycles = sum(runs, (r) => r.cycles);
  const queue = sum(runs, (r) => r.calls.queue);
  const accounting = sum(runs, (r) => r.calls.accounting);
  const lookups = sum(runs, (r) => r.calls.lookups);
  const maxQueue = Math.max(...runs.map((r) => r.maxQueuePerCycle));
  const maxJobs = Math.max(...runs.map((r) => r.maxJobsPerCycle));
  const fig = {
    jobs: N,
    submit_s: round3(d.submitS),
    floor_s: round3(floorS),
    slurm_ratio: round3(d.submitS / floorS),
    submit_runs_s: runs.map((r) => round3(r.submitS)),
    floor_runs_s: floors.map(round3),
    submit_setup_s: round3(d.setupS),
    submit_batch_s: round3(d.batchS),
    submit_rest_s: round3(d.submitS - d.setupS - d.batchS),
    total_s: round3(d.allFinalS),
    run_s: round3(d.runS),
    poll_cycles: cycles,
    poll_batches: sum(runs, (r) => r.pollBatches),
    queries_per_cycle: round3((queue + accounting + lookups) / cycles),
    squeue_per_cycle: round3(queue / cycles),
    squeue_per_cycle_max: maxQueue,
    sacct_per_cycle: round3(accounting / cycles),
    sacct_calls: accounting,
    lookup_calls: lookups,
    max_jobs_per_cycle: maxJobs,
    ssh_query_calls_per_cycle: round3(sum(runs, (r) => r.calls.queryPrograms) / cycles),
    slurmctld_job_info_rpcs: jobInfoRpcs,
  };
  const x = (a: number) => `${(a / floorS).toFixed(2)}x`;
  console.log(`slurm: ${N} no-op jobs (script "true") on ${host}, cluster drvslurm, polling PT1S`);
  console.log(`${"measure".padEnd(44)}${"seconds".padStart(9)}   ratio / note`);
  row(
    "drover submit (call to commit of last reply)",
    fig.submit_s,
    `${x(d.submitS)} floor, best of ${runs.length}`,
  );
  row("  call to first pre-submit write", fig.submit_setup_s, "load, open run, install check, scripts");
  row(`  the submit batch call (ssh, ${N} sbatch)`, fig.submit_batch_s, `${d.batches} batch`);
  row("  the rest", fig.submit_rest_s, "pre-submit write, program, parse, record");
  row(`floor: one call, a loop of ${N} bare sbatch`, fig.floor_s, `best of ${floors.length}`);
  for (const [i, r] of runs.entries())
    row(
      `  run ${i + 1}: drover submit, floor before it`,
      r.submitS,
      `${(floors[i] ?? NaN).toFixed(3)} s floor`,
    );
  row("drover call to all jobs final", fig.total_s, "the fastest-submitting run");
  row("drover call to end of run (logs home)", fig.run_s);
  console.log(`${"runner calls while polling (all runs)".padEnd(44)}${"count".padStart(9)}`);
  row("poll cycles (ticks that polled)", String(cycles), `${fig.poll_batches} poll batches`);
  row("runner queries per cycle", fig.queries_per_cycle.toFixed(3), "squeue + sacct + lookups");
  row(
    "  squeue per cycle",
    fig.squeue_per_cycle.toFixed(3),
    `max ${maxQueue}, up to ${maxJobs} jobs a cycle`,
  );
  row(
    "  sacct per cycle",
    fig.sacct_per_cycle.toFixed(3),
    `${accounting} sacct calls, ${lookups} lookups in all`,
  );
  row(
    "ssh calls carrying queries per cycle",
    fig.ssh_query_calls_per_cycle.toFixed(3),
    "plus one status-file awk each",
  );
  row("slurmctld job-info RPCs (sdiag, all clients)", String(jobInfoRpcs), "cross-check of the squeue count");
  console.log(JSON.stringify(fig));
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
    await runRemote(t, h.host, "true\n", "warm-up");

    // Floors and runs interleaved, best of each: other load on the machine only ever adds time.
    const floors: number[] = [];
    const runs: DroverFigures[] = [];
    let jobInfoRpcs = 0;
    for (let i = 0; i < REPS; i++) {
      floors.push(await hostOps.sbatchFloor(t, h.host, N, floorName));
      await hostOps.drainQueue(t, h.host, floorName);
      const rpcBefore = await hostOps.sdiagCounts(t, h.host);
      runs.push(await droverRun(file, join(base, "runs"), `run${i}`, t));
      jobInfoRpcs += hostOps.jobInfoRpcs(rpcBefore, await hostOps.sdiagCounts(t, h.host));
    }
    floors.push(await hostOps.sbatchFloor(t, h.host, N, floorName));
    await hostOps.drainQueue(t, h.host, floorName);
    report(h.host, runs, floors, jobInfoRpcs);
  } finally {
    if (t) await removeRunRoot(t, h).catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
    rmSync(base, { recursive: true, force: true });
  }
}
