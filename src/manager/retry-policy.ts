/** Whether and when a job that ended badly gets a new submission. Pure. */
import type { JobRow } from "../store/job-rows.js";
import type { JobSpec } from "../config/index.js";

export interface RetryDelays {
  submission: readonly number[];
  execution: readonly number[];
}

/** A new submission to create, or null when the job is final. */
export interface RetryPlan {
  try: number;
  submitFails: number;
  retryAtMs: number;
  why: string;
}

/** After an execution failure: the next try, unless retries are spent or Drover killed it. */
export function planExecutionRetry(
  row: JobRow,
  reason: string,
  delays: RetryDelays,
  nowMs: number,
): RetryPlan | null {
  // A killed job never retries automatically; a need-failed job never ran.
  if (reason === "killed" || reason.startsWith("need-failed")) return null;
  const used = row.try - 1;
  if (used >= delays.execution.length) return null;
  const delay = delays.execution[used] as number;
  return {
    try: row.try + 1,
    submitFails: 0,
    retryAtMs: nowMs + delay * 1000,
    why: `execution retry ${used + 1}/${delays.execution.length} in ${delay}s`,
  };
}

/**
 * After a submission failure. `safeToRetry` with nothing handed to the runner (a crash before the
 * runner call) resubmits at once without spending a retry: the job was never submitted.
 */
export function planSubmissionRetry(
  row: JobRow,
  notSubmitted: boolean,
  delays: RetryDelays,
  nowMs: number,
): RetryPlan | null {
  if (row.kill_requested) return null;
  if (notSubmitted)
    return {
      try: row.try,
      submitFails: row.submit_fails,
      retryAtMs: nowMs,
      why: "never reached the runner: submitting again",
    };
  const used = row.submit_fails;
  if (used >= delays.submission.length) return null;
  const delay = delays.submission[used] as number;
  return {
    try: row.try,
    submitFails: used + 1,
    retryAtMs: nowMs + delay * 1000,
    why: `submission retry ${used + 1}/${delays.submission.length} in ${delay}s`,
  };
}

/** A job's retry delays: the lists it gave itself, else its platform's defaults. */
export function effectiveRetries(
  spec: Pick<JobSpec, "retries" | "retriesGiven">,
  platform: RetryDelays | undefined,
): RetryDelays {
  return {
    submission: spec.retriesGiven.submission || !platform ? spec.retries.submission : platform.submission,
    execution: spec.retriesGiven.execution || !platform ? spec.retries.execution : platform.execution,
  };
}
