/**
 * Rules 7 and 8 of the verdict (DESIGN.md, Verdicts): a submission whose job ID nobody knows yet.
 * The batch journal, then a lookup, either recover the ID (and the rest of the rules follow), show the
 * runner was never called or refused (submit-failed, safe to retry), or say what to wait for.
 */
import type { Reason } from "./model.js";
import type { QueueAnswer, Verdict, VerdictInput } from "./verdict-input.js";
import { clip, describeJournal, describeLookup } from "./verdict-evidence.js";
import { pickReason } from "./verdict-reason.js";

/** Either the job's identity (its job ID if any, and the queue answer to judge by) or a verdict. */
export type Identity =
  { kind: "known"; jobId: string | null; queue: QueueAnswer } | { kind: "verdict"; verdict: Verdict };

/** A job ID worth using: non-empty text. */
export function usableId(id: string | null | undefined): id is string {
  return typeof id === "string" && id.trim() !== "";
}

function known(jobId: string | null, queue: QueueAnswer): Identity {
  return { kind: "known", jobId, queue };
}

function wait(needs: "grace" | "lookup" | "batch", evidence: string[]): Identity {
  return { kind: "verdict", verdict: { kind: "no-change", needs, evidence } };
}

/**
 * Nothing reached the runner. While submitting or uncertain that is submit-failed, safe to retry.
 * A job Drover already recorded as submitted or running was accepted once: it has vanished.
 */
function notSubmitted(input: VerdictInput, detail: string, evidence: string[]): Identity {
  if (input.state === "submitting" || input.state === "uncertain") {
    const reason: Reason = { kind: "submit-failed", detail };
    return { kind: "verdict", verdict: { kind: "submit-failed", reason, safeToRetry: true, evidence } };
  }
  evidence.push(`verdict: ${detail}, yet Drover had it as ${input.state}`);
  const reason = pickReason(input.killRequested, input.accounting, { kind: "vanished" }, evidence);
  return { kind: "verdict", verdict: { kind: "failed", reason, exitCode: null, signal: null, evidence } };
}

/**
 * Looks at the lookup: found gives the job ID of a job the runner holds; not found runs `notFound`;
 * no lookup yet means waiting for one.
 */
function byLookup(input: VerdictInput, evidence: string[], notFound: () => Identity): Identity {
  const lookup = input.lookup;
  evidence.push(describeLookup(lookup));
  if (lookup === null) return wait("lookup", evidence);
  if (lookup.kind === "found" && usableId(lookup.jobId)) {
    return known(lookup.jobId, { kind: "listed", runnerState: "found by lookup" });
  }
  return notFound();
}

/**
 * Recovers the identity of a job without a job ID. `started`: its status file shows it ran (INIT or
 * EXIT), so it was submitted whatever the journal says and must never be submitted again.
 */
export function recoverIdentity(input: VerdictInput, started: boolean, evidence: string[]): Identity {
  const { journal } = input;
  evidence.push(describeJournal(journal));
  // Not in the runner (lookup not found) but known to have been submitted: judged as unlisted.
  const gone = (): Identity => known(null, { kind: "unlisted" });

  if (journal?.kind === "line") {
    if (journal.rc === 0 && usableId(journal.jobId)) return known(journal.jobId, input.queue);
    // Accepted without a readable ID: the lookup stands in for the queue (rule 6 with a found ID).
    if (journal.rc === 0) return byLookup(input, evidence, gone);
    // A refusal, unless the job exists anyway (a submit command can time out after queueing it).
    if (started || input.lookup?.kind === "found") return byLookup(input, evidence, gone);
    return notSubmitted(input, `runner exit ${journal.rc}: ${clip(journal.output)}`, evidence);
  }
  if (journal?.kind === "no-line" && journal.batchAlive) return wait("batch", evidence);
  // No journal: the batch may not have started yet; it is gone only after the grace.
  if ((journal === null || journal.kind === "absent") && !input.graceExpired) return wait("grace", evidence);

  if (input.status === null && !started) {
    // Rule 8: the token is written before the runner call, so no status file means no call.
    if (input.lookup?.kind === "found") return byLookup(input, evidence, gone);
    return notSubmitted(input, "not submitted: no status file and no journal line", evidence);
  }
  const never = (): Identity =>
    notSubmitted(input, "not submitted: batch ended before the runner call", evidence);
  return byLookup(input, evidence, started ? gone : never);
}
