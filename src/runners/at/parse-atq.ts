/**
 * Reads `atq` lines, `<job>\t<date> <queue> <user>` (at 3.2.5), e.g.
 * `5\tThu Nov 26 11:40:00 2026 = jobhost`. No jobs print nothing, hence the end line every query
 * carries (query-output.ts).
 */
import { atQueueState } from "./states.js";

/** One atq entry. */
export interface AtqJob {
  id: string;
  state: "queued" | "running";
  queue: string;
}

/** Parses atq's lines: jobs by number, or an error naming the first line that is not atq's. */
export function parseAtq(lines: readonly string[]): Map<string, AtqJob> | { error: string } {
  const jobs = new Map<string, AtqJob>();
  for (const line of lines) {
    if (line === "") continue;
    const m = /^([0-9]+)\t.+ (\S) (\S+)$/.exec(line);
    const state = m ? atQueueState(m[2] as string) : undefined;
    if (!m || state === undefined)
      return { error: `atq: malformed line ${JSON.stringify(line.slice(0, 300))}` };
    jobs.set(m[1] as string, { id: m[1] as string, state, queue: m[2] as string });
  }
  return jobs;
}
