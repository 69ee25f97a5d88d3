/** When a live job is polled next: pure arithmetic over the platform's interval lists. */
import type { JobState } from "../job/model.js";
import type { PollingSchedule } from "./platform.js";

/** The `n`th value of a list whose last value repeats. */
export function nthDelay(list: readonly number[], n: number): number {
  if (list.length === 0) return 60;
  return list[Math.min(n, list.length - 1)] as number;
}

export interface PollTiming {
  state: JobState;
  /** Polls done since the job's last state change. */
  pollCount: number;
  nowMs: number;
  /** When the job started (running), ms. */
  startedMs: number | null;
  timeLimitS: number | null;
}

/** The time (ms) of the next poll of a live job. */
export function nextPollMs(s: PollingSchedule, t: PollTiming): number {
  if (t.state === "running" && t.startedMs !== null && t.timeLimitS !== null) {
    const limitMs = t.startedMs + t.timeLimitS * 1000;
    if (t.nowMs >= limitMs) return t.nowMs + nthDelay(s.timeLimit, t.pollCount) * 1000;
    const regular = t.nowMs + nthDelay(s.execution, t.pollCount) * 1000;
    // Time-limit polls start at the limit.
    return Math.min(regular, limitMs + nthDelay(s.timeLimit, 0) * 1000);
  }
  const list = t.state === "running" ? s.execution : s.submission;
  return t.nowMs + nthDelay(list, t.pollCount) * 1000;
}
