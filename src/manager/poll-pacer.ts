/**
 * How often one host's runner may be queried (DESIGN.md, "Polling, retries, load on the runner"):
 * pure arithmetic over the times and durations of its poll batches, the clock passed in.
 * - ceiling: at most `maxPerMinute` queries in any 60 s window; due jobs beyond it wait for a slot;
 * - slow runner: when a query takes longer than a fraction of the shortest polling interval, the
 *   host's polling stretches (the next query no sooner than SLOW_FACTOR x the last duration after
 *   it ended) until queries are fast again (hysteresis: half the threshold);
 * - failing runner: consecutive failed queries back off exponentially per host, capped.
 */

/** The window of the per-host ceiling. */
export const WINDOW_MS = 60_000;
/** A stretched host waits this many times its last query's duration between queries. */
export const SLOW_FACTOR = 3;
/**
 * Queries faster than this never count as slow: an SSH round trip plus a runner call under a
 * couple of seconds is a normal answer, not a runner under load (and short test intervals must
 * not stretch for it).
 */
export const SLOW_FLOOR_MS = 2_000;
/** Longest pause of a host after failed queries. */
export const FAIL_CAP_MS = 60_000;

/** The settings of one host's pacing. */
export interface PaceSettings {
  /** Ceiling of queries per minute (a positive integer). */
  maxPerMinute: number;
  /** The platform's shortest polling interval, ms: the yardstick of "slow". */
  intervalMs: number;
}

/** A change of pacing worth one event. */
export type PaceChange =
  { kind: "stretched"; durationMs: number; gapMs: number } | { kind: "recovered"; durationMs: number } | null;

/** Why a host may not be queried now, and until when. */
export interface PaceHold {
  untilMs: number;
  why: "ceiling" | "slow" | "failing";
}

/** The pacing state of one (platform, host). */
export class HostPace {
  private starts: number[] = [];
  private lastEndMs = Number.NEGATIVE_INFINITY;
  private lastDurationMs = 0;
  private stretchedNow = false;
  private failuresInRow = 0;

  constructor(readonly settings: PaceSettings) {
    if (!Number.isInteger(settings.maxPerMinute) || settings.maxPerMinute < 1)
      throw new RangeError(`maxPerMinute must be a positive integer, got ${settings.maxPerMinute}`);
    if (!(settings.intervalMs > 0))
      throw new RangeError(`intervalMs must be positive, got ${settings.intervalMs}`);
  }

  /** True while slow queries stretch this host's polling. */
  get stretched(): boolean {
    return this.stretchedNow;
  }

  /** Failed queries in a row. */
  get failures(): number {
    return this.failuresInRow;
  }

  /** Queries started in the window ending at `nowMs`. */
  queriesInWindow(nowMs: number): number {
    this.prune(nowMs);
    return this.starts.length;
  }

  /** Counts a query that starts at `startMs` (forced ones too: they are counted). */
  noteStart(startMs: number): void {
    this.starts.push(startMs);
    // Kept sorted: seeds and parallel chunks may arrive out of order.
    if (this.starts.length > 1 && (this.starts.at(-2) as number) > startMs) this.starts.sort((a, b) => a - b);
  }

  /**
   * Records how a query ended. Returns the change of pacing it causes (said once per change): a
   * slow query stretches, a fast one after slow ones recovers. Failed queries count as slow when slow.
   */
  noteEnd(endMs: number, durationMs: number, failed: boolean): PaceChange {
    this.lastEndMs = Math.max(this.lastEndMs, endMs);
    this.lastDurationMs = Math.max(0, durationMs);
    this.failuresInRow = failed ? this.failuresInRow + 1 : 0;
    const scaled = this.lastDurationMs * SLOW_FACTOR;
    const slow = scaled > this.settings.intervalMs && this.lastDurationMs > SLOW_FLOOR_MS;
    if (!this.stretchedNow && slow) {
      this.stretchedNow = true;
      return { kind: "stretched", durationMs: this.lastDurationMs, gapMs: scaled };
    }
    const fast = scaled * 2 <= this.settings.intervalMs || this.lastDurationMs * 2 <= SLOW_FLOOR_MS;
    if (this.stretchedNow && !failed && fast) {
      this.stretchedNow = false;
      return { kind: "recovered", durationMs: this.lastDurationMs };
    }
    return null;
  }

