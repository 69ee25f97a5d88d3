/** The append-only audit trail: every transition, message and command run. */
import type { Db } from "./open-store.js";
import { statement } from "./statements.js";

/** Most output kept per event: the audit trail stays small. */
export const EVENT_OUTPUT_CAP = 4096;

export interface EventRow {
  id: number;
  time: string;
  job: string | null;
  submit_num: number | null;
  kind: string;
  text: string;
  detail: string | null;
}

export interface NewEvent {
  time: string;
  job?: string | null;
  submitNum?: number | null;
  kind: string;
  text: string;
  detail?: unknown;
}

/** Caps a text to `EVENT_OUTPUT_CAP` characters, saying how much was cut. */
export function capText(text: string, cap = EVENT_OUTPUT_CAP): string {
  return text.length <= cap ? text : `${text.slice(0, cap)}... [${text.length - cap} more characters cut]`;
}

/** Appends one event. */
export function addEvent(db: Db, e: NewEvent): number {
  const detail = e.detail === undefined ? null : capText(JSON.stringify(e.detail), 4 * EVENT_OUTPUT_CAP);
  return Number(
    statement(
      db,
      `INSERT INTO events (time, job, submit_num, kind, text, detail) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(e.time, e.job ?? null, e.submitNum ?? null, e.kind, capText(e.text), detail).lastInsertRowid,
  );
}

/** Events after `afterId`, oldest first. */
export function eventsAfter(db: Db, afterId: number, limit = 1000): EventRow[] {
  return statement(db, `SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?`).all(
    afterId,
    limit,
  ) as EventRow[];
}

/** Events of one job's submission (or all its submissions), oldest first. */
export function jobEvents(db: Db, job: string, submitNum?: number): EventRow[] {
  return submitNum === undefined
    ? (statement(db, `SELECT * FROM events WHERE job = ? ORDER BY id`).all(job) as EventRow[])
    : (statement(db, `SELECT * FROM events WHERE job = ? AND submit_num = ? ORDER BY id`).all(
        job,
        submitNum,
      ) as EventRow[]);
}

/**
 * The poll errors of one host and platform between two times (ISO, `until` null: up to now): the
 * failed runner queries that held a job's verdict back. The last `limit`, oldest first, and how many
 * there were in all.
 */
export function hostPollErrors(
  db: Db,
  host: string,
  platform: string,
  since: string,
  until: string | null,
  limit = 5,
): { total: number; rows: EventRow[] } {
  const where = `kind = 'poll-error' AND time >= ? AND (? IS NULL OR time <= ?)
    AND json_valid(detail) AND json_extract(detail, '$.host') = ? AND json_extract(detail, '$.platform') = ?`;
  // One scan: the window counts every match before LIMIT keeps the last ones.
  const hits = statement(
    db,
    `SELECT *, COUNT(*) OVER () AS total FROM events WHERE ${where} ORDER BY id DESC LIMIT ?`,
  ).all(since, until, until, host, platform, limit) as (EventRow & { total: number })[];
  const total = hits[0]?.total ?? 0;
  const rows = hits.reverse().map(({ total: _n, ...row }) => row);
  return { total, rows };
}
