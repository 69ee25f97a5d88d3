/**
 * Job logs come home when a job ends: one rsync per host and chunk pulls `job.out`, `job.err` and
 * `job.status` of many jobs; a file over the platform's max size is not copied whole: its head and
 * tail are fetched through a batch program and the cut is said in the file and in an event.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sliceFiles } from "../remote/host-ops.js";
import type { SliceOutcome } from "../remote/host-ops-types.js";
import { rsyncPull } from "../transport/rsync.js";
import { updateJobRow, type JobRow } from "../store/job-rows.js";
import { emit, emitCommand, jobKey, nowIso, type RunContext } from "./run-context.js";
import { hostRunDir, type Platform } from "./platform.js";
import { jobLogRel } from "./run-paths.js";
import { ensureInstalled } from "./install-round.js";
import { nthDelay } from "./poll-schedule.js";

/** The files of a submission that are copied back. */
export const LOG_FILES = ["job.out", "job.err", "job.status"] as const;

/** Submissions whose logs are due for retrieval now. */
export function dueLogRows(ctx: RunContext): JobRow[] {
  return ctx.db
    .prepare(
      `SELECT * FROM jobs WHERE logs_state = 'pending' AND (logs_retry_at IS NULL OR logs_retry_at <= ?)`,
    )
    .all(nowIso(ctx)) as JobRow[];
}

/** Whether a submission ending now has logs to bring home (a remote, not shared, platform). */
export function logsWanted(ctx: RunContext, platformName: string): boolean {
  const p = ctx.platforms.get(platformName);
  if (!p || p.runRoot === "" || p.retrieveLogs === null) return false;
  return ctx.installs.get(p.installTarget)?.shared !== true;
}

/** Retrieves the logs of `rows` (one platform and host). */
export async function retrieveLogs(
  ctx: RunContext,
  platform: Platform,
  host: string,
  rows: JobRow[],
): Promise<void> {
  const opts = platform.retrieveLogs;
  if (opts === null || platform.runRoot === "") return finish(ctx, rows, "done");
  if (!(await ensureInstalled(ctx, platform, host)))
    return retryLater(ctx, rows, opts.retryDelaysS, "the host is not reachable");
  if (ctx.installs.get(platform.installTarget)?.shared) return finish(ctx, rows, "done");
  const runDir = hostRunDir(platform, ctx.runName, ctx.runDir);
  const rels = rows.flatMap((r) => LOG_FILES.map((f) => `${jobLogRel(r.name, r.submit_num)}/${f}`));
  const r = await rsyncPull({
    ssh: platform.sshTransport,
    host,
    sources: rels.map((rel) => `${runDir}/./${rel}`),
    dest: ctx.runDir,
    maxSizeBytes: opts.maxSizeBytes,
    command: platform.rsync.command,
    options: [...platform.rsync.options, "--relative"],
    timeoutMs: platform.batchTimeoutS * 1000,
  });
  // 23/24: some files were missing or vanished (a job that never wrote job.err): not a failure.
  const ok = r.exitCode === 0 || r.exitCode === 23 || r.exitCode === 24;
  emitCommand(ctx, "log retrieval", rows.length, r, ok ? null : "rsync failed", !ok);
  if (!ok) return retryLater(ctx, rows, opts.retryDelaysS, `rsync exit ${r.exitCode ?? r.signal}`);
  const skipped = rels.filter((rel) => r.skippedForSize.some((s) => s === rel || s.endsWith(`/${rel}`)));
  const cut = new Set<string>();
  if (skipped.length > 0) {
    const sl = await sliceFiles(platform.transport, {
      host,
      runDir,
      files: skipped.map((path) => ({ path, maxBytes: opts.maxSizeBytes })),
      timeoutMs: platform.batchTimeoutS * 1000,
    });
    if (!sl.completed) return retryLater(ctx, rows, opts.retryDelaysS, sl.error ?? "slices not read");
    for (const f of sl.files)
      if (writeSlices(ctx, f, opts.maxSizeBytes)) cut.add(f.path.split("/").slice(0, 4).join("/"));
  }
  ctx.db.transaction(() => {
    for (const row of rows) {
      const isCut = cut.has(jobLogRel(row.name, row.submit_num));
      updateJobRow(ctx.db, row.name, row.submit_num, {
        logs_state: isCut ? "cut" : "done",
        logs_retry_at: null,
      });
    }
  })();
}

/** Writes a cut file: head, a line saying what was left out, tail. Returns true when it was cut. */
function writeSlices(ctx: RunContext, f: SliceOutcome, maxBytes: number): boolean {
  if (!f.exists || f.error) return false;
  const local = join(ctx.runDir, f.path);
  mkdirSync(dirname(local), { recursive: true });
  if (!f.cut) {
    writeFileSync(local, f.headBytes);
    return false;
  }
  const left = f.size - f.headBytes.length - f.tailBytes.length;
  const note = Buffer.from(
    `\n[drover: ${left} bytes cut here: the file on the host is ${f.size} bytes, over the ${maxBytes}-byte retrieval limit]\n`,
  );
  writeFileSync(local, Buffer.concat([f.headBytes, note, f.tailBytes]));
  const [, , name, num] = f.path.split("/");
  emit(ctx, {
    job: name ?? null,
    submitNum: num ? Number(num) : null,
    kind: "logs",
    text: `${name}/${num} ${f.path.split("/").at(-1)} is ${f.size} bytes: kept its first and last ${Math.floor(maxBytes / 2)} bytes`,
  });
  return true;
}

function finish(ctx: RunContext, rows: JobRow[], state: string): void {
  ctx.db.transaction(() => {
    for (const row of rows)
      updateJobRow(ctx.db, row.name, row.submit_num, { logs_state: state, logs_retry_at: null });
  })();
}

/** Schedules another try, or gives up after the last delay (the job's state is not affected). */
function retryLater(ctx: RunContext, rows: JobRow[], delays: readonly number[], why: string): void {
  ctx.db.transaction(() => {
    for (const row of rows) {
      const n = row.logs_attempts;
      if (n >= delays.length) {
        updateJobRow(ctx.db, row.name, row.submit_num, { logs_state: "failed", logs_attempts: n + 1 });
        emit(ctx, {
          job: row.name,
          submitNum: row.submit_num,
          kind: "logs",
          text: `${jobKey(row.name, row.submit_num)} logs not retrieved: ${why}`,
        });
      } else {
        const at = new Date(ctx.clock.now() + nthDelay(delays, n) * 1000).toISOString();
        updateJobRow(ctx.db, row.name, row.submit_num, { logs_attempts: n + 1, logs_retry_at: at });
      }
    }
  })();
}
