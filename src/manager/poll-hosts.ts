/**
 * The scheduler's side of per-host pacing: one HostPace per (platform, host), seeded from the audit
 * trail, plans which due jobs go this cycle, and says once in the events when a host's polling is
 * stretched, recovers, or waits at its ceiling.
 */
import type { JobRow } from "../store/job-rows.js";
import { emit, type RunContext } from "./run-context.js";
import { HostPace, planHostPoll, shortestIntervalMs, type PaceChange, type PaceHold } from "./poll-pacer.js";
import { PollHistory } from "./poll-history.js";
import type { PollChunkResult } from "./poll-round.js";
import type { Platform } from "./platform.js";

/** One poll batch to run: its platform, host and jobs, and how to report its end. */
export interface PollTask {
  platform: Platform;
  host: string;
  rows: JobRow[];
  /** Records the batch's result in the host's pacing (and says a change once). */
  done(r: PollChunkResult): void;
}

function clock(time: number): string {
  return new Date(time).toISOString().slice(11, 19);
}

export class PollHosts {
  private readonly paces = new Map<string, HostPace>();
  /** Hold last said per host, so a wait is said once, not every cycle. */
  private readonly saidHold = new Map<string, string>();
  /** Past poll batches per host, read from the audit trail once for every host. */
  private readonly history: PollHistory;

  constructor(private readonly ctx: RunContext) {
    this.history = new PollHistory(ctx.db);
  }

  /** The pacing of one host, made (and seeded with the last minute's batches) on first use. */
  pace(platform: Platform, host: string): HostPace {
    const key = `${platform.name}\0${host}`;
    let p = this.paces.get(key);
    if (!p) {
      p = new HostPace({
        maxPerMinute: platform.maxPollsPerMinute,
        intervalMs: shortestIntervalMs(platform.polling),
      });
      for (const t of this.history.recentStarts(host, this.ctx.clock.now())) p.noteStart(t);
      this.paces.set(key, p);
    }
    return p;
  }

  /** When a host may next be queried (now or earlier when nothing holds it). */
  openAtMs(platform: Platform | undefined, host: string, nowMs: number): number {
    if (!platform) return nowMs;
    return this.pace(platform, host).hold(nowMs)?.untilMs ?? nowMs;
  }

  /**
   * The batches of this cycle for one host's due rows (most overdue first), chunked by `chunkSize`;
   * `forced` passes the holds once (the queries are still counted).
   */
  plan(platform: Platform, host: string, due: JobRow[], chunkSize: number, forced: boolean): PollTask[] {
    const now = this.ctx.clock.now();
    const pace = this.pace(platform, host);
    const plan = planHostPoll(pace, due, chunkSize, now, forced);
    this.sayHold(platform, host, plan.hold, plan.waiting);
    return plan.chunks.map((rows) => ({
      platform,
      host,
      rows,
      done: (r) => this.sayChange(platform, host, pace.noteEnd(this.ctx.clock.now(), r.durationMs, r.failed)),
    }));
  }

  private sayHold(platform: Platform, host: string, hold: PaceHold | null, waiting: number): void {
    const key = `${platform.name}\0${host}`;
    if (hold === null) {
      this.saidHold.delete(key);
      return;
    }
    if (this.saidHold.get(key) === hold.why) return;
    this.saidHold.set(key, hold.why);
    // Slow and failing hosts are said by their own events; the ceiling is said here.
    if (hold.why !== "ceiling") return;
    emit(this.ctx, {
      kind: "poll",
      text: `polling of ${host} (${platform.name}) at its ceiling of ${platform.maxPollsPerMinute} queries a minute: ${waiting} due jobs wait until ${clock(hold.untilMs)}`,
      detail: { host, platform: platform.name, why: hold.why, untilMs: hold.untilMs, waiting },
    });
  }

  private sayChange(platform: Platform, host: string, change: PaceChange): void {
    if (change === null) return;
    const text =
      change.kind === "stretched"
        ? `polling of ${host} (${platform.name}) stretched: a query took ${change.durationMs} ms; queries at least ${Math.ceil(change.gapMs)} ms apart until it is fast again`
        : `polling of ${host} (${platform.name}) recovered: a query took ${change.durationMs} ms; back to its schedule`;
    emit(this.ctx, {
      kind: "poll",
      text,
      detail: { host, platform: platform.name, ...change },
    });
  }
}
