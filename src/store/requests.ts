/**
 * Commands against a live run (kill, poll, trigger, stop) go through this table: the command
 * inserts a row, only the live Drover applies and answers it.
 */
import type { Db } from "./open-store.js";

export interface RequestRow {
  id: number;
  time: string;
  command: string;
  args: string;
  state: "pending" | "done" | "failed";
  answer: string | null;
  answered_at: string | null;
}

/** Adds a pending request; returns its id. */
export function addRequest(db: Db, time: string, command: string, args: unknown): number {
  return Number(
    db
      .prepare(`INSERT INTO requests (time, command, args) VALUES (?, ?, ?)`)
      .run(time, command, JSON.stringify(args)).lastInsertRowid,
  );
}

/** Pending requests, oldest first. */
export function pendingRequests(db: Db): RequestRow[] {
  return db.prepare(`SELECT * FROM requests WHERE state = 'pending' ORDER BY id`).all() as RequestRow[];
}

/** Records the answer to a request. */
export function answerRequest(db: Db, id: number, ok: boolean, answer: string, time: string): void {
  db.prepare(`UPDATE requests SET state = ?, answer = ?, answered_at = ? WHERE id = ?`).run(
    ok ? "done" : "failed",
    answer,
    time,
    id,
  );
}

/** One request, for the waiting command. */
export function getRequest(db: Db, id: number): RequestRow | undefined {
  return db.prepare(`SELECT * FROM requests WHERE id = ?`).get(id) as RequestRow | undefined;
}
