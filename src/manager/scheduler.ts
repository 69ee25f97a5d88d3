/**
 * The scheduler loop of one run: reconcile at start, then submit what is ready, kill what was asked,
 * poll what is due, until every job is final or a stop is asked. One writer per run (the contact file).
 */
import { FINAL_STATES, LIVE_STATES, type JobState } from "../job/model.js";
import { anyJobWaiting, latestJobRows, countByState, rowsToKill, type JobRow } from "../store/job-rows.js";
import { emit, nowIso, type RunContext } from "./run-context.js";
import { computeReadiness } from "./readiness.js";
import { moveJob } from "./record-verdict.js";
import { submitChunk } from "./submit-round.js";
import { pollChunk } from "./poll-round.js";
import { killChunk } from "./kill-round.js";
import { chunk, runLimited } from "./run-limited.js";
import { applyRequests } from "./requests.js";
import { planSubmissions } from "./plan-submissions.js";
import { checkInstalled } from "./install-round.js";
import { hostHealth } from "../store/hosts.js";
import { dueLogRows, retrieveLogs } from "./logs-round.js";
import type { Platform } from "./platform.js";
import { PollHosts } from "./poll-hosts.js";
import { dueByHost, dueRows, earliestRetry, wakeDelayMs } from "./poll-wake.js";

/** Batch calls in flight at once per round. */
const BATCHES_IN_FLIGHT = 4;

export interface RunSummary {
  /** Every job is final. */
  done: boolean;
  counts: Map<JobState, number>;
  /** True when every job succeeded. */
  allSucceeded: boolean;
  /** Jobs still live (left running when Drover stopped). */
  live: number;
}

export class Scheduler {
  private stopping = false;
  private readonly heldWhy = new Map<string, string>();
  private readonly lastRoundError = new Map<string, string>();
  private wake: (() => void) | null = null;
  /** Per-host pacing of runner queries: ceiling, slow and failing hosts. */
  private readonly pollHosts: PollHosts;
  /** The next poll round was asked for (start-up, `drover poll`): it passes the pacing once. */
  private forceNextPoll = false;

  constructor(readonly ctx: RunContext) {
    this.pollHosts = new PollHosts(ctx);
  }

  /** Asks the loop to stop after the batches in flight; jobs keep running. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Runs until every job is final or `stop()` is called. */
  async runUntilDone(onTick?: (s: RunSummary) => void): Promise<RunSummary> {
    this.pollEveryLiveJobNow("start-up: reconciling live jobs");
    for (;;) {
      if (this.stopping) break;
      await this.tick();
      const s = this.summary();
      onTick?.(s);
      if (s.done || this.stopping) return s;
      await this.sleep(this.nextWakeMs());
    }
    return this.summary();
  }

  /** One round: requests, needs, kills, submissions, polls. */
  async tick(): Promise<void> {
    await applyRequests(this);
    // Needs and submissions concern waiting jobs only: with none (a reconcile of 10,000 live
    // jobs), building every job's row for them twice a round is most of a round's cost.
    const waiting = anyJobWaiting(this.ctx.db);
    if (waiting) this.failJobsWithFailedNeeds();
    await this.killRound();
    if (!this.stopping && waiting) await this.submitRound();
    await this.pollRound();
    await this.logsRound();
  }

  /** Brings home the logs of jobs that ended on remote platforms. */
  async logsRound(): Promise<void> {
    await this.perHost(dueLogRows(this.ctx), "logs", (p, h, c) => retrieveLogs(this.ctx, p, h, c), 2);
  }

