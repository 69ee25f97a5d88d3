/**
 * Writes what happened to a submission: state moves checked against the transition table, final
 * reasons with evidence, and the next submission when a retry is due. Call inside a transaction.
 */
import { formatReason, type JobState, type Reason } from "../job/model.js";
import type { Verdict } from "../job/verdict-input.js";
import { applyVerdict, canMove } from "../job/transitions.js";
import { insertJobRow, updateJobRow, type JobRow, type JobRowChanges } from "../store/job-rows.js";
import { emit, jobKey, nowIso, type RunContext } from "./run-context.js";
import { logsWanted } from "./logs-round.js";
import { effectiveRetries, planExecutionRetry, planSubmissionRetry, type RetryPlan } from "./retry-policy.js";

/** Moves a submission to `to` with extra column changes, and records the event. */
export function moveJob(
  ctx: RunContext,
  row: JobRow,
  to: JobState,
  changes: JobRowChanges,
  text: string,
  detail?: unknown,
): void {
  // Every move goes through the one transition table; anything else is a bug, not a state.
  if (row.state !== to && !canMove(row.state, to))
    throw new Error(`internal: ${row.name} cannot move ${row.state} -> ${to}`);
  // A job that ended on a remote platform has logs to bring home.
  const logs =
    (to === "succeeded" || to === "failed") && row.submitted_at !== null && logsWanted(ctx, row.platform);
  if (logs) changes = { ...changes, logs_state: "pending", logs_retry_at: null };
  updateJobRow(ctx.db, row.name, row.submit_num, { ...changes, state: to, poll_count: 0 });
  const head = row.state === to ? to : `${row.state} -> ${to}`;
  emit(ctx, {
    job: row.name,
    submitNum: row.submit_num,
    kind: "state",
    text: `${jobKey(row.name, row.submit_num)} ${head}${text ? `: ${text}` : ""}`,
    detail,
  });
  Object.assign(row, changes, { state: to, poll_count: 0 });
}

/** Ends a submission as failed or submit-failed and plans its retry. */
export function endJob(
  ctx: RunContext,
  row: JobRow,
  to: "failed" | "submit-failed",
  reason: Reason,
  extra: Omit<JobRowChanges, "evidence"> & { evidence?: string[]; notSubmitted?: boolean },
): void {
  const { evidence, notSubmitted, ...changes } = extra;
  const text = formatReason(reason);
  moveJob(
    ctx,
    row,
    to,
    { ...changes, reason: text, evidence: JSON.stringify(evidence ?? []), ended_at: nowIso(ctx) },
    text,
    evidence,
  );
  const spec = ctx.specs.get(row.name);
  if (!spec) return;
  const now = ctx.clock.now();
  const delays = effectiveRetries(spec, ctx.platforms.get(row.platform)?.retryDelays);
  const plan =
    to === "failed"
      ? planExecutionRetry(row, text, delays, now)
      : planSubmissionRetry(row, notSubmitted ?? false, delays, now);
  if (plan) addRetry(ctx, row, plan);
}

/** Creates the next submission of a job, waiting until the plan's time. */
export function addRetry(ctx: RunContext, row: JobRow, plan: RetryPlan): void {
  const next = row.submit_num + 1;
  insertJobRow(ctx.db, {
    name: row.name,
    submit_num: next,
    try: plan.try,
    platform: row.platform,
    runner: row.runner,
    submit_fails: plan.submitFails,
    retry_at: new Date(plan.retryAtMs).toISOString(),
    created_at: nowIso(ctx),
  });
  emit(ctx, {
    job: row.name,
    submitNum: next,
    kind: "retry",
    text: `${jobKey(row.name, next)} waiting: ${plan.why}`,
  });
}

/** Facts read from the status file beside the verdict. */
export interface SeenFacts {
  /** Time of the last INIT line. */
  startedAt: string | null;
  /** Run count of the last INIT line (0 when it never started). */
  runCount: number;
  /** DROVER_JOB_SUBMIT_TIME. */
  submitTime: string | null;
}

