/** Which waiting jobs may be submitted now, and which can never run because a need failed. Pure. */
import type { JobRow } from "../store/job-rows.js";

export interface ReadinessInput {
  /** Latest submission per job name. */
  rows: Map<string, JobRow>;
  /** Needs per job name (from the job set). */
  needs: Map<string, readonly string[]>;
  nowIso: string;
}

export interface Readiness {
  /** Waiting jobs whose needs succeeded and whose retry time has come (or that were triggered), in name order. */
  ready: JobRow[];
  /** Waiting jobs that can never run: a need ended other than succeeded. Value: the failed need. */
  needFailed: Map<string, string>;
}

/** Splits the waiting jobs into ready, held (omitted) and need-failed. */
export function computeReadiness(input: ReadinessInput): Readiness {
  const ready: JobRow[] = [];
  const needFailed = new Map<string, string>();
  for (const row of input.rows.values()) {
    if (row.state !== "waiting") continue;
    if (row.triggered) {
      ready.push(row);
      continue;
    }
    let held = false;
    let failed: string | null = null;
    for (const need of input.needs.get(row.name) ?? []) {
      const nr = input.rows.get(need);
      if (!nr) {
        held = true;
        continue;
      }
      if (nr.state === "succeeded") continue;
      if (nr.state === "failed" || nr.state === "submit-failed") failed ??= need;
      else held = true;
    }
    if (failed !== null) needFailed.set(row.name, failed);
    else if (!held && (row.retry_at === null || row.retry_at <= input.nowIso)) ready.push(row);
  }
  ready.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ready, needFailed };
}
