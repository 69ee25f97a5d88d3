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
    if (t.nowMs >= limitMs) return afterLimitMs(s.timeLimit, limitMs, t.nowMs);
    const regular = t.nowMs + nthDelay(s.execution, t.pollCount) * 1000;
    // Time-limit polls start at the limit.
    return Math.min(regular, limitMs + nthDelay(s.timeLimit, 0) * 1000);
  }
  const list = t.state === "running" ? s.execution : s.submission;
  return t.nowMs + nthDelay(list, t.pollCount) * 1000;
}

/**
 * After the limit, polls fall at the limit plus the running sums of the list (the last value
 * repeating): counted from the limit itself, whatever happened before it.
 */
function afterLimitMs(list: readonly number[], limitMs: number, nowMs: number): number {
  let at = limitMs;
  for (let i = 0; ; i++) {
    at += Math.max(0.05, nthDelay(list, i)) * 1000;
    if (at > nowMs) return at;
    if (i >= list.length) {
      const step = Math.max(0.05, nthDelay(list, i)) * 1000;
      return at + Math.ceil((nowMs - at + 1) / step) * step;
    }
  }
}
