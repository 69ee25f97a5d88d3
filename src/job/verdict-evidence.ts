/**
 * The evidence lines of a verdict: one short human fact per line ("status: EXIT=ERR|3 at ...",
 * "queue: unlisted", "journal: rc=0 id=123"). Text from outside is clipped to one printable line.
 */
import type { StatusFile } from "./model.js";
import type { AccountingAnswer, JournalAnswer, LookupAnswer, QueueAnswer } from "./verdict-input.js";

/** Longest piece of outside text (runner output, error text) kept in one evidence line. */
export const EVIDENCE_TEXT_MAX = 200;

/** Outside text as one printable line of at most `max` characters; "(empty)" when nothing is left. */
export function clip(text: unknown, max = EVIDENCE_TEXT_MAX): string {
  // Control characters (newlines included) would split or forge lines in logs and the events table.
  const flat = String(text)
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, " ")
    .trim();
  if (flat === "") return "(empty)";
  // Cut by code points so a surrogate pair is never split.
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : flat;
}

/** What the job.status file says, as evidence lines (at least one). */
export function describeStatus(status: StatusFile | null): string[] {
  if (status === null) return ["status: no job.status file"];
  const lines: string[] = [];
  if (status.jobId !== null && status.jobId !== "") lines.push(`status: job ID ${clip(status.jobId)}`);
  const last = status.last;
  if (last.kind === "init") {
    const i = last.init;
    lines.push(`status: INIT run ${i.runCount} pid ${i.pid} job ${clip(i.jobId)} at ${clip(i.time)}`);
  } else if (last.kind === "vacated") {
    lines.push(`status: VACATED=${clip(last.vacated.signal)} at ${clip(last.vacated.time)}`);
  } else {
    lines.push(
      status.token === null ? "status: no token, never started" : "status: token only, never started",
    );
  }
  if (status.exit !== null) {
    const e = status.exit;
    lines.push(`status: EXIT=${clip(e.signal)}|${e.code} at ${clip(e.time)}`);
  }
  // Earlier starts are history, but the count tells the user a requeue happened.
  if (status.inits.length > 1) lines.push(`status: started ${status.inits.length} times`);
  const bad = status.malformed[0];
  if (bad !== undefined) {
    lines.push(
      `status: ${status.malformed.length} malformed line(s), first at line ${bad.line}: ${clip(bad.text, 80)}`,
    );
  }
  return lines;
}

/** The runner's answer; for host-bound runners "unlisted" means the recorded process is gone. */
export function describeQueue(queue: QueueAnswer, hostBound: boolean): string {
  switch (queue.kind) {
    case "listed":
      return `queue: listed (${clip(queue.runnerState, 40)})`;
    case "unlisted":
      return hostBound ? "queue: unlisted (recorded process gone)" : "queue: unlisted";
    default:
      return "queue: not asked (no job ID known)";
  }
}

/** The runner's accounting record. */
export function describeAccounting(acct: AccountingAnswer): string {
  const code = acct.exitCode === null ? "" : ` exit ${acct.exitCode}`;
  const signal = acct.signal ? ` signal ${clip(acct.signal, 20)}` : "";
  return `accounting: ${acct.terminal}${signal}${code} (${clip(acct.raw, 80)})`;
}

/** The batch journal's answer. */
export function describeJournal(journal: JournalAnswer | null): string {
  if (journal === null) return "journal: not read";
  switch (journal.kind) {
    case "line": {
      const id = journal.jobId === null || journal.jobId === "" ? "none" : clip(journal.jobId, 60);
      const out = journal.rc === 0 ? "" : ` output: ${clip(journal.output)}`;
      return `journal: rc=${journal.rc} id=${id}${out}`;
    }
    case "no-line":
      return journal.batchAlive
        ? "journal: no line yet, batch still running"
        : "journal: no line, batch ended";
    default:
      return "journal: absent (the batch never started on the host)";
  }
}

/** The search for the job by name, /proc and token, or atq. */
export function describeLookup(lookup: LookupAnswer | null): string {
  if (lookup === null) return "lookup: not done";
  return lookup.kind === "found" ? `lookup: found job ${clip(lookup.jobId, 60)}` : "lookup: not found";
}
