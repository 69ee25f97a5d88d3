/**
 * Reads plain `qstat -u USER` output (`-r` adds a "Full jobname:" line under each job):
 *
 *     job-ID  prior   name       user         state submit/start at     queue   slots ja-task-ID
 *     -----------------------------------------------------------------------------------------
 *          12 0.55500 drv.a.tok  jobhost      r     11/26/2026 11:40:00 all.q@h     1
 *
 * No jobs print nothing at all, which is why every query carries an end line (query-output.ts).
 * Array jobs print one row per task: the job is listed while any row is.
 */
import { isSgeState } from "./states.js";

/** One job as qstat shows it. */
export interface QstatJob {
  id: string;
  state: string;
  /** The full name (`-r`), else the column (cut to 10 characters by qstat). */
  name: string;
}

const HEADER = /^job-ID\s+prior\s+name\s+user\s+state\s/;
const ROW =
  /^\s*([0-9]+)\s+([0-9.]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+[0-9]{2}\/[0-9]{2}\/[0-9]{4}\s+[0-9:]{8}(\s|$)/;

/** Parses qstat's lines (end line removed): jobs by ID, or an error naming the first bad line. */
export function parseQstat(lines: readonly string[]): Map<string, QstatJob> | { error: string } {
  const jobs = new Map<string, QstatJob>();
  const body = lines.filter((l) => l.trim() !== "");
  if (body.length === 0) return jobs;
  if (!HEADER.test(body[0] as string)) return bad("expected the header", body[0] as string);
  if (!/^-{20,}$/.test((body[1] ?? "").trim())) return bad("expected the dashed line", body[1] ?? "");
  let last: QstatJob | null = null;
  for (const line of body.slice(2)) {
    const full = /^\s+Full jobname:\s+(\S+)\s*$/.exec(line);
    if (full) {
      if (last !== null) last.name = full[1] as string;
      continue;
    }
    const m = ROW.exec(line);
    if (!m) {
      // `-r` detail lines are indented "Key: value" lines; anything else is not qstat's table.
      if (/^\s{3,}[A-Za-z][A-Za-z ]*:/.test(line)) continue;
      return bad("malformed row", line);
    }
    const job: QstatJob = { id: m[1] as string, state: m[5] as string, name: m[3] as string };
    if (!isSgeState(job.state))
      return { error: `qstat: unknown job state ${JSON.stringify(job.state)} of job ${job.id}` };
    // Array tasks: keep the first row's name, the state of any task still held.
    if (!jobs.has(job.id)) jobs.set(job.id, job);
    last = jobs.get(job.id) ?? null;
  }
  return jobs;
}

function bad(what: string, line: string): { error: string } {
  return { error: `qstat: ${what}, got ${JSON.stringify(line.slice(0, 300))}` };
}
