/**
 * Slurm's batched lookup (runner.ts, `lookupsQuery`): one `squeue -t all` of the user's jobs and,
 * with accounting, one `sacct` of the user's jobs of the last 7 days, for every job of a poll whose
 * submit reply was lost. Tokens never go on the command line: each row's job name is matched to the
 * asked tokens here (`<run>.<job>.<token>`), so the query is the same for 1 job or 10,000.
 */
import type { LookupJob, LookupsQuery, ParsedLookups, QueryReply } from "../runner.js";
import { clip, isToolWarning, queryLines, shQuery } from "../common/query-output.js";
import { FoundIds, lookupAnswers, lookupable } from "../common/lookup-kit.js";
import { SQUEUE_FORMAT, parseSqueue } from "./parse-squeue.js";

/** The section marker between squeue's and sacct's output. */
const SACCT_MARK = "@@sacct";
/** The header `sacct -P -o JobID,Cluster,JobName` prints first. */
const SACCT_HEADER = "JobID|Cluster|JobName";
/** How far back sacct looks for jobs Slurm has already forgotten. */
export const LOOKUP_SACCT_SINCE = "now-7days";

/** The one query for all `jobs` (none when no job has a usable token). */
export function slurmLookupsQuery(
  jobs: readonly LookupJob[],
  cluster: string | null,
  withAccounting: boolean,
): LookupsQuery[] {
  const asked = lookupable(jobs);
  if (asked.length === 0) return [];
  const acct = withAccounting
    ? `\necho '${SACCT_MARK}'\nsacct -X -P -u "$u" -S ${LOOKUP_SACCT_SINCE} -o JobID,Cluster,JobName "$@" || exit`
    : "";
  const body = `u=$(id -un) || exit\nsqueue -u "$u" -t all -o '${SQUEUE_FORMAT}' "$@" || exit${acct}`;
  const m = cluster === null ? [] : ["-M", cluster];
  return [{ spec: shQuery(body, m), jobs: asked }];
}

/**
 * Reads the reply: a job is found when a queue row or an accounting row carries its token, not
 * found when neither does; a failed, cut or garbled reply (or a missing sacct section when
 * accounting is on) is an error that answers no job.
 */
export function parseSlurmLookups(
  r: QueryReply,
  jobs: readonly LookupJob[],
  cluster: string | null,
  withAccounting: boolean,
): ParsedLookups {
  const out = queryLines(r, "slurm lookup");
  if ("error" in out) return out;
  const cut = out.lines.indexOf(SACCT_MARK);
  if (withAccounting && cut < 0) return { error: `slurm lookup: no sacct section: ${clip(r.text)}` };
  if (!withAccounting && cut >= 0) return { error: "slurm lookup: an unexpected sacct section" };
  const queueLines = cut < 0 ? out.lines : out.lines.slice(0, cut);
  const queue = parseSqueue(queueLines, cluster === null ? [] : [cluster]);
  if ("error" in queue) return queue;
  const found = new FoundIds(jobs);
  for (const rows of queue.values())
    for (const row of rows.values()) if (/^[0-9]+$/.test(row.id)) found.noteName(row.name, row.id);
  if (cut >= 0) {
    const acct = readSacctNames(out.lines.slice(cut + 1));
    if ("error" in acct) return acct;
    for (const [id, name] of acct) found.noteName(name, id);
  }
  return lookupAnswers(jobs, found, (id) => (cluster === null ? id : `${id};${cluster}`));
}

/**
 * `[job ID, job name]` of sacct's rows (plain numeric IDs only: array tasks and het components are
 * never Drover's). The header must come first; a line without the three fields is an error.
 */
function readSacctNames(lines: readonly string[]): [string, string][] | { error: string } {
  const body = lines.filter((l) => l !== "" && !isToolWarning(l));
  if (body[0] !== SACCT_HEADER)
    return { error: `sacct: expected the header ${SACCT_HEADER}, got ${clip(body[0] ?? "nothing")}` };
  const rows: [string, string][] = [];
  for (const line of body.slice(1)) {
    const m = /^([^|]*)\|([^|]*)\|(.*)$/.exec(line);
    if (!m) return { error: `sacct: malformed row ${clip(line)}` };
    if (/^[0-9]+$/.test(m[1] as string)) rows.push([m[1] as string, m[3] as string]);
  }
  return rows;
}
