/** Reading and writing submission rows (`jobs` table: one row per submission). */
import type { Db } from "./open-store.js";
import { statement } from "./statements.js";
import type { JobState } from "../job/model.js";

/** One submission as stored. Times are UTC ISO strings. */
export interface JobRow {
  name: string;
  submit_num: number;
  try: number;
  run_count: number;
  state: JobState;
  reason: string | null;
  evidence: string | null;
  exit_code: number | null;
  signal: string | null;
  platform: string;
  host: string | null;
  runner: string;
  runner_job_id: string | null;
  runner_data: string;
  token: string | null;
  batch_id: string | null;
  submit_fails: number;
  retry_at: string | null;
  triggered: number;
  kill_requested: number;
  kill_sent_at: string | null;
  unlisted_since: string | null;
  next_poll_at: string | null;
  poll_count: number;
  created_at: string;
  submitted_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  /** Job log retrieval from the host: null (not needed yet), pending, done, cut, failed. */
  logs_state: string | null;
  logs_attempts: number;
  logs_retry_at: string | null;
}

/** The latest submission of every job, in name order. */
export function latestJobRows(db: Db): JobRow[] {
  return db
    .prepare(
      `SELECT j.* FROM jobs j JOIN (SELECT name, MAX(submit_num) AS n FROM jobs GROUP BY name) m
       ON j.name = m.name AND j.submit_num = m.n ORDER BY j.name`,
    )
    .all() as JobRow[];
}

/** The latest submission of one job, or undefined. */
export function latestJobRow(db: Db, name: string): JobRow | undefined {
  return statement(db, `SELECT * FROM jobs WHERE name = ? ORDER BY submit_num DESC LIMIT 1`).get(name) as
    JobRow | undefined;
}

/** One submission, or undefined. */
export function jobRow(db: Db, name: string, submitNum: number): JobRow | undefined {
  return statement(db, `SELECT * FROM jobs WHERE name = ? AND submit_num = ?`).get(name, submitNum) as
    JobRow | undefined;
}

/** Latest submissions in any of `states`. */
export function latestRowsInStates(db: Db, states: readonly JobState[]): JobRow[] {
  const marks = states.map(() => "?").join(",");
  return db
    .prepare(
      `SELECT j.* FROM jobs j JOIN (SELECT name, MAX(submit_num) AS n FROM jobs GROUP BY name) m
       ON j.name = m.name AND j.submit_num = m.n WHERE j.state IN (${marks}) ORDER BY j.name`,
    )
    .all(...states) as JobRow[];
}

export type NewJobRow = Pick<JobRow, "name" | "submit_num" | "try" | "platform" | "runner" | "created_at"> &
  Partial<Pick<JobRow, "submit_fails" | "retry_at" | "triggered" | "state" | "reason" | "ended_at">>;

/** Inserts a new submission row (state `waiting` unless given). */
export function insertJobRow(db: Db, row: NewJobRow): void {
  statement(
    db,
    `INSERT INTO jobs (name, submit_num, try, state, platform, runner, submit_fails, retry_at, triggered,
       reason, ended_at, created_at)
     VALUES (@name, @submit_num, @try, @state, @platform, @runner, @submit_fails, @retry_at, @triggered,
       @reason, @ended_at, @created_at)`,
  ).run({
    state: "waiting",
    submit_fails: 0,
    retry_at: null,
    triggered: 0,
    reason: null,
    ended_at: null,
    ...row,
  });
}

/** Columns that `updateJobRow` may set. */
export type JobRowChanges = Partial<Omit<JobRow, "name" | "submit_num" | "created_at">>;

/** Sets the given columns of one submission. */
export function updateJobRow(db: Db, name: string, submitNum: number, changes: JobRowChanges): void {
  const keys = Object.keys(changes);
  if (keys.length === 0) return;
  const sets = keys.map((k) => `${k} = @${k}`).join(", ");
  statement(db, `UPDATE jobs SET ${sets} WHERE name = @__name AND submit_num = @__num`).run({
    ...changes,
    __name: name,
    __num: submitNum,
  });
}

/** Removes every submission of a job (a job dropped by reload before it started). */
export function deleteJob(db: Db, name: string): void {
  statement(db, `DELETE FROM jobs WHERE name = ?`).run(name);
}

/** Removes one submission row. */
export function deleteSubmission(db: Db, name: string, submitNum: number): void {
  statement(db, `DELETE FROM jobs WHERE name = ? AND submit_num = ?`).run(name, submitNum);
}

/** How many jobs' latest submissions are in each state (counted by SQLite, no rows built). */
export function countByState(db: Db): Map<JobState, number> {
  const rows = statement(
    db,
    `SELECT j.state AS state, COUNT(*) AS n FROM jobs j
       JOIN (SELECT name, MAX(submit_num) AS n FROM jobs GROUP BY name) m
       ON j.name = m.name AND j.submit_num = m.n GROUP BY j.state`,
  ).all() as { state: JobState; n: number }[];
  return new Map(rows.map((r) => [r.state, r.n]));
}

/** True when some job waits (to be submitted, for a retry or a need). */
export function anyJobWaiting(db: Db): boolean {
  return statement(db, `SELECT 1 FROM jobs WHERE state = 'waiting' LIMIT 1`).get() !== undefined;
}

/** Submissions with a kill asked and not sent yet, whose runner job ID is known. */
export function rowsToKill(db: Db): JobRow[] {
  return statement(
    db,
    `SELECT * FROM jobs WHERE kill_requested = 1 AND kill_sent_at IS NULL
       AND state IN ('submitted','running') AND runner_job_id IS NOT NULL AND runner_job_id != ''
       ORDER BY name`,
  ).all() as JobRow[];
}
