/**
 * `drover tidy RUN`: removes the run's directory from every remote install target its jobs used,
 * once every job is final and no Drover is live for the run (it holds the run's contact file
 * meanwhile). The local run directory is never touched, and a host directory that holds the run's
 * marker (a filesystem shared with this machine: it is the local run directory) is kept.
 */
import { parseJobSet, loadPlatformCatalog, platformChoices } from "../config/index.js";
import type { PlatformCatalog, PlatformSpec } from "../config/platform-types.js";
import { DroverError, UsageError } from "../errors.js";
import { FINAL_STATES } from "../job/model.js";
import { acquireContact, liveContact, releaseContact } from "../manager/contact-file.js";
import { hostRunDir } from "../manager/platform.js";
import { platformFor } from "../manager/platform-registry.js";
import { runMarker } from "../manager/run-marker.js";
import { runPaths } from "../manager/run-paths.js";
import { tidyRun } from "../remote/host-ops.js";
import type { TidyReason } from "../remote/host-ops-types.js";
import { addEvent } from "../store/events.js";
import { latestJobRows } from "../store/job-rows.js";
import { openStore, type Db } from "../store/open-store.js";
import { getRunRow } from "../store/run-row.js";
import { expectPositional, parseArgs } from "./args.js";
import { findRun } from "./run-access.js";
import type { Out } from "./out.js";

/** Reasons that leave a target as it should be. */
const FINE: ReadonlySet<TidyReason> = new Set(["removed", "absent", "shared"]);

/** What tidy did on one install target. */
export interface TidyOutcome {
  target: string;
  /** The host that answered (or was tried last) and the directory named there. */
  host: string | null;
  runDir: string | null;
  reason: TidyReason | "unreachable" | "unknown-platform";
  text: string;
}

/** One install target: its platforms (remote only) in the order the run named them. */
export interface TidyTarget {
  name: string;
  platforms: PlatformSpec[];
}

/**
 * The remote install targets of the platforms in `used` (jobs' and batches' platform names; a
 * group stands for its members). Names the catalog no longer knows come back in `unknown`.
 */
export function tidyTargets(catalog: PlatformCatalog, used: readonly string[]) {
  const targets = new Map<string, TidyTarget>();
  const unknown: string[] = [];
  for (const name of used) {
    const specs = platformChoices(catalog, name);
    if (specs.length === 0) unknown.push(name);
    for (const s of specs) {
      // Run root "" is the local run directory itself (localhost): never tidied.
      if (s.runRoot === "") continue;
      const t = targets.get(s.installTarget) ?? { name: s.installTarget, platforms: [] };
      if (!t.platforms.some((p) => p.name === s.name)) t.platforms.push(s);
      targets.set(s.installTarget, t);
    }
  }
  return { targets: [...targets.values()], unknown };
}

/** Runs `drover tidy RUN`; 0 when every target is tidy (removed, absent or shared), else 1. */
export async function tidyCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, {}, "tidy");
  expectPositional(a, 1, 1, "drover tidy RUN");
  const run = a.positional[0] as string;
  const runDir = findRun(run);
  const live = liveContact(runDir);
  if (live) {
    out.note(
      `drover: tidy: run "${run}" is live (Drover pid ${live.pid} since ${live.startedAt}): stop it and let its jobs end first`,
    );
    return 1;
  }
  const contact = acquireContact(runDir, `drover tidy ${run}`, out.note);
  try {
    const db = openStore(runPaths(runDir).store);
    try {
      return await tidyLocked(db, run, runDir, out);
    } finally {
      db.close();
    }
  } finally {
    releaseContact(runDir, contact);
  }
}

