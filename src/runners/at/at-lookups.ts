/**
 * at's batched lookup (runner.ts, `lookupsQuery`): one `atq`, then one `at -c` per queued at job,
 * each printing only the launcher's token line, for every job of a poll whose submit reply was
 * lost; tokens are matched here. An at job that atq listed but `at -c` could no longer read (it
 * ended in between) might have been one of ours: then no job is answered "not found" this round.
 */
import type { LookupJob, LookupsQuery, ParsedLookups, QueryReply } from "../runner.js";
import { clip, queryLines, shQuery } from "../common/query-output.js";
import { FoundIds, lookupAnswers, lookupable } from "../common/lookup-kit.js";
import { tokenLine } from "./launcher.js";
import { AT_ID } from "./states.js";

/** The token line's text before the token (launcher.ts). */
const PREFIX = tokenLine("");

/**
 * The one query for all `jobs`: `@@job N TOKEN` per queued at job (`-` without a token line),
 * `@@unread N` when `at -c` failed.
 */
export function atLookupsQuery(jobs: readonly LookupJob[]): LookupsQuery[] {
  const asked = lookupable(jobs);
  if (asked.length === 0) return [];
  const body = `set -f
l=$(atq) || exit
for n in $(printf '%s\\n' "$l" | awk '{ print $1 }'); do
  case $n in ''|*[!0-9]*) echo "@@bad $n"; continue;; esac
  if c=$(at -c "$n" 2>/dev/null); then
    t=$(printf '%s\n' "$c" | awk -v p="$1" 'index($0, p) == 1 { print substr($0, length(p) + 1); exit }')
    echo "@@job $n \${t:--}"
  else echo "@@unread $n"; fi
done`;
  return [{ spec: shQuery(body, [PREFIX]), jobs: asked }];
}

/**
 * Reads the reply: found when an at job's token line names the job's token; not found only when
 * every at job atq listed was read. A cut reply or a stray line is an error.
 */
export function parseAtLookups(r: QueryReply, jobs: readonly LookupJob[]): ParsedLookups {
  const out = queryLines(r, "at lookup");
  if ("error" in out) return out;
  const found = new FoundIds(jobs);
  let unread = false;
  for (const line of out.lines) {
    const job = /^@@job ([0-9]+) (.*)$/.exec(line);
    if (job && AT_ID.test(job[1] as string)) found.noteToken(job[2] as string, job[1] as string);
    else if (/^@@unread [0-9]+$/.test(line)) unread = true;
    else return { error: `at lookup: unexpected line ${clip(line)}` };
  }
  const answers = lookupAnswers(jobs, found);
  if (!unread || !(answers instanceof Map)) return answers;
  // An unread at job may have been the missing one: keep only what was found.
  for (const [key, a] of answers) if (a.answer.kind === "not-found") answers.delete(key);
  return answers;
}
