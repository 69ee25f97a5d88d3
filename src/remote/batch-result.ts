/**
 * The part every batch result shares: did the program start (start marker), did it reach its end
 * (done marker), the host's boot id, and one clear error line when something went wrong.
 */
import type { CommandResult } from "../transport/command-result.js";
import type { BatchResultBase } from "./batch-types.js";
import type { ParsedReply, ReplySection } from "./reply-parser.js";

/** Builds the shared fields from the process result and its parsed reply. */
export function baseResult(what: string, result: CommandResult, reply: ParsedReply): BatchResultBase {
  const started = reply.start !== null;
  const completed = reply.doneRc !== null;
  const tools = reply.sections.find((s) => s.kind === "error" && s.arg === "tools");
  const missing = tools
    ? (tools.lines.join(" ").split(":")[1] ?? "").trim().split(/\s+/).filter(Boolean)
    : [];
  return {
    started,
    completed,
    result,
    bootId: reply.start?.boot || null,
    error: firstError(what, result, reply),
    missingTools: missing,
  };
}

function firstError(what: string, r: CommandResult, reply: ParsedReply): string | null {
  const how = r.timedOut ? "timed out" : r.signal ? `ended by ${r.signal}` : `exit ${r.exitCode}`;
  const errs = reply.sections.filter((s) => s.kind === "error");
  if (!reply.start) {
    const why = errs.length > 0 ? `: ${errs.map(errorText).join("; ")}` : ` (${how})${tail(r.stderr)}`;
    return `${what} did not start on ${r.host}${why}`;
  }
  if (errs.length > 0) return errs.map(errorText).join("; ") + tail(r.stderr);
  if (reply.doneRc === null) return `${what} on ${r.host} was cut before its end (${how})${tail(r.stderr)}`;
  if (reply.doneRc !== 0) return `${what} on ${r.host} ended with rc=${reply.doneRc}${tail(r.stderr)}`;
  if (reply.errors.length > 0) return `bad reply from ${r.host}: ${reply.errors.slice(0, 3).join("; ")}`;
  return null;
}

/** An `error <what>` section as one line. */
export function errorText(s: ReplySection): string {
  return `${s.arg}: ${s.lines.join(" ").trim()}`;
}

/** The last lines of stderr, as a suffix for an error line. */
function tail(stderr: string): string {
  const t = stderr.trim().split("\n").slice(-3).join(" | ").slice(-500);
  return t ? `: ${t}` : "";
}
