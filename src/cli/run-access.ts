/**
 * How commands reach an existing run: read the store for status; for actions, go through the live
 * Drover's requests table, or take the run (contact file) and act directly when none is live.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseJobSet } from "../config/index.js";
import { UsageError } from "../errors.js";
import { openStore, type Db } from "../store/open-store.js";
import { getRunRow } from "../store/run-row.js";
import { acquireContact, liveContact, releaseContact } from "../manager/contact-file.js";
import { isThisHost } from "../manager/contact-probe.js";
import { checkRunName, droverHome, runPaths } from "../manager/run-paths.js";
import { loadRunPlatforms } from "../manager/platform-registry.js";
import { Scheduler } from "../manager/scheduler.js";
import { systemClock, type RunContext } from "../manager/run-context.js";
import { askDrover } from "./live-drover.js";

/** How long a live Drover gets to answer a request (it answers between rounds). */
const ANSWER_TIMEOUT_MS = 120_000;

/** The run directory of `name`; a usage error when there is no such run. */
export function findRun(name: string): string {
  checkRunName(name);
  const runDir = join(droverHome(), name);
  if (!existsSync(runPaths(runDir).store)) throw new UsageError(`no run named "${name}" in ${droverHome()}`);
  return runDir;
}

/** Opens a run's store read-only. */
export function readRun(name: string): Db {
  const db = openStore(runPaths(findRun(name)).store, { readonly: true });
  // A store being created by `drover run` at this moment has no tables yet.
  if (Number(db.pragma("user_version", { simple: true })) < 1) {
    db.close();
    throw new UsageError(`run "${name}" is being created: try again in a moment`);
  }
  return db;
}

export interface ActResult {
  ok: boolean;
  text: string;
}

/**
 * Applies a command to a run: through the live Drover when there is one, on this host or on another
 * (checked over SSH), waiting for its answer; else directly with a scheduler of our own that holds
 * the contact file meanwhile. A Drover on another host that cannot be checked refuses the command.
 */
export async function actOnRun(
  name: string,
  command: string,
  args: { jobs?: string[] },
  direct: (s: Scheduler) => Promise<ActResult>,
  say: (m: string) => void,
): Promise<ActResult> {
  const runDir = findRun(name);
  const store = runPaths(runDir).store;
  const live = liveContact(runDir);
  if (live) {
    // A Drover on another host shares the store (shared filesystem): its requests table reaches it.
    if (!isThisHost(live.host)) {
      say(
        `the run is live: Drover pid ${live.pid} on ${live.host} since ${live.startedAt} (checked over SSH): asking it`,
      );
    }
    const ans = await askDrover(runDir, live, command, args, ANSWER_TIMEOUT_MS);
    if (ans.kind === "answered") return { ok: ans.ok, text: ans.text };
    const why =
      ans.kind === "ended"
        ? `the live Drover of run "${name}" ended before it answered`
        : `the live Drover of run "${name}" did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`;
    // A pending request is applied by the next Drover of the run.
    return { ok: false, text: `${why}; the request stays queued` };
  }
  const contact = acquireContact(runDir, `drover ${command} ${name}`, say);
  const db = openStore(store);
  try {
    const row = getRunRow(db);
    if (!row) throw new UsageError(`run "${name}" has no job set recorded`);
    const jobSet = parseJobSet(row.source, row.path);
    const rp = await loadRunPlatforms(jobSet);
    const ctx: RunContext = {
      runName: name,
      runDir,
      db,
      jobSet,
      specs: new Map(jobSet.jobs.map((j) => [j.name, j])),
      platforms: rp.platforms,
      groups: rp.groups,
      clock: systemClock,
      maxBatch: null,
      maxActive: null,
      installs: new Map(),
      listeners: [],
    };
    return await direct(new Scheduler(ctx));
  } finally {
    db.close();
    releaseContact(runDir, contact);
  }
}
