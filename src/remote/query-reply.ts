/** Reading a query program's reply: per query id, its exit code, stdout and stderr. Pure. */
import type { CommandResult } from "../transport/command-result.js";
import type { BatchResultBase } from "./batch-types.js";
import { baseResult } from "./batch-result.js";
import { parseReply } from "./reply-parser.js";

/** One query's answer. `rc` is null when the reply was cut before it. */
export interface QueryAnswer {
  rc: number | null;
  stdout: string;
  stderr: string;
}

export interface QueryBatchResult extends BatchResultBase {
  answers: Map<string, QueryAnswer>;
}

/** Splits the reply into answers; a query whose section is missing or cut has no answer. */
export function readQueryReply(result: CommandResult, nonce: string): QueryBatchResult {
  const reply = parseReply(result.stdout, nonce);
  const answers = new Map<string, QueryAnswer>();
  for (const sec of reply.sections) {
    if (sec.kind === "query") answers.set(sec.arg, { rc: sec.rc, stdout: sec.text, stderr: "" });
  }
  for (const sec of reply.sections) {
    const a = sec.kind === "query-err" ? answers.get(sec.arg) : undefined;
    if (a) a.stderr = sec.text;
  }
  return { ...baseResult(`runner queries`, result, reply), answers };
}
