/**
 * Reads a poll program's reply into the manager's shapes: status text per job, queue answers via
 * the runner's parser (a failed query sets `queryError`, never "jobs gone"), journal answers and
 * lookups. Runner data found for jobs without a recorded job ID (journal line, lookup) is returned
 * beside, so those jobs can be polled and killed with their guard.
 */
import type { LookupAnswer, QueueAnswer, JournalAnswer } from "../job/verdict-input.js";
import type { JobRef, Runner } from "../runners/runner.js";
import type { CommandResult } from "../transport/command-result.js";
import type { PollBatchRequest, PollBatchResult, RunnerData } from "./batch-types.js";
import { baseResult } from "./batch-result.js";
import { parseReply, type ReplySection } from "./reply-parser.js";
import { journalAnswer, journalRunnerData, parseJournal, type Journal } from "./journal.js";
import { parseProcLines, type ProcFact } from "../runners/background/proc-stat.js";

/** A poll result plus the runner data recovered for jobs found by journal or lookup. */
export interface PollBatchOutcome extends PollBatchResult {
  recovered: Map<string, RunnerData>;
}

/** Parses the reply of one poll call. */
export function readPollReply(
  req: PollBatchRequest,
  runner: Runner,
  refs: readonly JobRef[],
  result: CommandResult,
  nonce: string,
): PollBatchOutcome {
  const reply = parseReply(result.stdout, nonce);
  const base = baseResult(`poll on ${req.host}`, result, reply);
  const boot = reply.start?.boot ?? "";
  const bySec = (kind: string): Map<string, ReplySection> =>
    new Map(reply.sections.filter((s) => s.kind === kind).map((s) => [s.arg, s]));
  const errors: string[] = [];

  const status = new Map<string, string | null>();
  for (const [key, s] of bySec("status")) status.set(key, s.rc === 0 ? s.text : null);

  const queue = new Map<string, QueueAnswer>();
  let queryError: string | null = null;
  if (reply.start) {
    const q = reply.sections.find((s) => s.kind === "queue");
    if (refs.length > 0 && !q) queryError = "no runner answer in the reply";
    else if (refs.length > 0 && q) {
      const parsed = runner.parsePoll({ rc: q.rc ?? -1, text: q.text, boot }, refs);
      if (parsed.ok) for (const [k, a] of parsed.answers) queue.set(k, a);
      else queryError = parsed.error;
    }
    if (!queryError) for (const j of req.jobs) if (!j.jobId) queue.set(j.key, { kind: "unknown" });
  } else {
    queryError = base.error ?? "the poll did not start";
  }

  const journals = new Map<string, JournalAnswer>();
  const recovered = new Map<string, RunnerData>();
  const jsec = bySec("journal");
  const procs = bySec("batchproc");
  for (const j of req.jobs) {
    if (!j.batchId) continue;
    const s = jsec.get(j.batchId);
    if (!s) continue; // not answered (reply cut): no evidence either way
    const journal: Journal | null = s.rc === 0 ? parseJournal(s.text) : null;
    journals.set(j.key, journalAnswer(journal, j.key, batchFact(procs.get(j.batchId), errors), boot));
    const data = journal ? journalRunnerData(journal, j.key) : null;
    if (data) recovered.set(j.key, data);
  }

  const lookups = new Map<string, LookupAnswer>();
  for (const [key, s] of bySec("lookup")) {
    const parsed = runner.parseLookup({ rc: s.rc ?? -1, text: s.text, boot });
    if (!parsed.ok) {
      errors.push(`lookup ${key}: ${parsed.error}`);
      continue;
    }
    lookups.set(key, parsed.answer);
    if (parsed.answer.kind === "found") recovered.set(key, parsed.runnerData);
  }

  errors.push(...reply.errors);
  const error = base.error ?? (errors.length > 0 ? `bad reply: ${errors.slice(0, 3).join("; ")}` : null);
  return { ...base, error, status, queue, queryError, journals, lookups, recovered };
}

/** The batch program's process as the host saw it, from a `batchproc` section. */
function batchFact(s: ReplySection | undefined, errors: string[]): ProcFact | null {
  if (!s) return null;
  const facts = parseProcLines(s.text);
  if ("error" in facts) {
    errors.push(`batch process: ${facts.error}`);
    return null;
  }
  return [...facts.values()][0] ?? null;
}
