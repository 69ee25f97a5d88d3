/**
 * The allowed moves between job states (DESIGN.md, States and transitions): one explicit table,
 * every row with its reason. Anything not in the table is refused; a refused runner report is
 * ignored and the manager polls again. Pure: no I/O.
 */
import { JOB_STATES, LIVE_STATES, type JobState, type Reason } from "./model.js";
import type { Verdict } from "./verdict-input.js";

/** One allowed move and why it exists. */
export interface Transition {
  from: JobState;
  to: JobState;
  why: string;
}

/** Every allowed move. There are no self moves: a same-state report is "nothing to do", not a move. */
export const TRANSITIONS: readonly Transition[] = [
  { from: "waiting", to: "submitting", why: "its needs are met and a submit batch takes it" },
  {
    from: "waiting",
    to: "failed",
    why: "a need failed (need-failed) or it was killed before it was ever submitted",
  },

  { from: "submitting", to: "submitted", why: "the runner's reply with the job ID was recorded" },
  { from: "submitting", to: "uncertain", why: "the connection was lost after the batch started" },
  {
    from: "submitting",
    to: "submit-failed",
    why: "the runner refused it, or the batch ended before calling it",
  },
  {
    from: "submitting",
    to: "waiting",
    why: "the batch never started on the host (nothing reached it): wait for a good host",
  },
  { from: "submitting", to: "running", why: "reconciliation after a crash finds it already started (INIT)" },
  {
    from: "submitting",
    to: "succeeded",
    why: "it finished before Drover recorded the reply (found by reconciliation)",
  },
  { from: "submitting", to: "failed", why: "it ended, or vanished, before Drover recorded the reply" },

  { from: "uncertain", to: "submitted", why: "the journal or a lookup recovered its job ID" },
  { from: "uncertain", to: "running", why: "its status file shows it started (INIT)" },
  { from: "uncertain", to: "succeeded", why: "it finished while its reply was lost" },
  { from: "uncertain", to: "failed", why: "it ended, or vanished, while its reply was lost" },
  {
    from: "uncertain",
    to: "submit-failed",
    why: "the journal shows a refusal, or no runner call and no job found",
  },

  { from: "submitted", to: "running", why: "the wrapper wrote INIT: it started" },
  { from: "submitted", to: "succeeded", why: "it started and ended between two polls" },
  { from: "submitted", to: "failed", why: "it ended between two polls, or left the queue without starting" },

  {
    from: "running",
    to: "submitted",
    why: "vacated or requeued by the runner: run count rises, not a failure",
  },
  { from: "running", to: "succeeded", why: "the wrapper wrote EXIT=SUCCEEDED and the runner let it go" },
  { from: "running", to: "failed", why: "it exited non-zero, was signalled, killed, or vanished" },

  {
    from: "failed",
    to: "waiting",
    why: "execution retry: the manager creates a new submission (see mayRetry)",
  },
  {
    from: "submit-failed",
    to: "waiting",
    why: "submission retry after its delay: nothing ran, so it is safe",
  },
];

/** The table indexed by source state, built once. */
const MOVES: ReadonlyMap<JobState, readonly JobState[]> = new Map(
  JOB_STATES.map((s) => [s, Object.freeze(TRANSITIONS.filter((t) => t.from === s).map((t) => t.to))]),
);

/** True when the table allows moving from `from` to `to` (never for `from === to`). */
export function canMove(from: JobState, to: JobState): boolean {
  return allowedMoves(from).includes(to);
}

/** The states `from` may move to, in table order; empty for `succeeded`. */
export function allowedMoves(from: JobState): readonly JobState[] {
  return MOVES.get(from) ?? [];
}

/** The documented reason of one allowed move, or null when the move is not allowed. */
export function whyMove(from: JobState, to: JobState): string | null {
  return TRANSITIONS.find((t) => t.from === from && t.to === to)?.why ?? null;
}

/**
 * Whether a failure with this reason may be retried automatically (failed -> waiting), retries
 * remaining aside. A kill by Drover or a cancel by someone else was a decision: retrying would fight
 * it. A need-failed job never ran, and a submit-failed reason belongs to submission retries.
 */
export function mayRetry(reason: Reason): boolean {
  switch (reason.kind) {
    case "killed":
    case "cancelled":
    case "need-failed":
    case "submit-failed":
    case "succeeded":
      return false;
    default:
      return true;
  }
}

/** The state a verdict reports, or null for `no-change`. */
export function verdictTarget(verdict: Verdict): JobState | null {
  return verdict.kind === "no-change" ? null : verdict.kind;
}

/**
 * What a verdict does to a job in state `current`:
 * - `{ to: current }` when there is nothing to move: `no-change`, or the verdict reports the state the
 *   job is already in (the manager may still refresh run count or job ID from a `running` verdict);
 * - `{ to: X }` when the table allows current -> X;
 * - `{ ignored, why }` when it does not (a backward move such as succeeded -> running, or any runner
 *   report about a job that is not live): the manager keeps the state and polls again.
 */
export function applyVerdict(
  current: JobState,
  verdict: Verdict,
): { to: JobState } | { ignored: true; why: string } {
  const target = verdictTarget(verdict);
  if (target === null) return { to: current };
  // A runner report is about a live submission; waiting and final jobs are moved only by the manager.
  if (!LIVE_STATES.has(current)) {
    return { ignored: true, why: `state ${current} is not live: a ${target} report does not apply` };
  }
  if (target === current) return { to: current };
  if (canMove(current, target)) return { to: target };
  return { ignored: true, why: `no move from ${current} to ${target}` };
}
