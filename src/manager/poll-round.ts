/**
 * Polling: one batch per host and chunk reads status files, the runner's answer, journals and
 * lookups; the verdict function decides each job; the results are recorded in one transaction.
 */
import { pollBatch } from "../remote/batches.js";
import type { PollJob, RunnerData } from "../remote/batch-types.js";
import type { PollBatchOutcome } from "../remote/batches.js";
import { parseStatusFile } from "../script/status-file.js";
import { decideVerdict } from "../job/verdict.js";
import type { VerdictInput } from "../job/verdict-input.js";
import { getRunner } from "../runners/registry.js";
import { updateJobRow, type JobRow } from "../store/job-rows.js";
import { emit, emitCommand, jobKey, nowIso, type RunContext } from "./run-context.js";
import { recordVerdict } from "./record-verdict.js";
import { recordMessages } from "./record-messages.js";
import { jobLogRel } from "./run-paths.js";
import { hostRunDir } from "./platform.js";
import { noteHostResult } from "./host-failures.js";
import { nextPollMs } from "./poll-schedule.js";
import type { Platform } from "./platform.js";
import { launchedProcess } from "../runners/at/launcher.js";
import { applyVerdict } from "../job/transitions.js";
import { repollAfterRefusedReport } from "./poll-refused.js";

/** How long past the grace an unlisted job waits for the runner's accounting before its verdict. */
export const ACCOUNTING_WAIT_MS = 120_000;

/** Parses a row's stored runner data, tolerating damage. */
export function runnerData(row: JobRow): RunnerData {
  try {
    const v = JSON.parse(row.runner_data) as unknown;
    return v && typeof v === "object" ? (v as RunnerData) : {};
  } catch {
    return {};
  }
}

function pollJob(row: JobRow): PollJob {
  const unsure = row.state === "submitting" || row.state === "uncertain";
  return {
    key: jobKey(row.name, row.submit_num),
    logDir: jobLogRel(row.name, row.submit_num),
    jobId: row.runner_job_id,
    runnerData: runnerData(row),
    batchId: unsure ? row.batch_id : null,
    lookup: unsure,
    token: row.token,
    // A job gone from the queue: ask accounting too (where the runner has it).
    accounting: row.unlisted_since !== null,
  };
}

/** How one poll batch went, for the host's pacing. */
export interface PollChunkResult {
  /** How long the batch call took (the runner query included). */
  durationMs: number;
  /** No trustworthy reply, or the runner query failed. */
  failed: boolean;
}

/** Polls `rows` (all of one platform and host) in one batch and records every verdict. */
export async function pollChunk(
  ctx: RunContext,
  platform: Platform,
  host: string,
  rows: JobRow[],
): Promise<PollChunkResult> {
  const t0 = performance.now();
  const res = await pollBatch(platform.transport, {
    runDir: hostRunDir(platform, ctx.runName, ctx.runDir),
    runner: platform.runnerKey,
    runName: ctx.runName,
    host,
    timeoutMs: platform.batchTimeoutS * 1000,
    jobs: rows.map(pollJob),
  });
  // The whole batch (runner query, accounting, status files): res.result times only its last call.
  const durationMs = Math.max(res.result.durationMs, Math.round(performance.now() - t0));
  ctx.db.transaction(() => recordPollReply(ctx, platform, rows, res, durationMs))();
  return { durationMs, failed: !res.completed || res.queryError !== null };
}

