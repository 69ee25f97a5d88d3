/**
 * A report that would move a job backwards (a move the transition table refuses) is ignored, and
 * the job is polled again at once to learn the truth (DESIGN.md, States and transitions); never in
 * a tight loop: at most one such immediate poll per job every REPOLL_GAP_MS.
 */
import type { JobRow } from "../store/job-rows.js";
import { statement } from "../store/statements.js";
import { updateJobRow } from "../store/job-rows.js";
import { emit, jobKey, type RunContext } from "./run-context.js";

/** Shortest time between two immediate polls of one job after refused reports. */
export const REPOLL_GAP_MS = 5_000;

/** When to poll again after a refused report: now, unless the last such poll was under the gap ago. */
export function repollAtMs(nowMs: number, lastRepollMs: number | null): number {
  if (lastRepollMs === null || Number.isNaN(lastRepollMs)) return nowMs;
  return Math.max(nowMs, lastRepollMs + REPOLL_GAP_MS);
}

/** When the last immediate poll of this submission was planned (from its `repoll` events), or null. */
function lastRepollMs(ctx: RunContext, row: JobRow): number | null {
  const r = statement(
    ctx.db,
    `SELECT detail FROM events WHERE job = ? AND submit_num = ? AND kind = 'repoll' ORDER BY id DESC LIMIT 1`,
  ).get(row.name, row.submit_num) as { detail: string | null } | undefined;
  if (!r?.detail) return null;
  try {
    const at = (JSON.parse(r.detail) as { at?: unknown }).at;
    return typeof at === "number" ? at : null;
  } catch {
    return null;
  }
}

/**
 * Records that `report` (what it said, e.g. "poll verdict submit-failed") was refused for `row`
 * (`why`: the table's answer), and makes the job due at once or after the gap. Call inside the
 * caller's transaction; returns the time of the next poll (ms).
 */
export function repollAfterRefusedReport(ctx: RunContext, row: JobRow, report: string, why: string): number {
  const now = ctx.clock.now();
  const at = repollAtMs(now, lastRepollMs(ctx, row));
  const when = at <= now ? "polled again now" : `polled again in ${Math.ceil((at - now) / 1000)} s`;
  emit(ctx, {
    job: row.name,
    submitNum: row.submit_num,
    kind: "repoll",
    text: `${jobKey(row.name, row.submit_num)} ${row.state}: ${report} refused (${why}): ${when}`,
    detail: { report, why, at },
  });
  const iso = new Date(at).toISOString();
  updateJobRow(ctx.db, row.name, row.submit_num, { next_poll_at: iso });
  row.next_poll_at = iso;
  return at;
}
