/** `drover status [RUN [JOB]] [--json] [--why]`: reads the store only. */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { latestJobRows, type JobRow } from "../store/job-rows.js";
import { hostPollErrors, jobEvents } from "../store/events.js";
import { openStore, type Db } from "../store/open-store.js";
import { droverHome, runPaths } from "../manager/run-paths.js";
import { isContactLive, readContact } from "../manager/contact-file.js";
import { parseArgs } from "./args.js";
import { readRun } from "./run-access.js";
import { formatTable, printable, shortTime } from "./format-table.js";
import type { Out } from "./out.js";

/** The JSON row of one job, as documented in the README. */
export function jobJson(r: JobRow) {
  return {
    name: r.name,
    submit_num: r.submit_num,
    try: r.try,
    run_count: r.run_count,
    state: r.state,
    reason: r.reason,
    exit_code: r.exit_code,
    signal: r.signal,
    platform: r.platform,
    host: r.host,
    runner: r.runner,
    runner_job_id: r.runner_job_id,
    submitted_at: r.submitted_at,
    started_at: r.started_at,
    ended_at: r.ended_at,
  };
}

export async function statusCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, { booleans: ["--json", "--why"] }, "status");
  const [run, job, extra] = a.positional;
  if (extra !== undefined) throw new UsageError("usage: drover status [RUN [JOB]] [--json] [--why]");
  if (run === undefined) return listRuns(out, a.flags.has("--json"));
  const db = readRun(run);
  try {
    let rows = latestJobRows(db);
    if (job !== undefined) {
      rows = rows.filter((r) => r.name === job);
      if (rows.length === 0) throw new UsageError(`run "${run}" has no job "${job}"`);
    }
    if (a.flags.has("--json")) {
      out.print(JSON.stringify({ run, jobs: rows.map(jobJson) }));
      return 0;
    }
    out.print(
      formatTable(
        ["JOB", "SUB", "TRY", "STATE", "REASON", "EXIT", "JOB ID", "SUBMITTED", "STARTED", "ENDED"],
        rows.map((r) => [
          r.name,
          String(r.submit_num),
          String(r.try),
          r.state,
          r.reason ?? "-",
          r.exit_code === null ? "-" : String(r.exit_code),
          r.runner_job_id ?? "-",
          shortTime(r.submitted_at),
          shortTime(r.started_at),
          shortTime(r.ended_at),
        ]),
      ),
    );
    if (a.flags.has("--why")) {
      for (const r of rows) {
        out.print(
          `\n${r.name}/${String(r.submit_num).padStart(2, "0")} ${r.state}${r.reason ? ` (${r.reason})` : ""}`,
        );
        for (const ev of parseEvidence(r.evidence)) out.print(`  evidence: ${printable(ev)}`);
        for (const e of jobEvents(db, r.name)) out.print(`  ${e.time}  ${printable(e.text)}`);
        printPollErrors(db, r, out);
      }
    }
    return 0;
  } finally {
    db.close();
  }
}

/** The failed runner queries of the job's host while it was live: why a verdict waited. */
function printPollErrors(db: Db, r: JobRow, out: Out): void {
  if (r.host === null || r.submitted_at === null) return;
  const { total, rows } = hostPollErrors(db, r.host, r.platform, r.submitted_at, r.ended_at);
  if (total === 0) return;
  out.print(
    `  poll errors on ${printable(r.host)} while it was live: ${total}${total > rows.length ? ` (the last ${rows.length})` : ""}`,
  );
  for (const e of rows) out.print(`  ${e.time}  ${printable(e.text)}`);
}

function parseEvidence(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map(String) : [String(v)];
  } catch {
    return [text];
  }
}

/**
 * Whether a run's Drover is live, from this host's facts only: status reads, it never logs in
 * elsewhere. A Drover on another host is named, unchecked (the commands that act check it).
 */
function liveness(runDir: string): boolean | { host: string } {
  const c = readContact(runDir);
  if (c === null) return false;
  const live = isContactLive(c);
  return live === "other-host" ? { host: c.host } : live;
}

function listRuns(out: Out, json: boolean): number {
  const home = droverHome();
  const names = existsSync(home)
    ? readdirSync(home)
        .filter((n) => existsSync(runPaths(join(home, n)).store))
        .sort()
    : [];
  const runs = names.map((name) => {
    const db = openStore(runPaths(join(home, name)).store, { readonly: true });
    try {
      const counts: Record<string, number> = {};
      for (const r of latestJobRows(db)) counts[r.state] = (counts[r.state] ?? 0) + 1;
      return { run: name, live: liveness(join(home, name)), counts };
    } finally {
      db.close();
    }
  });
  if (json) out.print(JSON.stringify({ runs }));
  else if (runs.length === 0) out.print(`no runs in ${home}`);
  else
    out.print(
      formatTable(
        ["RUN", "LIVE", "JOBS"],
        runs.map((r) => [
          r.run,
          r.live === true ? "yes" : r.live === false ? "no" : `${printable(r.live.host)}?`,
          Object.entries(r.counts)
            .map(([k, v]) => `${v} ${k}`)
            .join(", "),
        ]),
      ),
    );
  return 0;
}
