/**
 * Folds the answers of a query program (queue, accounting, lookups by name) into a poll result.
 * A failed or missing queue answer is a poll error for every job: never "jobs gone".
 */
import type { JobRef, LookupJob, Runner } from "../runners/runner.js";
import type { AccountingAnswer } from "../job/verdict-input.js";
import type { PollBatchOutcome } from "./poll-reply.js";
import type { QueryAnswer, QueryBatchResult } from "./query-reply.js";

/** Which query section answers which lookups: one job per `lookup-N`, a chunk per `lookups-N`. */
export interface LookupIds {
  single: ReadonlyMap<string, string>;
  batched: ReadonlyMap<string, readonly LookupJob[]>;
}

/** The query's text as runners read it: stdout, then stderr (unknown-job lines come there). */
function replyOf(a: QueryAnswer, boot: string) {
  return { rc: a.rc ?? -1, text: a.stdout + a.stderr, boot };
}

/** The accounting answers of `refs` in `a`; null when there are none (not asked, cut, unreadable). */
export function parseAccounting(
  runner: Runner,
  a: QueryAnswer | undefined,
  refs: readonly JobRef[],
  boot: string,
): Map<string, AccountingAnswer> | null {
  if (!runner.accounting || !a || a.rc === null || refs.length === 0) return null;
  const parsed = runner.accounting.parse(replyOf(a, boot), refs);
  return parsed instanceof Map ? parsed : null;
}

/** The poll result with the queue, accounting and lookups from `asked`. */
export function mergeQueryAnswers(
  out: PollBatchOutcome,
  asked: QueryBatchResult,
  runner: Runner,
  refs: readonly JobRef[],
  acctRefs: readonly JobRef[],
  lookups: LookupIds,
  commandPoll: boolean,
): PollBatchOutcome {
  const boot = asked.bootId ?? out.bootId ?? "";
  const res: PollBatchOutcome = {
    ...out,
    queue: new Map(out.queue),
    lookups: new Map(out.lookups),
    recovered: new Map(out.recovered),
  };
  if (commandPoll) {
    const a = asked.answers.get("poll");
    if (!asked.started || !a || a.rc === null) {
      res.queryError = `runner query on ${asked.result.host} failed: ${asked.error ?? "no answer"}`;
    } else {
      const parsed = runner.parsePoll(replyOf(a, boot), refs);
      if (parsed.ok) {
        for (const [k, v] of parsed.answers) res.queue.set(k, v);
        // Terminal states the queue still shows count as accounting (sacct, asked below, wins).
        if (parsed.accounting?.size)
          res.accounting = new Map([...(res.accounting ?? []), ...parsed.accounting]);
      } else res.queryError = parsed.error;
    }
    if (res.queryError) for (const r of refs) res.queue.delete(r.key);
  }
  const acct = parseAccounting(runner, asked.answers.get("accounting"), acctRefs, boot);
  if (acct) res.accounting = new Map([...(res.accounting ?? []), ...acct]);
  for (const [id, key] of lookups.single) {
    const a = asked.answers.get(id);
    if (!a || a.rc === null) continue;
    const parsed = runner.parseLookup(replyOf(a, boot));
    if (!parsed.ok) continue;
    res.lookups.set(key, parsed.answer);
    if (parsed.answer.kind === "found") res.recovered.set(key, parsed.runnerData);
  }
  for (const [id, jobs] of lookups.batched) {
    const a = asked.answers.get(id);
    // A failed, cut or timed-out lookup is no answer (the verdict waits), never "not found".
    if (!a || a.rc === null || !runner.parseLookups) continue;
    const parsed = runner.parseLookups(replyOf(a, boot), jobs);
    if (!(parsed instanceof Map)) continue;
    const mine = new Set(jobs.map((j) => j.key));
    for (const [key, hit] of parsed) {
      if (!mine.has(key)) continue;
      res.lookups.set(key, hit.answer);
      if (hit.answer.kind === "found") res.recovered.set(key, hit.runnerData);
    }
  }
  return res;
}
