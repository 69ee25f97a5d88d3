/** Reads a kill program's reply: one `kill <key>` section per guarded job. */
import type { CommandResult } from "../transport/command-result.js";
import type { KillBatchResult, KillOutcome } from "./batch-types.js";
import { baseResult } from "./batch-result.js";
import { parseReply } from "./reply-parser.js";

/** Parses the reply of one kill call; `refused` holds outcomes decided before sending. */
export function readKillReply(
  label: string,
  result: CommandResult,
  nonce: string,
  pids: Map<string, string>,
  refused: Map<string, KillOutcome>,
): KillBatchResult {
  const reply = parseReply(result.stdout, nonce);
  const base = baseResult(label, result, reply);
  const outcomes = new Map<string, KillOutcome>(refused);
  for (const s of reply.sections) {
    if (s.kind !== "kill") continue;
    const pid = pids.get(s.arg);
    if (pid === undefined) {
      reply.errors.push(`kill section for a job not in the batch: ${JSON.stringify(s.arg)}`);
      continue;
    }
    const verdict = s.lines[0] ?? "";
    const killed = s.lines.includes("killed");
    if (verdict === "signalled") {
      const more = killed ? ", KILL to its survivors after the grace" : "";
      outcomes.set(s.arg, {
        key: s.arg,
        outcome: "signalled",
        output: `TERM sent to process group ${pid}${more}`,
      });
    } else if (verdict === "gone") {
      outcomes.set(s.arg, { key: s.arg, outcome: "gone", output: `process ${pid} is gone` });
    } else if (verdict === "mismatch") {
      const output = `PID ${pid} now belongs to another process (start time or boot differs): not signalled`;
      outcomes.set(s.arg, { key: s.arg, outcome: "gone", output });
    } else {
      outcomes.set(s.arg, {
        key: s.arg,
        outcome: "failed",
        output: `unknown kill answer: ${s.text.slice(0, 300)}`,
      });
    }
  }
  const error =
    base.error ?? (reply.errors.length > 0 ? `bad reply: ${reply.errors.slice(0, 3).join("; ")}` : null);
  return { ...base, error, outcomes };
}
