/**
 * A run's outcome read from its store, and the closing line and exit code `drover run` gives for
 * it, so that `attach` and `stop` end with the same words and codes as a foreground run.
 */
import { FINAL_STATES, LIVE_STATES, type JobState } from "../job/model.js";
import { latestJobRows } from "../store/job-rows.js";
import { getRunRow } from "../store/run-row.js";
import type { Db } from "../store/open-store.js";
import type { RunSummary } from "../manager/scheduler.js";
import { shellQuote } from "../script/shell-quote.js";

export interface RunOutcome extends RunSummary {
  /** Jobs (latest submissions) in all. */
  total: number;
  /** Jobs not final yet. */
  open: number;
  /** The job set file the run belongs to (for the resume command). */
  path: string | null;
}

/** Counts the latest submission of each job by state. */
export function runOutcome(db: Db): RunOutcome {
  const counts = new Map<JobState, number>();
  let live = 0;
  let open = 0;
  const rows = latestJobRows(db);
  for (const r of rows) {
    counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    if (LIVE_STATES.has(r.state)) live++;
    if (!FINAL_STATES.has(r.state)) open++;
  }
  return {
    done: open === 0,
    counts,
    allSucceeded: (counts.get("succeeded") ?? 0) === rows.length,
    live,
    open,
    total: rows.length,
    path: getRunRow(db)?.path ?? null,
  };
}

/** The command that resumes run `name`. */
export function resumeCommand(name: string, path: string | null): string {
  return path === null ? `drover run FILE --name ${name}` : `drover run ${shellQuote(path)} --name ${name}`;
}

/**
 * The closing line and exit code of a run whose Drover has ended: 0 when every job succeeded,
 * 1 when one did not or the run stopped before its end.
 */
export function closingLine(name: string, o: RunOutcome): { line: string; code: number } {
  if (!o.done) {
    return {
      line: `drover: run ${name} stopped before its end; ${o.open} jobs not final (${o.live} live, left running). Resume with: ${resumeCommand(name, o.path)}`,
      code: 1,
    };
  }
  if (o.allSucceeded) return { line: `drover: run ${name}: every job succeeded`, code: 0 };
  return {
    line: `drover: run ${name}: ${o.total - (o.counts.get("succeeded") ?? 0)} jobs did not succeed (drover status ${name} --why)`,
    code: 1,
  };
}
