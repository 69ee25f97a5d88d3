/**
 * Opens a run's SQLite store: pragmas for crash safety, WAL on local disks and the rollback
 * journal on network filesystems (WAL needs shared memory), numbered migrations.
 */
import Database from "better-sqlite3";
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import { migration001 } from "./migrations/001-initial.js";
import { DroverError } from "../errors.js";

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [migration001];

/** statfs magic numbers of network filesystems, where WAL's shared memory is unsafe. */
const NETWORK_FS = new Set([
  0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x0bd00bd0, 0x47504653, 0x65735546, 0x6e667364,
]);

/** True when `dir` is on NFS, SMB/CIFS, Lustre, GPFS or FUSE. */
export function isNetworkFilesystem(dir: string): boolean {
  try {
    return NETWORK_FS.has(Number(statfsSync(dir).type));
  } catch {
    return false;
  }
}

export interface OpenStoreOptions {
  readonly?: boolean;
}

/** Opens (creating and migrating unless read-only) the store at `file`. */
export function openStore(file: string, opts: OpenStoreOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw new DroverError(`cannot open the run store ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma("busy_timeout = 10000");
    // Reading the version first checks the file is a store this Drover knows, before anything changes it.
    const version = checkVersion(db, file);
    if (opts.readonly) return db;
    db.pragma(`journal_mode = ${isNetworkFilesystem(dirname(file)) ? "DELETE" : "WAL"}`);
    // FULL: the pre-submit write must reach the disk before any job is handed to a runner.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    migrate(db, version);
    return db;
  } catch (err) {
    // A corrupt or foreign file is bad input, not an internal error; do not leak the handle.
    db.close();
    if (err instanceof DroverError) throw err;
    throw new DroverError(`cannot open the run store ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The store's schema version; refuses one written by a newer Drover. */
function checkVersion(db: Db, file: string): number {
  const version = Number(db.pragma("user_version", { simple: true }));
  if (version > MIGRATIONS.length) {
    throw new DroverError(
      `the run store ${file} was written by a newer Drover (schema ${version}, this one knows ${MIGRATIONS.length})`,
    );
  }
  return version;
}

/** Applies the migrations the store lacks, each in its own transaction. */
function migrate(db: Db, version: number): void {
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
