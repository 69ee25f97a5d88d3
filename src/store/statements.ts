/** Prepared statements cached per database: preparing once per call costs more than the write. */
import type Database from "better-sqlite3";
import type { Db } from "./open-store.js";

const cache = new WeakMap<Db, Map<string, Database.Statement>>();

/** The prepared statement of `sql` on `db`, prepared on first use. */
export function statement(db: Db, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) {
    m = new Map();
    cache.set(db, m);
  }
  let s = m.get(sql);
  if (!s) {
    s = db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}
