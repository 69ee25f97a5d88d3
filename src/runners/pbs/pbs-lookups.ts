/**
 * PBS's batched lookup (runner.ts, `lookupsQuery`): qselect cannot list names, only select by one
 * exact name, so one `sh -c` asks `qselect [-x] -N NAME` for every job's runner name in turn,
 * each answer framed by `@@name NAME`; names are arguments, so jobs are split into argv-sized
 * chunks (one query each, usually one). A query that fails part-way answers no job.
 */
import type { LookupJob, LookupsQuery, ParsedLookups, QueryReply } from "../runner.js";
import { clip, queryLines, shQuery } from "../common/query-output.js";
import { chunkLookups, lookupable } from "../common/lookup-kit.js";
import type { LookupAnswer } from "../../job/verdict-input.js";
import type { RunnerData } from "../../remote/batch-types.js";

/** The lookup queries for `jobs`; `nameOf` gives each job's runner job name. */
export function pbsLookupsQuery(
  jobs: readonly LookupJob[],
  nameOf: (j: LookupJob) => string,
  history: boolean,
  budget?: number,
): LookupsQuery[] {
  const x = history ? " -x" : "";
  const body = `for n; do echo "@@name $n"; qselect${x} -N "$n" || exit; done`;
  return chunkLookups(lookupable(jobs), (j) => [nameOf(j)], budget).map((chunk) => ({
    spec: shQuery(body, chunk.map(nameOf)),
    jobs: chunk,
  }));
}

/**
 * Reads the reply: every asked name needs its section; a section's first ID is the job, none is
 * not found. A cut reply, a missing section or a line that is not a PBS job ID is an error.
 */
export function parsePbsLookups(
  r: QueryReply,
  jobs: readonly LookupJob[],
  nameOf: (j: LookupJob) => string,
  isId: (id: string) => boolean,
): ParsedLookups {
  const out = queryLines(r, "pbs lookup");
  if ("error" in out) return out;
  const ids = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of out.lines) {
    const name = /^@@name (.+)$/.exec(line);
    if (name) {
      cur = [];
      ids.set(name[1] as string, cur);
      continue;
    }
    const id = line.trim();
    if (id === "") continue;
    if (cur === null || !isId(id)) return { error: `pbs lookup: unexpected line ${clip(line)}` };
    cur.push(id);
  }
  const answers = new Map<string, { answer: LookupAnswer; runnerData: RunnerData }>();
  for (const j of lookupable(jobs)) {
    const got = ids.get(nameOf(j));
    if (got === undefined) return { error: `pbs lookup: no answer for ${clip(nameOf(j))}` };
    const first = got[0];
    answers.set(j.key, {
      answer: first === undefined ? { kind: "not-found" } : { kind: "found", jobId: first },
      runnerData: {},
    });
  }
  return answers;
}
