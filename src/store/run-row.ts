/** The single `runs` row: which job set the run belongs to. */
import type { Db } from "./open-store.js";

export interface RunRow {
  name: string;
  path: string;
  hash: string;
  source: string;
  created_at: string;
  updated_at: string;
}

/** The run's row, or undefined for a store not yet initialised. */
export function getRunRow(db: Db): RunRow | undefined {
  return db
    .prepare(`SELECT name, path, hash, source, created_at, updated_at FROM runs WHERE id = 1`)
    .get() as RunRow | undefined;
}

/** Creates or replaces the run's row. */
export function putRunRow(db: Db, row: RunRow): void {
  db.prepare(
    `INSERT INTO runs (id, name, path, hash, source, created_at, updated_at)
     VALUES (1, @name, @path, @hash, @source, @created_at, @updated_at)
     ON CONFLICT (id) DO UPDATE SET name = @name, path = @path, hash = @hash, source = @source,
       updated_at = @updated_at`,
  ).run(row);
}