async function tidyLocked(db: Db, run: string, runDir: string, out: Out): Promise<number> {
  const open = latestJobRows(db).filter((r) => !FINAL_STATES.has(r.state));
  if (open.length > 0) {
    const list = open.slice(0, 10).map((r) => `${r.name} (${r.state})`);
    const more = open.length > 10 ? `, and ${open.length - 10} more` : "";
    out.note(
      `drover: tidy: run "${run}" has ${open.length} job${open.length === 1 ? "" : "s"} not final: ${list.join(", ")}${more}; tidy removes a run's files only once every job has ended`,
    );
    return 1;
  }
  const row = getRunRow(db);
  if (!row) throw new UsageError(`run "${run}" has no job set recorded`);
  const catalog = loadPlatformCatalog({ jobSet: parseJobSet(row.source, row.path) });
  const { targets, unknown } = tidyTargets(catalog, usedPlatforms(db));
  const outcomes: TidyOutcome[] = unknown.map((name) => ({
    target: name,
    host: null,
    runDir: null,
    reason: "unknown-platform",
    text: `platform "${name}" used by the run is no longer defined: its files (if any) were left`,
  }));
  if (targets.length === 0 && outcomes.length === 0) {
    out.print(`tidy ${run}: nothing to do (the run used no remote install target; ${runDir} is kept)`);
    return 0;
  }
  const marker = runMarker(runDir);
  for (const t of targets) outcomes.push(await tidyTarget(t, run, runDir, marker));
  const now = new Date().toISOString();
  for (const o of outcomes) {
    out.print(`${o.target}: ${o.text}`);
    addEvent(db, { time: now, kind: "tidy", text: `tidy ${o.target}: ${o.text}`, detail: o });
  }
  return outcomes.every((o) => FINE.has(o.reason as TidyReason)) ? 0 : 1;
}

/** Platform names in the run's submissions and batches, in first-seen order. */
function usedPlatforms(db: Db): string[] {
  const rows = db
    .prepare(
      `SELECT platform FROM (SELECT platform, MIN(rowid) AS o FROM jobs GROUP BY platform
       UNION ALL SELECT platform, 1e18 AS o FROM batches) ORDER BY o`,
    )
    .all() as { platform: string }[];
  return [...new Set(rows.map((r) => r.platform))];
}

/** Tidies one target through the first of its hosts that answers. */
async function tidyTarget(
  t: TidyTarget,
  run: string,
  runDir: string,
  marker: { name: string },
): Promise<TidyOutcome> {
  const tried: string[] = [];
  let last: TidyOutcome = { target: t.name, host: null, runDir: null, reason: "unreachable", text: "" };
  for (const spec of t.platforms) {
    for (const host of spec.hosts) {
      const dir = hostRunDir(spec, run, runDir);
      try {
        const p = platformFor(spec);
        const r = await tidyRun(p.transport, {
          host,
          runDir: dir,
          marker,
          timeoutMs: p.batchTimeoutS * 1000,
        });
        if (r.started)
          return {
            target: t.name,
            host,
            runDir: dir,
            reason: r.reason,
            text: describe(r.reason, host, dir, r.error),
          };
        tried.push(r.error ?? `${host}: no answer`);
      } catch (err) {
        if (!(err instanceof DroverError)) throw err;
        tried.push(`${host}: ${err.message}`);
      }
      last = { ...last, host, runDir: dir };
    }
  }
  return { ...last, text: `not tidied: no host answered (${tried.join("; ")})` };
}

function describe(reason: TidyReason, host: string, dir: string, error: string | null): string {
  const at = `${dir} on ${host}`;
  switch (reason) {
    case "removed":
      return `removed ${at}`;
    case "absent":
      return `nothing to remove: ${at} does not exist`;
    case "shared":
      return `kept ${at}: it is this machine's run directory (shared filesystem; it holds the store)`;
    case "rm-failed":
      return `could not remove ${at}: ${error ?? "rm failed"}`;
    case "not-run":
      return `not tidied on ${host}: ${error ?? "no answer"}`;
    default:
      return `refused to remove ${at}: ${REFUSALS[reason] ?? reason}`;
  }
}

const REFUSALS: Partial<Record<TidyReason, string>> = {
  root: "it is /",
  home: "it is the home directory",
  "holds-home": "it holds the home directory",
  "top-level": "it is a top-level directory",
  "bad-name": "its name is not a run name",
  symlink: "it is a symbolic link",
  "not-a-directory": "it is not a directory",
  unreadable: "it cannot be entered",
};
