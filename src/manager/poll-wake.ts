/**
 * The scheduler's two questions about time, answered by SQL rather than by reading every row:
 * which live jobs are due for a poll, and when the next poll or retry falls due per host. With
 * 10,000 live jobs one grouped MIN() costs a fraction of a scan of all rows (see the report in
 * poll-wake's test).
 */
import type { Db } from "../store/open-store.js";
import { statement } from "../store/statements.js";
import type { JobRow } from "../store/job-rows.js";

const LIVE = `('submitting','uncertain','submitted','running')`;

/** The earliest poll time of live jobs per (platform, host); `due` "" means "now" (never polled). */
export interface HostDue {
  platform: string;
  host: string | null;
  due: string;
}

/** Per platform and host, the earliest `next_poll_at` of its live jobs. */
export function dueByHost(db: Db): HostDue[] {
  return statement(
    db,
    `SELECT platform, host, MIN(COALESCE(next_poll_at, '')) AS due FROM jobs
     WHERE state IN ${LIVE} GROUP BY platform, host`,
  ).all() as HostDue[];
}

/** The earliest retry time of a waiting job, or null. */
export function earliestRetry(db: Db): string | null {
  const r = statement(db, `SELECT MIN(retry_at) AS t FROM jobs WHERE state = 'waiting'`).get() as {
    t: string | null;
  };
  return r.t;
}

/** Latest submissions of live jobs due at `nowIso`, the most overdue first (never polled first). */
export function dueRows(db: Db, nowIso: string): JobRow[] {
  return statement(
    db,
    `SELECT j.* FROM jobs j JOIN (SELECT name, MAX(submit_num) AS n FROM jobs GROUP BY name) m
     ON j.name = m.name AND j.submit_num = m.n
     WHERE j.state IN ${LIVE} AND (j.next_poll_at IS NULL OR j.next_poll_at <= ?)
     ORDER BY COALESCE(j.next_poll_at, ''), j.name`,
  ).all(nowIso) as JobRow[];
}

/**
 * Milliseconds to sleep, between `minMs` and `maxMs`: until the earliest due time, where each
 * host's due time is pushed back to when its pacing lets it be queried (`openAtMs`).
 */
export function wakeDelayMs(
  nowMs: number,
  hosts: readonly HostDue[],
  retryAt: string | null,
  openAtMs: (platform: string, host: string | null) => number,
  minMs = 50,
  maxMs = 500,
): number {
  let next = nowMs + maxMs;
  for (const h of hosts) {
    const due = h.due === "" ? nowMs : Date.parse(h.due);
    next = Math.min(next, Math.max(Number.isNaN(due) ? nowMs : due, openAtMs(h.platform, h.host)));
  }
  if (retryAt !== null) {
    const t = Date.parse(retryAt);
    if (!Number.isNaN(t)) next = Math.min(next, t);
  }
  return Math.max(minMs, next - nowMs);
}
