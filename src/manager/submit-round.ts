/**
 * Submission: the pre-submit write (state submitting, token, batch id; synchronous=FULL) before any
 * call, one batch program per host and chunk, and the reply recorded in one transaction per batch.
 */
import { randomBytes } from "node:crypto";
import { generateJobScript } from "../script/job-script.js";
import { submitBatch } from "../remote/batches.js";
import type { BatchResultBase, SubmitBatchResult, SubmitJob } from "../remote/batch-types.js";
import { insertBatch, endBatch } from "../store/batches.js";
import type { JobRow } from "../store/job-rows.js";
import { emitCommand, jobKey, nowIso, type RunContext } from "./run-context.js";
import { endJob, moveJob } from "./record-verdict.js";
import { jobLogRel } from "./run-paths.js";
import { hostRunDir } from "./platform.js";
import { jobDirectives } from "./job-directives.js";
import { noteHostResult } from "./host-failures.js";
import { nextPollMs } from "./poll-schedule.js";
import type { Platform } from "./platform.js";
import { capText } from "../store/events.js";

/** A fresh id for a batch: sortable time plus randomness. */
export function newBatchId(nowMs: number): string {
  return `${new Date(nowMs).toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
}

/** Builds the job script and batch entry of one submission. */
function prepareJob(ctx: RunContext, platform: Platform, row: JobRow, runDir: string): SubmitJob {
  const spec = ctx.specs.get(row.name);
  if (!spec) throw new Error(`job ${row.name} is not in the job set`);
  const logDir = jobLogRel(row.name, row.submit_num);
  const token = randomBytes(12).toString("hex");
  const script = generateJobScript({
    runName: ctx.runName,
    runDir,
    jobName: row.name,
    submitNum: row.submit_num,
    tryNum: row.try,
    logDir,
    script: spec.script,
    env: spec.env,
    envExpand: spec.envExpand,
    directives: jobDirectives({ runName: ctx.runName, platform, spec, token, runDir, logDir }),
    failSignals: platform.failSignals,
    vacationSignals: platform.vacationSignals,
  });
  return { key: jobKey(row.name, row.submit_num), logDir, script, token, timeLimitS: spec.timeLimitS };
}

/**
 * Submits `rows` (all of one platform and host) in one batch. With `notStarted` (the host refused
 * the install program before it started) nothing is sent: the batch ends as that program did.
 */
export async function submitChunk(
  ctx: RunContext,
  platform: Platform,
  host: string,
  rows: JobRow[],
  notStarted: BatchResultBase | null = null,
): Promise<void> {
  const runDir = hostRunDir(platform, ctx.runName, ctx.runDir);
  const batchId = newBatchId(ctx.clock.now());
  const jobs = rows.map((r) => prepareJob(ctx, platform, r, runDir));
  ctx.db.transaction(() => {
    insertBatch(ctx.db, {
      id: batchId,
      kind: "submit",
      platform: platform.name,
      host,
      started_at: nowIso(ctx),
      state: "sent",
    });
    rows.forEach((row, i) => {
      const job = jobs[i] as SubmitJob;
      moveJob(
        ctx,
        row,
        "submitting",
        {
          token: job.token,
          batch_id: batchId,
          host,
          platform: platform.name,
          runner: platform.runner,
          triggered: 0,
          retry_at: null,
        },
        `batch ${batchId}`,
      );
    });
  })();
  let res: SubmitBatchResult;
  try {
    res = notStarted
      ? { ...notStarted, started: false, completed: false, outcomes: new Map() }
      : await submitBatch(platform.transport, {
          runDir,
          runner: platform.runnerKey,
          host,
          timeoutMs: platform.batchTimeoutS * 1000,
          batchId,
          jobs,
        });
  } catch (err) {
    // The request could not even be built (nothing was sent): left submitting, each job would be
    // judged "never reached the runner" and resubmitted for free, for ever. End it, spending a retry.
    ctx.db.transaction(() => recordUnsent(ctx, batchId, rows, err))();
    throw err;
  }
  ctx.db.transaction(() => recordSubmitReply(ctx, platform, batchId, rows, res))();
}

/** Ends the jobs of a batch that was never sent because building it failed. */
function recordUnsent(ctx: RunContext, batchId: string, rows: JobRow[], err: unknown): void {
  const msg = capText(err instanceof Error ? err.message : String(err), 1000);
  for (const row of rows) {
    endJob(
      ctx,
      row,
      "submit-failed",
      { kind: "submit-failed", detail: `batch not sent: ${msg}` },
      { evidence: [`batch not sent: ${msg}`], notSubmitted: false },
    );
  }
  endBatch(ctx.db, batchId, "not-started", nowIso(ctx), msg);
}

function recordSubmitReply(
  ctx: RunContext,
  platform: Platform,
  batchId: string,
  rows: JobRow[],
  res: SubmitBatchResult,
): void {
  const now = ctx.clock.now();
  const r = res.result;
  emitCommand(ctx, `submit batch ${batchId}`, rows.length, r, res.error, true);
  const failure = noteHostResult(ctx, platform, r.host, r, res.started);
  // A host that could not be reached (or must be reconnected) is no fault of the jobs.
  const waitForHost =
    !res.started && res.missingTools.length === 0 && failure !== null && failure.kind !== "auth-failed";
  for (const row of rows) {
    const key = jobKey(row.name, row.submit_num);
    const o = res.outcomes.get(key);
    if (o && o.rc === 0 && o.jobId) {
      moveJob(
        ctx,
        row,
        "submitted",
        {
          runner_job_id: o.jobId,
          runner_data: JSON.stringify(o.runnerData),
          submitted_at: o.submitTime,
          next_poll_at: new Date(
            nextPollMs(platform.polling, {
              state: "submitted",
              pollCount: 0,
              nowMs: now,
              startedMs: null,
              timeLimitS: null,
            }),
          ).toISOString(),
        },
        `job ID ${o.jobId}`,
      );
    } else if (o) {
      const out = o.output.trim().split("\n")[0] ?? "";
      endJob(
        ctx,
        row,
        "submit-failed",
        { kind: "submit-failed", detail: `rc=${o.rc}${out ? `: ${out}` : ""}` },
        { evidence: [`runner exit ${o.rc}`, capText(o.output, 1000)] },
      );
    } else if (res.started) {
      // The program ran but its answer for this job was lost: reconcile from the journal.
      moveJob(
        ctx,
        row,
        "uncertain",
        { next_poll_at: new Date(now).toISOString() },
        res.error ?? "no reply for this job",
      );
    } else if (waitForHost) {
      // Nothing reached the host: the job waits for a good one (maybe another host).
      moveJob(
        ctx,
        row,
        "waiting",
        { token: null, batch_id: null, host: null },
        res.error ?? "batch not started",
      );
    } else {
      endJob(
        ctx,
        row,
        "submit-failed",
        { kind: "submit-failed", detail: `batch not started: ${res.error ?? "no start marker"}` },
        { evidence: [res.error ?? "no start marker"], notSubmitted: false },
      );
    }
  }
  endBatch(
    ctx.db,
    batchId,
    res.completed ? "done" : res.started ? "cut" : "not-started",
    new Date(now).toISOString(),
    res.error,
  );
}
