/** Reads a submit program's reply: one outcome per `submit <key>` section, interpreted by the runner. */
import type { Runner } from "../runners/runner.js";
import type { CommandResult } from "../transport/command-result.js";
import type { SubmitBatchRequest, SubmitBatchResult, SubmitOutcome } from "./batch-types.js";
import { baseResult } from "./batch-result.js";
import { allValues, keyValues, parseReply } from "./reply-parser.js";
import { capText } from "./program-common.js";

/** Parses the reply of one submit call; jobs without a section are left out (uncertain if started). */
export function readSubmitReply(
  req: SubmitBatchRequest,
  runner: Runner,
  result: CommandResult,
  nonce: string,
): SubmitBatchResult {
  const reply = parseReply(result.stdout, nonce);
  const base = baseResult(`submit batch ${req.batchId}`, result, reply);
  const wanted = new Set(req.jobs.map((j) => j.key));
  const outcomes = new Map<string, SubmitOutcome>();
  const boot = reply.start?.boot ?? "";
  for (const s of reply.sections) {
    if (s.kind !== "submit") continue;
    if (!wanted.has(s.arg)) {
      reply.errors.push(`submit section for a job not in the batch: ${JSON.stringify(s.arg)}`);
      continue;
    }
    const kv = keyValues(s);
    const rcText = kv.get("rc") ?? "";
    const rc = /^-?[0-9]{1,9}$/.test(rcText) ? Number(rcText) : -1;
    const output = capText(allValues(s, "out").join("\n"));
    const parsed = runner.parseSubmit({
      rc,
      id: kv.get("id") ?? "",
      start: kv.get("start") ?? "",
      boot,
      output,
    });
    outcomes.set(s.arg, {
      key: s.arg,
      rc: parsed.jobId === null && rc === 0 ? -1 : rc,
      jobId: parsed.jobId,
      runnerData: parsed.runnerData,
      output: parsed.error && !output ? parsed.error : output,
      submitTime: kv.get("time") ?? "",
    });
  }
  const error =
    base.error ?? (reply.errors.length > 0 ? `bad reply: ${reply.errors.slice(0, 3).join("; ")}` : null);
  return { ...base, error, outcomes };
}
