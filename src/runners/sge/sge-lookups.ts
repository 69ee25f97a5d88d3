/**
 * Grid Engine's batched lookup (runner.ts, `lookupsQuery`): one `qstat -u USER -r` (full job
 * names) and one `qacct -o USER -j` (every finished job of the user, cut down on the host to the
 * record separators, job names and numbers) for all jobs of a poll whose submit reply was lost.
 * Tokens never go on the command line: names are matched to the asked tokens here.
 */
import type { LookupJob, LookupsQuery, ParsedLookups, QueryReply } from "../runner.js";
import { clip, queryLines, shQuery } from "../common/query-output.js";
import { FoundIds, lookupAnswers, lookupable } from "../common/lookup-kit.js";
import { qacctRecords } from "./parse-qacct.js";
import { parseQstat } from "./parse-qstat.js";

const QACCT_MARK = "@@qacct";

/**
 * The one query for all `jobs`. qacct's exit code follows its output as `@@rc N`; the awk keeps
 * only what the lookup reads (a record is ~40 lines) and qacct's error lines.
 */
export function sgeLookupsQuery(jobs: readonly LookupJob[]): LookupsQuery[] {
  const asked = lookupable(jobs);
  if (asked.length === 0) return [];
  const body = `u=$(id -un) || exit
qstat -u "$u" -r || exit
echo '${QACCT_MARK}'
{ qacct -o "$u" -j; echo "@@rc $?"; } | awk '/^(=|jobname |jobnumber |@@rc |error)/'`;
  return [{ spec: shQuery(body, []), jobs: asked }];
}

/**
 * Reads the reply: found in the queue (full name) or in accounting, else not found. qacct's
 * "nothing matched" or "no accounting file yet" exit is an empty history; any other failure, a cut
 * reply or a bad line is an error that answers no job.
 */
export function parseSgeLookups(r: QueryReply, jobs: readonly LookupJob[]): ParsedLookups {
  const out = queryLines(r, "sge lookup");
  if ("error" in out) return out;
  const cut = out.lines.indexOf(QACCT_MARK);
  const rc = /^@@rc ([0-9]+)$/.exec(out.lines[out.lines.length - 1] ?? "");
  if (cut < 0 || !rc || out.lines.length - 1 <= cut)
    return { error: `sge lookup: unexpected reply ${clip(r.text)}` };
  const queue = parseQstat(out.lines.slice(0, cut));
  if ("error" in queue) return queue;
  const found = new FoundIds(jobs);
  for (const job of queue.values()) found.noteName(job.name, job.id);
  const acct = out.lines.slice(cut + 1, -1);
  if (rc[1] !== "0") {
    // qacct exits 1 when it has no record at all for the user, or no accounting file yet.
    if (!/not found|unable to open|no such file/i.test(acct.join(" ")))
      return { error: `qacct failed (rc=${rc[1]}): ${clip(acct.join("\n"))}` };
    return lookupAnswers(jobs, found);
  }
  const recs = qacctRecords(acct);
  if ("error" in recs) return recs;
  for (const rec of recs) {
    const id = rec.get("jobnumber");
    const name = rec.get("jobname");
    // A separator with no fields is qacct's summary table (an owner with no jobs): no record.
    if (id === undefined && name === undefined) continue;
    if (id === undefined || !/^[0-9]{1,12}$/.test(id) || name === undefined)
      return { error: `qacct: a record without a job number and name: ${clip(id ?? name ?? "")}` };
    found.noteName(name, id);
  }
  return lookupAnswers(jobs, found);
}
