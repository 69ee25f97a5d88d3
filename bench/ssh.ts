/**
 * `npm run bench -- ssh`: 1,000 no-op jobs submitted to one SSH test host (max_batch lifted, then
 * at the default), then a poll of 10,000 fabricated jobs there, each beside floors measured in the
 * same run through the same warm master; also the cold and warm cost of one round trip.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runJobSet } from "../src/index.js";
import { loadJobSet } from "../src/config/index.js";
import { runPlatforms } from "../src/manager/platform-registry.js";
import type { DroverEvent } from "../src/manager/run-context.js";
import type { SshTransport } from "../src/transport/ssh.js";
import { ensureSshHosts } from "../test/helpers/hosts.js";
import { bareFloor, pollFloor, roundTrips, sameWorkFloor } from "./ssh-floors.js";
import { fabricateRun, timeManagerPoll, timePollBatch, type ManagerPoll } from "./ssh-poll.js";
import { PLATFORM, jobSetText, removeRunRoot, round3, runRemote, type BenchHost } from "./ssh-setup.js";

const N_SUBMIT = 1000;
const N_POLL = 10_000;
/** Repetitions of each submit measurement (interleaved with the floors). */
const REPS = 3;
/** Repetitions of the poll and its floor. */
const POLL_REPS = 5;

/** What one Drover run of the submit half measured (seconds). */
interface SubmitFigures {
  /** From the runJobSet call to the commit of the last submit reply. */
  submitS: number;
  /** From the call to the first pre-submit write (load, open the run, install prepare). */
  setupS: number;
  /** The submit batch calls' own wall time (sum over batches; they may overlap). */
  batchesS: number;
  batches: number;
  /** From the call to the end of the run (every job final). */
  totalS: number;
}

/** Runs the job set once with the given max_batch; times the submission from the events. */
async function timeSubmit(
  file: string,
  home: string,
  name: string,
  maxBatch: number | undefined,
): Promise<SubmitFigures> {
  let submitted = 0;
  let batches = 0;
  let batchesMs = 0;
  let submitS = 0;
  let setupS = 0;
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const onEvent = (e: DroverEvent): void => {
    if (e.kind === "state" && setupS === 0 && e.text.includes("-> submitting")) setupS = since();
    if (e.kind !== "command" || !e.text.startsWith("submit batch")) return;
    batches++;
    batchesMs += (e.detail as { durationMs?: number } | undefined)?.durationMs ?? 0;
    submitted += Number(/: (\d+) jobs/.exec(e.text)?.[1] ?? 0);
    // The event is written inside the reply's transaction: a microtask runs once it has committed.
    if (submitted >= N_SUBMIT && submitS === 0) queueMicrotask(() => (submitS = since()));
  };
  const result = await runJobSet(file, { home, name, maxBatch, maxActive: N_SUBMIT, onEvent });
  const totalS = since();
  if (!result.allSucceeded)
    throw new Error(`run ${name}: not every job succeeded: ${JSON.stringify([...result.counts])}`);
  if (submitS === 0) throw new Error(`run ${name}: no submit reply covered all ${N_SUBMIT} jobs`);
  return { submitS, setupS, batchesS: batchesMs / 1000, batches, totalS };
}

/** The run with the shortest submission. */
function best(runs: SubmitFigures[]): SubmitFigures {
  return runs.reduce((a, b) => (b.submitS < a.submitS ? b : a));
}

/** Prints one row of the table. */
function row(what: string, value: number, note = "", digits = 3): void {
  console.log(`${what.padEnd(46)}${value.toFixed(digits).padStart(9)}   ${note}`);
}

/** The readable table (the JSON line follows it). */
function printTable(fig: Record<string, number>, host: string, defaultBatches: number): void {
  const x = (k: string) => `${(fig[k] ?? NaN).toFixed(2)}x`;
  const v = (k: string) => fig[k] ?? NaN;
  console.log(`ssh: ${N_SUBMIT} no-op jobs submitted to ${host}, then a poll of ${N_POLL} there`);
  console.log(`${"measure".padEnd(46)}${"seconds".padStart(9)}   ratio / note (submits: best of ${REPS})`);
  row(
    "drover submit, max_batch 1000 (call to commit)",
    v("submit_s"),
    `${x("submit_ratio")} same-work, ${x("bare_ratio")} bare`,
  );
  row("  call to first pre-submit write", v("submit_setup_s"), "load, open run, install prepare, scripts");
  row("  the submit batch call (ssh, host, reply)", v("submit_batch_s"));
  row("  the rest", v("submit_rest_s"), "pre-submit write, program, parse, record, commit");
  row(
    "drover submit, max_batch 100 (default)",
    v("submit_default_s"),
    `${x("submit_default_ratio")} same-work, ${defaultBatches} batches`,
  );
  row("same-work floor (bash: mkdir, awk, loop)", v("same_work_floor_s"));
  row("bare launch floor (1000 bash -c 'exit 0')", v("bare_floor_s"));
  row(
    "drover pollBatch of 10,000 (library call)",
    v("poll_10k_s"),
    `${x("poll_ratio")} floor, best of ${POLL_REPS}`,
  );
  row(
    "drover poll round, 10,000 (call to commit)",
    v("poll_manager_10k_s"),
    "max_batch 1000: one batch, best of 2",
  );
  row("  from the reply's event to the commit", v("poll_manager_record_s"), "verdicts, store writes, events");
  row(
    "drover poll round, default max_batch",
    v("poll_manager_default_s"),
    "10 batches of 1,000, 4 in flight",
  );
  row("poll floor (one awk prints 10,000 files)", v("poll_floor_s"), `best of ${POLL_REPS}`);
  row("round trip, cold (opens a master), ms", v("rtt_cold_ms"), "median of 3", 1);
  row("round trip, warm (true via master), ms", v("rtt_warm_ms"), "median of 15", 1);
}