/** How far a job host's clock may be off before its times are not believed (NTP keeps real ones far closer). */
export const HOST_CLOCK_SLACK_MS = 5 * 60_000;

/**
 * A time the job host wrote (its clock), or null when that clock is plainly off: later than Drover's
 * now or earlier than the submission Drover recorded, past the slack. A skewed host must not make a
 * job start in the future, end before it started, or skip its time-limit polls; Drover's own time
 * of seeing it stands in.
 */
export function plausibleHostTime(ctx: RunContext, row: JobRow, hostTime: string | null): string | null {
  if (hostTime === null) return null;
  const t = Date.parse(hostTime);
  const floor = row.submitted_at === null ? -Infinity : Date.parse(row.submitted_at) - HOST_CLOCK_SLACK_MS;
  if (!Number.isFinite(t) || t > ctx.clock.now() + HOST_CLOCK_SLACK_MS || t < floor) return null;
  return hostTime;
}

/** Records a verdict on a live submission. Returns false when it was not a move (ignored or no change). */
export function recordVerdict(
  ctx: RunContext,
  row: JobRow,
  v: Verdict,
  seen: SeenFacts,
  runnerRefused = false,
): boolean {
  const startedAt = plausibleHostTime(ctx, row, seen.startedAt);
  // What the status file tells whatever the verdict: submit time (a recovered job) and run count.
  const facts: JobRowChanges = {};
  if (row.submitted_at === null && seen.submitTime) facts.submitted_at = seen.submitTime;
  if (seen.runCount > row.run_count) facts.run_count = seen.runCount;
  const before = row.run_count;
  if (Object.keys(facts).length > 0) {
    updateJobRow(ctx.db, row.name, row.submit_num, facts);
    Object.assign(row, facts);
  }
  if (v.kind === "no-change") return false;
  const move = applyVerdict(row.state, v);
  if ("ignored" in move) {
    emit(ctx, {
      job: row.name,
      submitNum: row.submit_num,
      kind: "ignored",
      text: `${jobKey(row.name, row.submit_num)} ${row.state}: report ignored (${move.why})`,
      detail: v.evidence,
    });
    return false;
  }
  const evidence = JSON.stringify(v.evidence);
  switch (v.kind) {
    case "submitted":
      if (move.to === row.state && (v.jobId === null || v.jobId === row.runner_job_id)) return false;
      moveJob(
        ctx,
        row,
        move.to,
        { runner_job_id: v.jobId ?? row.runner_job_id, evidence, unlisted_since: null },
        v.jobId ? `job ID ${v.jobId}` : "",
        v.evidence,
      );
      return true;
    case "running":
      if (move.to === row.state && v.runCount <= before) return false;
      moveJob(
        ctx,
        row,
        move.to,
        {
          run_count: Math.max(v.runCount, row.run_count),
          started_at: startedAt ?? row.started_at ?? nowIso(ctx),
          runner_job_id: v.jobId ?? row.runner_job_id,
          evidence,
          unlisted_since: null,
        },
        v.runCount > 1 ? `run ${v.runCount}` : "",
        v.evidence,
      );
      return true;
    case "succeeded":
      moveJob(
        ctx,
        row,
        "succeeded",
        {
          reason: "succeeded",
          exit_code: 0,
          evidence,
          ended_at: nowIso(ctx),
          started_at: row.started_at ?? startedAt,
        },
        "",
        v.evidence,
      );
      return true;
    case "failed":
      endJob(ctx, row, "failed", v.reason, {
        exit_code: v.exitCode,
        signal: v.signal,
        evidence: v.evidence,
        started_at: row.started_at ?? startedAt,
      });
      return true;
    case "submit-failed":
      // Free resubmission only when the runner was never called; a refusal spends a retry.
      endJob(ctx, row, "submit-failed", v.reason, {
        evidence: v.evidence,
        notSubmitted: v.safeToRetry && !runnerRefused,
      });
      return true;
  }
}
