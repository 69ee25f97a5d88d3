/**
 * LSF's batched lookup (runner.ts, `lookupsQuery`): one `bjobs -a -json -o "jobid stat job_name"`
 * lists the user's jobs (unfinished, and finished within CLEAN_PERIOD), and every job of a poll
 * whose submit reply was lost is matched by the token at the end of its name here. Tokens never go
 * on the command line. "No job found" (the user has none) is an empty list.
 */
import type { LookupJob, LookupsQuery, ParsedLookups, QueryReply } from "../runner.js";
import { clip } from "../common/batch-common.js";
import { FoundIds, lookupAnswers, lookupable } from "../common/lookup-kit.js";
import { parseBjobsJson } from "./parse-bjobs.js";

/** bjobs' words when the user has no job at all (stderr; constructed from LSF's documented message). */
const NO_JOBS = /^No (unfinished )?job found\.?$/;

/** The one query for all `jobs`. */
export function lsfLookupsQuery(jobs: readonly LookupJob[]): LookupsQuery[] {
  const asked = lookupable(jobs);
  if (asked.length === 0) return [];
  return [
    {
      spec: { argv: ["bjobs", "-a", "-json", "-o", "jobid stat job_name"], stdin: "/dev/null" },
      jobs: asked,
    },
  ];
}

/**
 * Reads the reply: found when a record's name carries the job's token, else not found. A failed
 * call (other than "No job found"), cut or invalid JSON or a stray line is an error.
 */
export function parseLsfLookups(r: QueryReply, jobs: readonly LookupJob[]): ParsedLookups {
  if (r.rc < 0) return { error: `bjobs did not finish (rc=${r.rc})` };
  const lines = r.text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length > 0 && lines.every((l) => NO_JOBS.test(l.trim())) && r.text.endsWith("\n"))
    return lookupAnswers(jobs, new FoundIds(jobs));
  const parsed = parseBjobsJson(r.text);
  if ("error" in parsed) return parsed;
  if (r.rc !== 0) return { error: `bjobs failed (rc=${r.rc}): ${clip(r.text)}` };
  // Only a whole document counts as the list (no JSON at all is not an empty queue).
  if (!/^\s*\{/m.test(r.text)) return { error: `bjobs printed no job list: ${clip(r.text)}` };
  const found = new FoundIds(jobs);
  for (const rec of parsed.records.values()) found.noteName(rec.jobName, rec.id);
  return lookupAnswers(jobs, found);
}
