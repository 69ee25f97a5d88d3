/**
 * Checks across jobs: every need names a job of the set, none is listed twice, and the needs form
 * no cycle. Pure: returns the first problem found, in file order.
 */
import type { PathKey } from "./yaml-locator.js";

/** A problem found in the needs, with the key path of the need at fault. */
export interface NeedsProblem {
  path: PathKey[];
  message: string;
}

/** The part of a job the check reads. `needsIsList` false means `needs` was written as one string. */
export interface JobNeeds {
  name: string;
  needs: readonly string[];
  needsIsList: boolean;
}

function needPath(job: JobNeeds, index: number): PathKey[] {
  return job.needsIsList ? ["jobs", job.name, "needs", index] : ["jobs", job.name, "needs"];
}

/** Returns the first problem in the jobs' needs (file order), or null when they form a DAG. */
export function checkJobNeeds(jobs: readonly JobNeeds[]): NeedsProblem | null {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  for (const job of jobs) {
    const seen = new Set<string>();
    for (const [i, need] of job.needs.entries()) {
      if (need === job.name) return { path: needPath(job, i), message: `job ${job.name} needs itself` };
      if (!byName.has(need))
        return {
          path: needPath(job, i),
          message: `unknown need ${JSON.stringify(need)}: no job of that name`,
        };
      if (seen.has(need)) return { path: needPath(job, i), message: `need ${need} is listed twice` };
      seen.add(need);
    }
  }
  return findCycle(jobs, byName);
}

/** Iterative depth-first search (a chain of 100,000 jobs must not overflow the stack). */
function findCycle(jobs: readonly JobNeeds[], byName: Map<string, JobNeeds>): NeedsProblem | null {
  const done = new Set<string>();
  for (const root of jobs) {
    if (done.has(root.name)) continue;
    // The stack holds the current path: each job with the index of the next need to follow.
    const stack: { job: JobNeeds; next: number }[] = [{ job: root, next: 0 }];
    const onPath = new Map<string, number>([[root.name, 0]]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const need = top.job.needs[top.next];
      if (need === undefined) {
        done.add(top.job.name);
        onPath.delete(top.job.name);
        stack.pop();
        continue;
      }
      top.next++;
      if (done.has(need)) continue;
      const at = onPath.get(need);
      if (at !== undefined) {
        const cycle = stack.slice(at);
        const names = [...cycle.map((f) => f.job.name), need];
        const first = cycle[0]!;
        return { path: needPath(first.job, first.next - 1), message: `cyclic needs: ${names.join(" -> ")}` };
      }
      onPath.set(need, stack.length);
      stack.push({ job: byName.get(need)!, next: 0 });
    }
  }
  return null;
}