  /** Queries that may start at `nowMs` under the ceiling (0 when it is reached). */
  slotsFree(nowMs: number): number {
    return Math.max(0, this.settings.maxPerMinute - this.queriesInWindow(nowMs));
  }

  /**
   * Why the host may not be queried at `nowMs` and until when, the latest hold first; null when a
   * query may start now. `forced` (a poll asked by the user) passes every hold once.
   */
  hold(nowMs: number, forced = false): PaceHold | null {
    if (forced) return null;
    const holds: PaceHold[] = [];
    if (this.slotsFree(nowMs) === 0) holds.push({ untilMs: this.nextSlotMs(nowMs), why: "ceiling" });
    if (this.stretchedNow)
      holds.push({ untilMs: this.lastEndMs + this.lastDurationMs * SLOW_FACTOR, why: "slow" });
    if (this.failuresInRow > 0) holds.push({ untilMs: this.lastEndMs + failPauseMs(this), why: "failing" });
    const binding = holds.filter((h) => h.untilMs > nowMs).sort((a, b) => b.untilMs - a.untilMs);
    return binding[0] ?? null;
  }

  /** When the next query may start under the ceiling alone. */
  nextSlotMs(nowMs: number): number {
    this.prune(nowMs);
    const n = this.settings.maxPerMinute;
    if (this.starts.length < n) return nowMs;
    // The oldest start that keeps the window full must leave it first.
    return (this.starts[this.starts.length - n] as number) + WINDOW_MS;
  }

  private prune(nowMs: number): void {
    let drop = 0;
    while (drop < this.starts.length && (this.starts[drop] as number) <= nowMs - WINDOW_MS) drop++;
    if (drop > 0) this.starts.splice(0, drop);
  }
}

/** The pause after the last of `failures` failed queries: the interval doubled each time, capped. */
function failPauseMs(p: HostPace): number {
  const exp = Math.min(30, p.failures - 1);
  return Math.min(FAIL_CAP_MS, p.settings.intervalMs * 2 ** exp);
}

/** What one host's due jobs get in this cycle. */
export interface HostPollPlan<T> {
  /** Chunks that go now, one runner query each, the most overdue jobs first. */
  chunks: T[][];
  /** Jobs left due for a later slot. */
  waiting: number;
  /** Why jobs wait, when some do. */
  hold: PaceHold | null;
}

/**
 * Splits a host's due jobs (sorted, most overdue first) into the chunks that may be queried at
 * `nowMs`: all of them when forced, else as many as the ceiling has slots, none while a hold runs.
 * Counts the chunks that go as queries started now.
 */
export function planHostPoll<T>(
  pace: HostPace,
  due: readonly T[],
  chunkSize: number,
  nowMs: number,
  forced: boolean,
): HostPollPlan<T> {
  const all: T[][] = [];
  const size = Math.max(1, Math.floor(chunkSize));
  for (let i = 0; i < due.length; i += size) all.push(due.slice(i, i + size));
  const hold = pace.hold(nowMs, forced);
  const allowed = forced ? all.length : hold ? 0 : Math.min(all.length, pace.slotsFree(nowMs));
  const chunks = all.slice(0, allowed);
  for (let i = 0; i < chunks.length; i++) pace.noteStart(nowMs);
  const waiting = due.length - chunks.reduce((n, c) => n + c.length, 0);
  return {
    chunks,
    waiting,
    hold: waiting === 0 ? null : (hold ?? { untilMs: pace.nextSlotMs(nowMs), why: "ceiling" }),
  };
}

/** The shortest interval of a polling schedule, ms (the yardstick of a slow query). */
export function shortestIntervalMs(polling: {
  submission: readonly number[];
  execution: readonly number[];
  timeLimit: readonly number[];
}): number {
  const all = [...polling.submission, ...polling.execution, ...polling.timeLimit].filter((s) => s > 0);
  return Math.max(50, Math.min(60, ...all) * 1000);
}
