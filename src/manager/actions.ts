/**
 * What `kill` and `trigger` do to a run's jobs. The live Drover applies them from the requests
 * table; without one, the command takes the run and applies them itself.
 */
import { FINAL_STATES } from "../job/model.js";
import { insertJobRow, latestJobRow, updateJobRow } from "../store/job-rows.js";
import { emit, jobKey, nowIso, type RunContext } from "./run-context.js";
import { moveJob } from "./record-verdict.js";

/** One line per job saying what was done. */
export type ActionAnswer = { ok: boolean; lines: string[] };

/** Marks jobs to be killed: waiting jobs end at once, live ones get the runner's kill. */
export function requestKill(ctx: RunContext, names: readonly string[]): ActionAnswer {
  const lines: string[] = [];
  let ok = true;
  ctx.db.transaction(() => {
    for (const name of names) {
      const row = latestJobRow(ctx.db, name);
      if (!row) {
        lines.push(`${name}: no such job`);
        ok = false;
      } else if (FINAL_STATES.has(row.state)) {
        lines.push(`${jobKey(name, row.submit_num)}: already ${row.state}, nothing to kill`);
      } else if (row.state === "waiting") {
        moveJob(
          ctx,
          row,
          "failed",
          {
            reason: "killed",
            kill_requested: 1,
            ended_at: nowIso(ctx),
            evidence: JSON.stringify(["killed before submission"]),
          },
          "killed before submission",
        );
        lines.push(`${jobKey(name, row.submit_num)}: killed before submission`);
      } else {
        updateJobRow(ctx.db, name, row.submit_num, { kill_requested: 1, kill_sent_at: null });
        emit(ctx, {
          job: name,
          submitNum: row.submit_num,
          kind: "kill",
          text: `${jobKey(name, row.submit_num)} kill requested (${row.state})`,
        });
        lines.push(
          row.state === "submitting" || row.state === "uncertain"
            ? `${jobKey(name, row.submit_num)}: kill held until the job ID is known`
            : `${jobKey(name, row.submit_num)}: kill sent to the runner`,
        );
      }
    }
  })();
  return { ok, lines };
}

/** Submits jobs now, ignoring needs and retry delays; a final job gets a new submission. */
export function triggerJobs(ctx: RunContext, names: readonly string[]): ActionAnswer {
  const lines: string[] = [];
  let ok = true;
  ctx.db.transaction(() => {
    for (const name of names) {
      const row = latestJobRow(ctx.db, name);
      if (!row || !ctx.specs.has(name)) {
        lines.push(`${name}: no such job in the job set`);
        ok = false;
      } else if (row.state === "waiting") {
        updateJobRow(ctx.db, name, row.submit_num, { triggered: 1, retry_at: null });
        emit(ctx, {
          job: name,
          submitNum: row.submit_num,
          kind: "trigger",
          text: `${jobKey(name, row.submit_num)} triggered`,
        });
        lines.push(`${jobKey(name, row.submit_num)}: triggered`);
      } else if (FINAL_STATES.has(row.state)) {
        const next = row.submit_num + 1;
        insertJobRow(ctx.db, {
          name,
          submit_num: next,
          try: 1,
          platform: row.platform,
          runner: row.runner,
          triggered: 1,
          created_at: nowIso(ctx),
        });
        emit(ctx, {
          job: name,
          submitNum: next,
          kind: "trigger",
          text: `${jobKey(name, next)} triggered (after ${row.state})`,
        });
        lines.push(`${jobKey(name, next)}: triggered`);
      } else {
        lines.push(`${jobKey(name, row.submit_num)}: already ${row.state}`);
        ok = false;
      }
    }
  })();
  return { ok, lines };
}