function recordPollReply(
  ctx: RunContext,
  platform: Platform,
  rows: JobRow[],
  res: PollBatchOutcome,
  durationMs: number,
): void {
  const now = ctx.clock.now();
  // The audit trail times the whole poll batch, runner query included (what the host's pacing reads).
  const r = { ...res.result, durationMs };
  const failed = !res.completed || res.queryError !== null;
  // The audit trail: every command with host, argv, duration and exit; output only when it failed.
  emitCommand(ctx, "poll batch", rows.length, r, null, failed);
  noteHostResult(ctx, platform, r.host, r, res.started);
  if (failed) {
    emit(ctx, {
      kind: "poll-error",
      text: `poll of ${rows.length} jobs on ${r.host} failed: ${res.error ?? res.queryError ?? "no reply"}`,
      // Named for `status --why`: the jobs of this host and platform live at that time were not judged.
      detail: { host: r.host, platform: platform.name },
    });
  }
  if (!res.completed) {
    // Nothing trustworthy came back: try again later, no job changes.
    for (const row of rows) scheduleNext(ctx, platform, row, now, true);
    return;
  }
  const runner = getRunner(platform.runnerKey);
  for (const row of rows) {
    const key = jobKey(row.name, row.submit_num);
    const text = res.status.get(key) ?? null;
    const status = text === null ? null : parseStatusFile(text);
    if (status) recordMessages(ctx, row, status.messages);
    const queue = res.queue.get(key) ?? { kind: "unknown" as const };
    const graceMs = platform.unlistedGraceS * 1000;
    const unlistedSince = row.unlisted_since ? Date.parse(row.unlisted_since) : null;
    const input: VerdictInput = {
      state: row.state,
      status,
      queryError: res.queryError,
      queue,
      accounting: res.accounting?.get(key) ?? null,
      killRequested: row.kill_requested === 1,
      journal: res.journals.get(key) ?? null,
      lookup: res.lookups.get(key) ?? null,
      graceExpired: unlistedSince !== null && now - unlistedSince >= graceMs,
      jobId: row.runner_job_id,
      hostBound: runner.capabilities.hostBound,
      // Accounting that never answers (not written, purged) must not hold a verdict for ever.
      hasAccounting:
        runner.capabilities.accounting &&
        (unlistedSince === null || now - unlistedSince < graceMs + ACCOUNTING_WAIT_MS),
    };
    const v = decideVerdict(input);
    const found = res.recovered.get(key);
    if (found && (row.state === "submitting" || row.state === "uncertain")) {
      // A job ID recovered from the journal or a lookup comes with its guard data (start time, boot).
      updateJobRow(ctx.db, row.name, row.submit_num, { runner_data: JSON.stringify(found) });
      row.runner_data = JSON.stringify(found);
    }
    if (text !== null) noteLaunchedProcess(ctx, row, text);
    const lastInit = status?.inits.at(-1) ?? null;
    const seen = {
      startedAt: lastInit?.time ?? null,
      runCount: lastInit?.runCount ?? 0,
      submitTime: status?.submitTime ?? null,
    };
    const refused = input.journal?.kind === "line" && input.journal.rc !== 0;
    // A report the transition table refuses is ignored by recordVerdict; the job is asked again.
    const move = applyVerdict(row.state, v);
    const moved = recordVerdict(ctx, row, v, seen, refused);
    let repollAt: number | null = null;
    if ("ignored" in move) repollAt = repollAfterRefusedReport(ctx, row, `poll verdict ${v.kind}`, move.why);
    if (
      !moved &&
      v.kind === "no-change" &&
      (v.needs === "grace" || v.needs === "batch" || v.needs === "accounting") &&
      row.unlisted_since === null
    ) {
      updateJobRow(ctx.db, row.name, row.submit_num, { unlisted_since: nowIso(ctx) });
      row.unlisted_since = nowIso(ctx);
    }
    if (row.state !== "succeeded" && row.state !== "failed" && row.state !== "submit-failed") {
      const soon =
        v.kind === "no-change" && (v.needs === "grace" || v.needs === "batch" || v.needs === "accounting");
      const soonMs = repollAt !== null ? Math.max(0, repollAt - now) : soon ? Math.min(graceMs, 1000) : null;
      scheduleNext(ctx, platform, row, now, false, soonMs);
    }
  }
}

/**
 * Copies the process a launcher recorded in the status file (the at runner's DROVER_JOB_PROCESS
 * line) into the job's runner data: later polls and kills are guarded by it.
 */
function noteLaunchedProcess(ctx: RunContext, row: JobRow, text: string): void {
  const p = launchedProcess(text);
  if (p === null) return;
  const data = runnerData(row);
  if (data.pid === p.pid && data.start === p.start && data.boot === p.boot) return;
  const next = JSON.stringify({ ...data, ...p });
  updateJobRow(ctx.db, row.name, row.submit_num, { runner_data: next });
  row.runner_data = next;
}

/** Sets the next poll time of a live job from the platform's schedule. */
function scheduleNext(
  ctx: RunContext,
  platform: Platform,
  row: JobRow,
  now: number,
  failed: boolean,
  soonMs: number | null = null,
): void {
  const spec = ctx.specs.get(row.name);
  let at = nextPollMs(platform.polling, {
    state: row.state,
    pollCount: row.poll_count,
    nowMs: now,
    startedMs: row.started_at ? Date.parse(row.started_at) : null,
    timeLimitS: spec?.timeLimitS ?? null,
  });
  if (soonMs !== null) at = Math.min(at, now + soonMs);
  // A failed poll backs off: twice the interval, at most a minute.
  if (failed) at = now + Math.min(60_000, 2 * (at - now) + 1000 * row.poll_count);
  updateJobRow(ctx.db, row.name, row.submit_num, {
    next_poll_at: new Date(at).toISOString(),
    poll_count: row.poll_count + 1,
  });
}
