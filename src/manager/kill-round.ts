/** Killing: one kill batch per host and chunk for jobs Drover was asked to kill. */
import { killBatch } from "../remote/batches.js";
import type { KillBatchResult } from "../remote/batch-types.js";
import { updateJobRow, type JobRow } from "../store/job-rows.js";
import { emit, emitCommand, jobKey, nowIso, type RunContext } from "./run-context.js";
import { jobLogRel } from "./run-paths.js";
import { hostRunDir } from "./platform.js";
import { noteHostResult } from "./host-failures.js";
import { runnerData } from "./poll-round.js";
import type { Platform } from "./platform.js";

/** Sends the kill of `rows` (live, with job IDs, one platform and host) and schedules a poll soon. */
export async function killChunk(
  ctx: RunContext,
  platform: Platform,
  host: string,
  rows: JobRow[],
): Promise<void> {
  ctx.db.transaction(() => {
    for (const row of rows) updateJobRow(ctx.db, row.name, row.submit_num, { kill_sent_at: nowIso(ctx) });
  })();
  const res = await killBatch(platform.transport, {
    runDir: hostRunDir(platform, ctx.runName, ctx.runDir),
    runner: platform.runnerKey,
    host,
    timeoutMs: platform.batchTimeoutS * 1000,
    graceS: platform.killGraceS,
    jobs: rows.map((r) => ({
      key: jobKey(r.name, r.submit_num),
      logDir: jobLogRel(r.name, r.submit_num),
      jobId: r.runner_job_id ?? "",
      runnerData: runnerData(r),
    })),
  });
  ctx.db.transaction(() => recordKillReply(ctx, platform, rows, res))();
}

function recordKillReply(ctx: RunContext, platform: Platform, rows: JobRow[], res: KillBatchResult): void {
  const r = res.result;
  emitCommand(ctx, "kill batch", rows.length, r, res.error, true);
  noteHostResult(ctx, platform, r.host, r, res.started);
  for (const row of rows) {
    const o = res.outcomes.get(jobKey(row.name, row.submit_num));
    const text = o
      ? `${o.outcome}${o.output.trim() ? `: ${o.output.trim()}` : ""}`
      : `no answer (${res.error ?? "batch cut"})`;
    emit(ctx, {
      job: row.name,
      submitNum: row.submit_num,
      kind: "kill",
      text: `${jobKey(row.name, row.submit_num)} kill ${text}`,
    });
    // Poll at once: the verdict (killed) comes from the status file and the runner.
    // Not resent by itself when it failed: the event says so and the user may kill again.
    updateJobRow(ctx.db, row.name, row.submit_num, { next_poll_at: nowIso(ctx) });
  }
}
