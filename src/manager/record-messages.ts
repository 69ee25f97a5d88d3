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
      // The text is printed to terminals: one line, no control characters (detail keeps it exact).
      text: `${jobKey(row.name, row.submit_num)} ${m.severity}: ${printableLine(m.text)}`,
      detail: m,
    });
  }
}

/**
 * `text` as one printable line, escaped the way job.status writes messages (`\\`, `\n`, `\r`),
 * other control characters (C0, DEL, C1; tab is kept) as `\xNN`: a job's message can then
 * neither forge a line of Drover's output nor send escape sequences to the user's terminal.
 */
export function printableLine(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if (c === "\\") out += "\\\\";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if ((code < 0x20 && c !== "\t") || (code >= 0x7f && code <= 0x9f))
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return out;
}
