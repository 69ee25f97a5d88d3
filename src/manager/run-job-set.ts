/**
 * The library's main entry: run a job set file to the end (or until stopped), creating or resuming
 * its run under `$DROVER_HOME`.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadJobSet } from "../config/index.js";
import { ConfigError } from "../errors.js";
import { openRun, type OpenMode } from "./open-run.js";
import { releaseContact } from "./contact-file.js";
import { installRunFiles } from "./install-files.js";
import { checkRunName, defaultRunName, droverHome } from "./run-paths.js";
import { loadRunPlatforms, platformsOf, runnerOf } from "./platform-registry.js";
import { checkJobDirectives } from "./job-directives.js";
import { Scheduler, type RunSummary } from "./scheduler.js";
import { emit, systemClock, type Clock, type DroverEvent, type RunContext } from "./run-context.js";

export interface RunJobSetOptions {
  /** Run name (default: the file's base name). */
  name?: string;
  mode?: OpenMode;
  /** Runs directory (default `$DROVER_HOME` or `~/drover-run`). */
  home?: string;
  /** Lift or set the batch size and the live-job cap (benchmarks). */
  maxBatch?: number;
  maxActive?: number;
  clock?: Clock;
  /** Told each event as it is recorded. */
  onEvent?: (e: DroverEvent) => void;
  /** Told the counts after each round. */
  onTick?: (s: RunSummary) => void;
  /** Told one-line notices (stale contact file removed, old run kept...). */
  say?: (msg: string) => void;
  /** Receives the scheduler as soon as it exists, so the caller can stop it. */
  onScheduler?: (s: Scheduler) => void;
  /** The command line recorded in the contact file. */
  command?: string;
  /** The caller created the run just before (a detached start): the run says "started". */
  freshRun?: boolean;
}

export interface RunResult extends RunSummary {
  name: string;
  runDir: string;
}

/** A job set loaded, checked and its run opened (contact file held): what a run starts from. */
export interface OpenedJobSet {
  path: string;
  jobSet: ReturnType<typeof loadJobSet>;
  rp: Awaited<ReturnType<typeof loadRunPlatforms>>;
  name: string;
  run: ReturnType<typeof openRun>;
}

/**
 * Loads a job set file, checks its platforms and directives, and opens (creates, renames with
 * `new`, reloads) its run under `home`: every user mistake is thrown here, before any job moves.
 */
export async function openJobSetRun(
  file: string,
  o: {
    name?: string;
    home: string;
    mode: OpenMode;
    command: (path: string, name: string) => string;
    say: (msg: string) => void;
  },
): Promise<OpenedJobSet> {
  const path = resolve(file);
  const jobSet = loadJobSet(path);
  const rp = await loadRunPlatforms(jobSet);
  const name = checkRunName(o.name ?? defaultRunName(path));
  checkJobDirectives(jobSet, name, join(o.home, name), (spec) => platformsOf(rp, spec.platform));
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const run = openRun(jobSet, {
    home: o.home,
    name,
    mode: o.mode,
    command: o.command(path, name),
    say: o.say,
    source,
    runnerOf: (p) => runnerOf(rp, p),
  });
  return { path, jobSet, rp, name, run };
}

/** Runs a job set file until every job is final or the scheduler is stopped. */
export async function runJobSet(file: string, o: RunJobSetOptions = {}): Promise<RunResult> {
  const home = o.home ?? droverHome();
  const { jobSet, rp, name, run } = await openJobSetRun(file, {
    name: o.name,
    home,
    mode: o.mode ?? "resume",
    command: (path) => o.command ?? `drover run ${path}`,
    say: o.say ?? (() => {}),
  });
  try {
    const ctx: RunContext = {
      runName: name,
      runDir: run.runDir,
      db: run.db,
      jobSet,
      specs: new Map(jobSet.jobs.map((j) => [j.name, j])),
      platforms: rp.platforms,
      groups: rp.groups,
      clock: o.clock ?? systemClock,
      maxBatch: o.maxBatch ?? null,
      maxActive: o.maxActive ?? null,
      installs: new Map(),
      listeners: o.onEvent ? [o.onEvent] : [],
    };
    const scheduler = new Scheduler(ctx);
    o.onScheduler?.(scheduler);
    const installed = installRunFiles(jobSet.dir, run.runDir);
    emit(ctx, {
      kind: "run",
      text: `${run.created || o.freshRun ? "started" : "resumed"} run ${name}${installed.length ? `; installed ${installed.join(", ")}` : ""}`,
    });
    const summary = await scheduler.runUntilDone(o.onTick);
    emit(ctx, {
      kind: "run",
      text: summary.done ? `run ${name} finished` : `run ${name} stopped with ${summary.live} jobs live`,
    });
    return { ...summary, name, runDir: run.runDir };
  } finally {
    run.db.close();
    releaseContact(run.runDir, run.contact);
  }
}
