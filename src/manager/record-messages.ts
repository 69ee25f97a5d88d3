/** Job messages from status files become events, each once. */
import type { StatusMessage } from "../job/model.js";
import type { JobRow } from "../store/job-rows.js";
import { emit, jobKey, type RunContext } from "./run-context.js";

/** Records the messages of a submission not recorded before (the status file is append-only). */
export function recordMessages(ctx: RunContext, row: JobRow, messages: StatusMessage[]): void {
  if (messages.length === 0) return;
  const seen = (
    ctx.db
      .prepare(`SELECT COUNT(*) AS n FROM events WHERE job = ? AND submit_num = ? AND kind = 'message'`)
      .get(row.name, row.submit_num) as { n: number }
  ).n;
  for (const m of messages.slice(seen)) {
    emit(ctx, {
      time: m.time,
      job: row.name,
      submitNum: row.submit_num,
      kind: "message",
      text: `${jobKey(row.name, row.submit_num)} ${m.severity}: ${m.text}`,
      detail: m,
    });
  }
}
