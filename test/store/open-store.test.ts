import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isNetworkFilesystem, openStore, type Db } from "../../src/store/open-store.js";
import { DroverError } from "../../src/errors.js";

/** A fresh directory for one store, removed (with any handles closed) when the test ends. */
function tempDir(t: { after: (fn: () => void) => void }, dbs: Db[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-store-"));
  t.after(() => {
    for (const db of dbs) if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function tableNames(db: Db): string[] {
  return (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((n) => !n.startsWith("sqlite_"));
}

test("openStore creates the file and migrates it to user_version 1 with the design's tables", (t) => {
  const dbs: Db[] = [];
  const file = path.join(tempDir(t, dbs), "store.db");
  const db = openStore(file);
  dbs.push(db);
  assert.ok(fs.existsSync(file));
  assert.equal(db.pragma("user_version", { simple: true }), 1);
  assert.deepEqual(tableNames(db), ["batches", "events", "hosts", "jobs", "requests", "runs"]);
});

test("on a local temp dir: WAL journal, synchronous FULL, foreign keys on, a busy timeout", (t) => {
  const dbs: Db[] = [];
  const dir = tempDir(t, dbs);
  assert.equal(isNetworkFilesystem(dir), false, "the temp dir is local");
  const db = openStore(path.join(dir, "store.db"));
  dbs.push(db);
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  assert.equal(db.pragma("synchronous", { simple: true }), 2);
  assert.equal(db.pragma("foreign_keys", { simple: true }), 1);
  assert.equal(db.pragma("busy_timeout", { simple: true }), 10000);
});

test("isNetworkFilesystem: a missing path is not network", () => {
  assert.equal(isNetworkFilesystem("/no/such/dir/drover"), false);
});

test("reopening keeps the data and the version (migrations run once)", (t) => {
  const dbs: Db[] = [];
  const file = path.join(tempDir(t, dbs), "store.db");
  const a = openStore(file);
  a.prepare(`INSERT INTO hosts (name, reason) VALUES ('h1', 'test')`).run();
  a.close();
  const b = openStore(file);
  dbs.push(b);
  assert.equal(b.pragma("user_version", { simple: true }), 1);
  assert.deepEqual(b.prepare(`SELECT name, reason FROM hosts`).all(), [{ name: "h1", reason: "test" }]);
});

test("read-only: a missing file fails with a clear DroverError and is not created", (t) => {
  const file = path.join(tempDir(t), "missing.db");
  assert.throws(
    () => openStore(file, { readonly: true }),
    (err: unknown) =>
      err instanceof DroverError &&
      err.message.startsWith(`cannot open the run store ${file}`) &&
      err.cause !== undefined,
  );
  assert.equal(fs.existsSync(file), false);
});

test("read-only: reads a store another handle writes, and refuses to write", (t) => {
  const dbs: Db[] = [];
  const file = path.join(tempDir(t, dbs), "store.db");
  const w = openStore(file);
  dbs.push(w);
  const r = openStore(file, { readonly: true });
  dbs.push(r);
  w.prepare(`INSERT INTO hosts (name) VALUES ('h2')`).run();
  assert.deepEqual(r.prepare(`SELECT name FROM hosts`).all(), [{ name: "h2" }]);
  assert.throws(() => r.prepare(`INSERT INTO hosts (name) VALUES ('h3')`).run(), /readonly/);
});

test("a store with a higher user_version is refused, and left unchanged", (t) => {
  const file = path.join(tempDir(t), "store.db");
  const raw = new Database(file);
  raw.exec(`CREATE TABLE future (x)`);
  raw.pragma("user_version = 2");
  raw.close();
  const before = fs.readFileSync(file);
  for (const readonly of [false, true]) {
    assert.throws(
      () => openStore(file, { readonly }),
      (err: unknown) =>
        err instanceof DroverError &&
        err.message.includes("written by a newer Drover") &&
        err.message.includes("schema 2"),
      `readonly ${readonly}`,
    );
  }
  assert.deepEqual(fs.readFileSync(file), before, "no journal-mode change, no migration");
  assert.equal(fs.existsSync(`${file}-wal`), false);
});

test("a file that is not a SQLite database is refused with a DroverError, not a crash", (t) => {
  const file = path.join(tempDir(t), "store.db");
  fs.writeFileSync(file, "this is not a database, only text long enough to fill a header....".repeat(4));
  for (const readonly of [false, true]) {
    assert.throws(
      () => openStore(file, { readonly }),
      (err: unknown) =>
        err instanceof DroverError &&
        err.message.startsWith(`cannot open the run store ${file}`) &&
        err.message.includes("not a database"),
      `readonly ${readonly}`,
    );
  }
});

test("a store in a missing directory fails with a DroverError", (t) => {
  const file = path.join(tempDir(t), "no", "such", "store.db");
  assert.throws(() => openStore(file), DroverError);
});