export async function benchSsh(): Promise<void> {
  const hosts = ensureSshHosts();
  const h: BenchHost = {
    host: hosts.hosts.a,
    sshConfig: hosts.sshConfig,
    runRoot: `~/drover-bench-${randomBytes(4).toString("hex")}`,
  };
  const base = mkdtempSync(join(tmpdir(), "drover-bench-ssh-"));
  let t: SshTransport | null = null;
  try {
    const file = join(base, "ssh.yaml");
    writeFileSync(file, jobSetText(h, { jobs: N_SUBMIT, retrieveLogs: false }));
    // The platform's own transport: the floors go through the very master the runs use.
    t = runPlatforms(loadJobSet(file)).platforms.get(PLATFORM)?.sshTransport ?? null;
    if (!t) throw new Error("the benchmark platform has no SSH transport");
    const rtt = await roundTrips(t, h, { cold: 3, warm: 15 });
    await runRemote(t, h.host, "true\n", "warm-up");

    // Interleaved repetitions, best of each: other load on the machine only ever adds time.
    const liftedRuns: SubmitFigures[] = [];
    const defaultRuns: SubmitFigures[] = [];
    const sameWorkRuns: number[] = [];
    const bareRuns: number[] = [];
    for (let i = 0; i < REPS; i++) {
      liftedRuns.push(await timeSubmit(file, join(base, "runs"), `lifted${i}`, N_SUBMIT));
      sameWorkRuns.push(await sameWorkFloor(t, h, N_SUBMIT, `floor${i}`));
      bareRuns.push(await bareFloor(t, h.host, N_SUBMIT));
      defaultRuns.push(await timeSubmit(file, join(base, "runs"), `default${i}`, undefined));
    }
    const lifted = best(liftedRuns);
    const dflt = best(defaultRuns);
    const sameWork = Math.min(...sameWorkRuns);
    const bare = Math.min(...bareRuns);

    const f = await fabricateRun(t, h, base, N_POLL);
    const floorTimes: number[] = [];
    const pollTimes: number[] = [];
    for (let i = 0; i < POLL_REPS; i++) {
      floorTimes.push(await pollFloor(t, h.host, f.statusPaths));
      pollTimes.push(await timePollBatch(f, h.host));
    }
    const managerTimes: ManagerPoll[] = [];
    for (let i = 0; i < 2; i++)
      managerTimes.push(await timeManagerPoll(f, h.host, join(base, `poll-lifted${i}`), N_SUBMIT));
    const managerDefault = await timeManagerPoll(f, h.host, join(base, "poll-default"), null);
    const manager = managerTimes.reduce((a, b) => (b.s < a.s ? b : a));
    const poll = Math.min(...pollTimes);
    const pollFloorS = Math.min(...floorTimes);

    const fig = {
      jobs: N_SUBMIT,
      submit_s: round3(lifted.submitS),
      same_work_floor_s: round3(sameWork),
      submit_ratio: round3(lifted.submitS / sameWork),
      bare_floor_s: round3(bare),
      bare_ratio: round3(lifted.submitS / bare),
      submit_default_s: round3(dflt.submitS),
      submit_default_ratio: round3(dflt.submitS / sameWork),
      submit_setup_s: round3(lifted.setupS),
      submit_batch_s: round3(lifted.batchesS),
      submit_rest_s: round3(lifted.submitS - lifted.setupS - lifted.batchesS),
      poll_jobs: N_POLL,
      poll_10k_s: round3(poll),
      poll_floor_s: round3(pollFloorS),
      poll_ratio: round3(poll / pollFloorS),
      poll_manager_10k_s: round3(manager.s),
      poll_manager_record_s: round3(manager.recordS),
      poll_manager_default_s: round3(managerDefault.s),
      rtt_cold_ms: Math.round(rtt.coldMs * 10) / 10,
      rtt_warm_ms: Math.round(rtt.warmMs * 10) / 10,
    };
    printTable(fig, h.host, dflt.batches);
    console.log(JSON.stringify(fig));
  } finally {
    if (t) await removeRunRoot(t, h).catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
    rmSync(base, { recursive: true, force: true });
  }
}
