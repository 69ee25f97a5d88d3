/**
 * The verdict function (DESIGN.md, Verdicts: status file x runner answer): from one poll round's
 * facts about a live submission, exactly one outcome with its evidence. Total: it never throws.
 * Rules, by precedence:
 *  0. Not live (waiting, final): no change.
 *  1. Runner query failed: no change, poll error.
 *  7/8. No job ID anywhere (Drover's record, DROVER_JOB_ID, the INIT line): journal, then lookup
 *     (verdict-identity.ts); a recovered ID continues below.
 *  2. EXIT in the last segment, unlisted: final at once (the wrapper wrote its last line, no grace);
 *     only a signal death waits for accounting, within the grace, for a more precise reason.
 *  3. EXIT, listed: running (submitted when VACATED precedes it: a requeue is coming).
 *  4. VACATED last: listed submitted; unlisted failed, preempted.
 *  5. INIT last: listed running; unlisted failed by accounting, else vanished.
 *  6. Job ID, no INIT: listed submitted; unlisted failed: killed, accounting's cause, else vanished.
 * "Unlisted" in 4-6 means after the grace and, where the runner has accounting, after a look there.
 * A queue not asked (ID just recovered) only ever advances: submitted or running, never final.
 */
import { LIVE_STATES, type StatusFile } from "./model.js";
import type { QueueAnswer, Verdict, VerdictInput } from "./verdict-input.js";
import { clip, describeAccounting, describeQueue, describeStatus } from "./verdict-evidence.js";
import { recoverIdentity, usableId } from "./verdict-identity.js";
import {
  accountingExitCode,
  exitCodeOf,
  exitReason,
  exitSignal,
  exitSucceeded,
  noExitReason,
  pickReason,
} from "./verdict-reason.js";

/** Decides what to do with one submission after a poll round. Never throws. */
export function decideVerdict(input: VerdictInput): Verdict {
  try {
    return decide(input);
  } catch (err) {
    // Only a malformed input can get here; keep the job as it is and say why.
    return {
      kind: "no-change",
      evidence: [`verdict: unusable input (${clip(err instanceof Error ? err.message : err)})`],
    };
  }
}

function decide(input: VerdictInput): Verdict {
  const evidence: string[] = [];
  if (!LIVE_STATES.has(input.state)) {
    return { kind: "no-change", evidence: [`state: ${clip(input.state, 40)} is not live, nothing to poll`] };
  }
  evidence.push(...describeStatus(input.status));
  if (input.killRequested) evidence.push("kill: requested by Drover");
  if (input.queryError !== null) {
    // Rule 1: a failed query says nothing about the jobs; never read it as "all gone".
    evidence.push(`queue: query failed: ${clip(input.queryError)}`);
    return { kind: "no-change", pollError: input.queryError, evidence };
  }
  const status = input.status;
  const started = status !== null && (status.inits.length > 0 || status.exit !== null);
  // Drover's record first (the queue was asked with it), then the job's own word in its status file.
  let jobId = [input.jobId, status?.jobId].find(usableId) ?? null;
  let queue = input.queue;
  if (jobId === null) {
    const identity = recoverIdentity(input, started, evidence);
    if (identity.kind === "verdict") return identity.verdict;
    jobId = identity.jobId;
    queue = identity.queue;
  } else if (usableId(input.jobId) && usableId(status?.jobId) && input.jobId !== status?.jobId) {
    evidence.push(`status: job ID differs from Drover's record ${clip(input.jobId, 60)}; using the record`);
  }
  evidence.push(describeQueue(queue, input.hostBound));
  if (input.accounting !== null) evidence.push(describeAccounting(input.accounting));
  return judge(input, status, jobId, queue, evidence);
}

/** How many times the runner started it: the last INIT's count (at least 1 once it has started). */
function runCountOf(status: StatusFile | null): number {
  const init = status?.inits[status.inits.length - 1];
  return Math.max(1, init?.runCount ?? 1);
}

/** Rules 2-6, with the job's identity settled. */
function judge(
  input: VerdictInput,
  status: StatusFile | null,
  jobId: string | null,
  queue: QueueAnswer,
  evidence: string[],
): Verdict {
  const last = status?.last.kind ?? "none";
  const exit = status?.exit ?? null;
  const running: Verdict = { kind: "running", runCount: runCountOf(status), jobId, evidence };
  const submitted: Verdict = { kind: "submitted", jobId, evidence };

  if (queue.kind !== "unlisted") {
    // Listed (rules 3-6), or not asked yet (only an advance is safe): what the status file shows.
    if (last === "vacated") return submitted;
    if (last === "init" || exit !== null) {
      // Started before, pending again (requeue, preemption): the same submission waits to rerun.
      if (queue.kind !== "listed" || queue.pending !== true) return running;
      evidence.push("queue: pending again after a start: requeued");
      return submitted;
    }
    if (input.state === "running") {
      // The file shows no start although Drover saw one: a stale read (NFS) must not undo it.
      evidence.push("status: no INIT although the job was seen running; keeping running");
      return { kind: "no-change", evidence };
    }
    return submitted;
  }
  if (exit !== null) return finalByExit(input, exit, last === "vacated", jobId, evidence);
  if (!input.graceExpired) {
    evidence.push("grace: not over yet, the runner may list it again");
    return { kind: "no-change", needs: "grace", evidence };
  }
  if (input.hasAccounting && input.accounting === null && jobId !== null) {
    evidence.push("accounting: not read yet");
    return { kind: "no-change", needs: "accounting", evidence };
  }
  const acct = input.accounting;
  const fallback =
    last === "vacated" ? { kind: "preempted" as const } : noExitReason(acct, { kind: "vanished" });
  // Drover saw it running, so a status file without a start was lost or damaged, not a job that never ran.
  if (last === "none" && input.state === "running")
    evidence.push("verdict: seen running, then left the runner; its status file shows no start");
  else if (last === "none") evidence.push("verdict: left the runner without ever starting");
  if (last === "init") evidence.push("verdict: started, then left the runner without an EXIT line");
  const reason = pickReason(input.killRequested, acct, fallback, evidence);
  return { kind: "failed", reason, exitCode: accountingExitCode(acct), signal: null, evidence };
}

/** Rule 2: the wrapper wrote EXIT and the runner let the job go. */
function finalByExit(
  input: VerdictInput,
  exit: NonNullable<StatusFile["exit"]>,
  vacated: boolean,
  jobId: string | null,
  evidence: string[],
): Verdict {
  if (exitSucceeded(exit)) {
    // The job's command returned 0: a later kill or an accounting label does not undo its work.
    if (input.killRequested) evidence.push("kill: came after it had succeeded");
    if (input.accounting !== null && input.accounting.terminal !== "completed") {
      evidence.push(`accounting: says ${input.accounting.terminal}, but the job wrote SUCCEEDED|0`);
    }
    return { kind: "succeeded", evidence };
  }
  const signal = exitSignal(exit);
  const worthAccounting = !input.killRequested && signal !== null && signal !== "XCPU";
  if (
    worthAccounting &&
    input.hasAccounting &&
    input.accounting === null &&
    jobId !== null &&
    !input.graceExpired
  ) {
    // A signal death is where accounting names the cause (cancelled, preempted, oom, node_fail).
    evidence.push("accounting: not read yet; it may name who sent the signal");
    return { kind: "no-change", needs: "accounting", evidence };
  }
  const reason = pickReason(input.killRequested, input.accounting, exitReason(exit, vacated), evidence);
  return { kind: "failed", reason, exitCode: exitCodeOf(exit), signal, evidence };
}