  /** Counts of latest submissions per state, and whether the run is over. */
  summary(): RunSummary {
    const counts = countByState(this.ctx.db);
    let live = 0;
    let open = 0;
    for (const [state, n] of counts) {
      if (LIVE_STATES.has(state)) live += n;
      if (!FINAL_STATES.has(state)) open += n;
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const pendingLogs = (
      this.ctx.db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE logs_state = 'pending'`).get() as {
        n: number;
      }
    ).n;
    return {
      done: open === 0 && pendingLogs === 0,
      counts,
      allSucceeded: (counts.get("succeeded") ?? 0) === total,
      live,
    };
  }

  /** Makes every live job due for a poll now (start-up reconciliation, `drover poll`). */
  pollEveryLiveJobNow(why: string): number {
    const now = nowIso(this.ctx);
    // Live submissions are latest ones by construction: one UPDATE, its count says how many.
    const n = this.ctx.db.transaction(() => {
      const changed = this.ctx.db
        .prepare(
          `UPDATE jobs SET next_poll_at = ? WHERE state IN ('submitting','uncertain','submitted','running')`,
        )
        .run(now).changes;
      if (changed > 0) emit(this.ctx, { kind: "poll", text: `${why}: ${changed} jobs` });
      return changed;
    })();
    this.forceNextPoll = n > 0;
    this.wake?.();
    return n;
  }

  /** Lets a sleeping loop go on at once (a request arrived). */
  nudge(): void {
    this.wake?.();
  }

  private latestByName(): Map<string, JobRow> {
    return new Map(latestJobRows(this.ctx.db).map((r) => [r.name, r]));
  }

  private platformOf(row: JobRow): Platform {
    const p = this.ctx.platforms.get(row.platform);
    if (!p) throw new Error(`job ${row.name}: unknown platform ${row.platform}`);
    return p;
  }

  private failJobsWithFailedNeeds(): void {
    const rows = this.latestByName();
    const needs = new Map([...this.ctx.specs.values()].map((s) => [s.name, s.needs]));
    const { needFailed } = computeReadiness({ rows, needs, nowIso: nowIso(this.ctx) });
    if (needFailed.size === 0) return;
    this.ctx.db.transaction(() => {
      for (const [name, need] of needFailed) {
        const row = rows.get(name) as JobRow;
        moveJob(
          this.ctx,
          row,
          "failed",
          {
            reason: `need-failed(${need})`,
            ended_at: nowIso(this.ctx),
            evidence: JSON.stringify([`need ${need} did not succeed`]),
          },
          `need-failed(${need})`,
        );
      }
    })();
  }

  /** Submits ready jobs (only those named in `only`, when given). */
  async submitRound(only?: ReadonlySet<string>): Promise<void> {
    const rows = this.latestByName();
    const needs = new Map([...this.ctx.specs.values()].map((s) => [s.name, s.needs]));
    const { ready } = computeReadiness({ rows, needs, nowIso: nowIso(this.ctx) });
    if (ready.length === 0) return;
    const now = nowIso(this.ctx);
    const plan = planSubmissions({
      ready: only ? ready.filter((r) => only.has(r.name)) : ready,
      live: [...rows.values()].filter((r) => LIVE_STATES.has(r.state)),
      platforms: this.ctx.platforms,
      groups: this.ctx.groups,
      health: (h) => hostHealth(this.ctx.db, h, now),
      runCap: this.ctx.maxActive ?? this.ctx.jobSet.maxActive,
      platformCapOverride: this.ctx.maxActive,
      known: (n) => this.ctx.specs.has(n),
    });
    this.noteHeld(plan.held);
    const tasks = plan.groups.flatMap((g) =>
      chunk(g.rows, this.ctx.maxBatch ?? g.platform.maxBatch).map((c) => async () => {
        const install = await checkInstalled(this.ctx, g.platform, g.host);
        if (install.ready || install.notStarted)
          await submitChunk(this.ctx, g.platform, g.host, c, install.notStarted);
      }),
    );
    await runLimited(tasks, BATCHES_IN_FLIGHT, (err) => this.roundError("submit", err));
  }

  /** Says once (per change) why ready jobs of a platform wait. */
  private noteHeld(held: Map<string, string>): void {
    for (const [platform, why] of held) {
      if (this.heldWhy.get(platform) === why) continue;
      this.heldWhy.set(platform, why);
      emit(this.ctx, { kind: "held", text: `jobs of ${platform} wait: ${why}` });
    }
    for (const platform of [...this.heldWhy.keys()]) if (!held.has(platform)) this.heldWhy.delete(platform);
  }

  /**
   * Polls the live jobs that are due, one batch per host and argv-capped chunk, within each host's
   * pacing (query ceiling, stretched when slow, backed off when failing); a forced round passes it once.
   */
  async pollRound(): Promise<void> {
    const forced = this.forceNextPoll;
    this.forceNextPoll = false;
    const due = dueRows(this.ctx.db, nowIso(this.ctx));
    if (due.length === 0) return;
    const groups = this.byHost(due);
    const tasks = [...groups.values()].flatMap((g) =>
      this.pollHosts
        .plan(g.platform, g.host, g.rows, (this.ctx.maxBatch ?? g.platform.maxBatch) * 10, forced)
        .map((t) => async () => {
          const t0 = this.ctx.clock.now();
          try {
            t.done(await pollChunk(this.ctx, t.platform, t.host, t.rows));
          } catch (err) {
            t.done({ durationMs: this.ctx.clock.now() - t0, failed: true });
            throw err;
          }
        }),
    );
    await runLimited(tasks, BATCHES_IN_FLIGHT, (err) => this.roundError("poll", err));
  }

  /** Sends the kills asked for. */
  async killRound(): Promise<void> {
    const rows = rowsToKill(this.ctx.db);
    await this.perHost(rows, "kill", (p, h, c) => killChunk(this.ctx, p, h, c), 1);
  }

  /** Rows grouped by platform and host (a row without a host yet: the platform's first). */
  private byHost(rows: readonly JobRow[]): Map<string, { platform: Platform; host: string; rows: JobRow[] }> {
    const groups = new Map<string, { platform: Platform; host: string; rows: JobRow[] }>();
    for (const row of rows) {
      const platform = this.platformOf(row);
      const host = row.host ?? (platform.hosts[0] as string);
      const key = `${platform.name}\0${host}`;
      const g = groups.get(key) ?? { platform, host, rows: [] };
      g.rows.push(row);
      groups.set(key, g);
    }
    return groups;
  }

  private async perHost(
    rows: JobRow[],
    what: string,
    run: (p: Platform, host: string, rows: JobRow[]) => Promise<void>,
    batchFactor: number,
  ): Promise<void> {
    if (rows.length === 0) return;
    const groups = this.byHost(rows);
    const tasks = [...groups.values()].flatMap((g) =>
      chunk(g.rows, (this.ctx.maxBatch ?? g.platform.maxBatch) * batchFactor).map(
        (c) => () => run(g.platform, g.host, c),
      ),
    );
    await runLimited(tasks, BATCHES_IN_FLIGHT, (err) => this.roundError(what, err));
  }

  private roundError(what: string, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    // The same failure every round is said once, not twice a second.
    if (this.lastRoundError.get(what) === msg) return;
    this.lastRoundError.set(what, msg);
    emit(this.ctx, {
      kind: "error",
      text: `${what} round failed: ${msg}`,
      detail: err instanceof Error ? err.stack : undefined,
    });
  }

  /**
   * Milliseconds until something is due (a poll its host's pacing allows, or a retry), between
   * 50 ms and 500 ms: grouped MIN() queries, not a read of every row.
   */
  private nextWakeMs(): number {
    const now = this.ctx.clock.now();
    return wakeDelayMs(now, dueByHost(this.ctx.db), earliestRetry(this.ctx.db), (name, host) => {
      const platform = this.ctx.platforms.get(name);
      return this.pollHosts.openAtMs(platform, host ?? platform?.hosts[0] ?? "", now);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
