/** Batch rows: one per submit, poll or kill call on a host. */
import type { Db } from "./open-store.js";

export interface BatchRow {
  id: string;
  kind: string;
  platform: string;
  host: string;
  started_at: string;
  ended_at: string | null;
  state: string;
  error: string | null;
}

/** Records a batch before its program is sent. */
export function insertBatch(db: Db, b: Omit<BatchRow, "ended_at" | "error">): void {
  db.prepare(
    `INSERT INTO batches (id, kind, platform, host, started_at, state) VALUES (@id, @kind, @platform, @host, @started_at, @state)`,
  ).run(b);
}

/** Records how a batch ended. */
export function endBatch(db: Db, id: string, state: string, endedAt: string, error: string | null): void {
  db.prepare(`UPDATE batches SET state = ?, ended_at = ?, error = ? WHERE id = ?`).run(
    state,
    endedAt,
    error,
    id,
  );
}
