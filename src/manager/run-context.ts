/** Everything the scheduler's rounds share for one run. */
import type { JobSet, JobSpec } from "../config/index.js";
import type { Db } from "../store/open-store.js";
import { addEvent, capText, type NewEvent } from "../store/events.js";
import type { CommandResult } from "../transport/command-result.js";
import type { Platform } from "./platform.js";
import type { InstallState } from "./install-round.js";

/** Time source, injected so tests can drive it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** An event as listeners see it (also written to the store). */
export interface DroverEvent extends NewEvent {
  id: number;
}

export interface RunContext {
  runName: string;
  runDir: string;
  db: Db;
  jobSet: JobSet;
  specs: Map<string, JobSpec>;
  platforms: Map<string, Platform>;
  /** Platform groups: name -> member platforms in order; a job picks one at its first submission. */
  groups: Map<string, string[]>;
  clock: Clock;
  /** Overrides of the platforms' batch size and live-job cap (benchmarks lift them). */
  maxBatch: number | null;
  maxActive: number | null;
  listeners: ((e: DroverEvent) => void)[];
  /** Install targets made ready by this process (by install target name). */
  installs: Map<string, InstallState>;
}

/** Writes an event to the store and tells the listeners. Call inside the caller's transaction. */
export function emit(ctx: RunContext, e: Omit<NewEvent, "time"> & { time?: string }): void {
  const full: NewEvent = { ...e, time: e.time ?? new Date(ctx.clock.now()).toISOString() };
  const id = addEvent(ctx.db, full);
  for (const l of ctx.listeners) l({ ...full, id });
}

/** The ISO time now, by the context's clock. */
export function nowIso(ctx: RunContext): string {
  return new Date(ctx.clock.now()).toISOString();
}

/** Submission key `name/NN` as used in batch programs and journals. */
export function jobKey(name: string, submitNum: number): string {
  return `${name}/${String(submitNum).padStart(2, "0")}`;
}

/**
 * Records one command in the audit trail: host, argv, duration, exit; its output (capped) when
 * `withOutput`, so that routine polls stay small.
 */
export function emitCommand(
  ctx: RunContext,
  what: string,
  jobs: number,
  r: CommandResult,
  error: string | null,
  withOutput: boolean,
): void {
  emit(ctx, {
    kind: "command",
    text: `${what} on ${r.host}: ${jobs} jobs, exit ${r.exitCode ?? r.signal}, ${r.durationMs} ms${error ? `: ${error}` : ""}`,
    detail: {
      argv: r.argv,
      host: r.host,
      exitCode: r.exitCode,
      signal: r.signal,
      durationMs: r.durationMs,
      timedOut: r.timedOut,
      ...(withOutput ? { stdout: capText(r.stdout), stderr: capText(r.stderr) } : {}),
    },
  });
}
