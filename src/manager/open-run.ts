/**
 * Creates or resumes a run for a job set: checks that the run belongs to this file (path and
 * content hash), starts afresh with `new`, applies an edited file with `reload`.
 */
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { JobSet, JobSpec } from "../config/index.js";
import { UsageError } from "../errors.js";
import { openStore, type Db } from "../store/open-store.js";
import { getRunRow, putRunRow } from "../store/run-row.js";
import { deleteJob, deleteSubmission, insertJobRow, latestJobRows } from "../store/job-rows.js";
import { addEvent } from "../store/events.js";
import { acquireContact, releaseContact, type Contact } from "./contact-file.js";
import { runPaths } from "./run-paths.js";

export type OpenMode = "resume" | "new" | "reload";

export interface OpenedRun {
  name: string;
  runDir: string;
  db: Db;
  contact: Contact;
  /** True when the run was created now. */
  created: boolean;
}

export interface OpenRunOptions {
  home: string;
  name: string;
  mode: OpenMode;
  command: string;
  say: (msg: string) => void;
  source: string;
  /** The runner recorded on a job's first row (its platform's, or its group's first member's). */
  runnerOf: (platform: string) => string;
}

/** Opens the run `name` for `jobSet`, taking its contact file. The caller closes db and contact. */
export function openRun(jobSet: JobSet, o: OpenRunOptions): OpenedRun {
  mkdirSync(o.home, { recursive: true });
  const runDir = join(o.home, o.name);
  const paths = runPaths(runDir);
  if (existsSync(paths.store)) {
    const contact = acquireContact(runDir, o.command, o.say);
    const db = openStore(paths.store);
    const row = getRunRow(db);
    const same = row !== undefined && row.path === jobSet.path && row.hash === jobSet.hash;
    if ((same && o.mode !== "new") || row === undefined) {
      if (row === undefined) initRun(db, jobSet, o);
      return { name: o.name, runDir, db, contact, created: row === undefined };
    }
    if (o.mode === "reload") {
      reloadRun(db, jobSet, o);
      return { name: o.name, runDir, db, contact, created: false };
    }
    db.close();
    releaseContact(runDir, contact);
    if (o.mode === "new") {
      const kept = keepOldRun(o.home, o.name);
      o.say(`kept the previous run as ${kept}`);
      return openRun(jobSet, { ...o, mode: "resume" });
    }
    const what =
      row.path === jobSet.path
        ? `${jobSet.path} has changed since the run started`
        : `run "${o.name}" belongs to ${row.path}, not ${jobSet.path}`;
    throw new UsageError(`${what}: use --reload to apply the file to the run, or --new to start a fresh run`);
  }
  mkdirSync(runDir, { recursive: true });
  const contact = acquireContact(runDir, o.command, o.say);
  const db = openStore(paths.store);
  initRun(db, jobSet, o);
  return { name: o.name, runDir, db, contact, created: true };
}

/** Moves an old run aside under the first free numbered name; returns that name. */
function keepOldRun(home: string, name: string): string {
  for (let n = 1; ; n++) {
    const target = `${name}.${n}`;
    if (!existsSync(join(home, target))) {
      renameSync(join(home, name), join(home, target));
      return target;
    }
  }
}

function initRun(db: Db, jobSet: JobSet, o: OpenRunOptions): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    putRunRow(db, {
      name: o.name,
      path: jobSet.path,
      hash: jobSet.hash,
      source: o.source,
      created_at: now,
      updated_at: now,
    });
    for (const j of jobSet.jobs) {
      insertFirstSubmission(db, j, now, o.runnerOf);
    }
    addEvent(db, {
      time: now,
      kind: "run",
      text: `run created from ${jobSet.path} (${jobSet.jobs.length} jobs)`,
    });
  })();
}

/** Applies an edited job set: new jobs added, removed jobs that never started dropped. */
function reloadRun(db: Db, jobSet: JobSet, o: OpenRunOptions): void {
  const now = new Date().toISOString();
  const rows = new Map(latestJobRows(db).map((r) => [r.name, r]));
  const wanted = new Set(jobSet.jobs.map((j) => j.name));
  db.transaction(() => {
    const row = getRunRow(db);
    putRunRow(db, {
      name: o.name,
      path: jobSet.path,
      hash: jobSet.hash,
      source: o.source,
      created_at: row?.created_at ?? now,
      updated_at: now,
    });
    for (const j of jobSet.jobs) {
      if (rows.has(j.name)) continue;
      insertFirstSubmission(db, j, now, o.runnerOf);
      addEvent(db, { time: now, job: j.name, submitNum: 1, kind: "reload", text: "added by reload" });
    }
    for (const [name, r] of rows) {
      if (wanted.has(name)) continue;
      if (r.state === "waiting" && r.submit_num === 1) {
        deleteJob(db, name);
        addEvent(db, { time: now, job: name, kind: "reload", text: "removed by reload (never started)" });
      } else if (r.state === "waiting") {
        // A pending retry of a removed job is dropped; its earlier submissions stay as history.
        deleteSubmission(db, name, r.submit_num);
        addEvent(db, {
          time: now,
          job: name,
          kind: "reload",
          text: "removed by reload: pending retry dropped",
        });
      } else {
        addEvent(db, {
          time: now,
          job: name,
          kind: "reload",
          text: `no longer in the job set; kept (${r.state})`,
        });
      }
    }
    addEvent(db, { time: now, kind: "run", text: `reloaded ${jobSet.path}` });
  })();
  o.say(`applied the edited ${jobSet.path} to run "${o.name}"`);
}

/** The first submission row of a job: waiting, try 1. */
function insertFirstSubmission(db: Db, j: JobSpec, now: string, runnerOf: (p: string) => string): void {
  insertJobRow(db, {
    name: j.name,
    submit_num: 1,
    try: 1,
    platform: j.platform,
    runner: runnerOf(j.platform),
    created_at: now,
  });
}
