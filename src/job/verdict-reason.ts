/**
 * Why a submission failed, from the most specific evidence (DESIGN.md, Verdicts rule 2): Drover's own
 * kill request, then the runner's terminal state from accounting, then the job's EXIT line.
 */
import { constants } from "node:os";
import type { Reason, StatusExit } from "./model.js";
import type { AccountingAnswer } from "./verdict-input.js";

/** EXIT "signals" that are not signals: the job's own outcome or the wrapper's death. */
const NOT_SIGNALS: ReadonlySet<string> = new Set(["SUCCEEDED", "ERR", "EXIT"]);

/** The reason an accounting state names, when it is more precise than an exit line or "vanished". */
function accountingReason(terminal: AccountingAnswer["terminal"]): Reason | null {
  switch (terminal) {
    case "cancelled":
    case "preempted":
    case "oom":
    case "node_fail":
    case "walltime":
      return { kind: terminal };
    default:
      // completed and failed say less than the job's own EXIT line.
      return null;
  }
}

/** A signal name without its "SIG" prefix, upper case: "SIGTERM" and "term" both give "TERM". */
export function signalName(raw: string): string {
  const up = raw.trim().toUpperCase();
  return up.startsWith("SIG") ? up.slice(3) : up;
}

/** True when the EXIT line says the job succeeded: SUCCEEDED with code 0, nothing else. */
export function exitSucceeded(exit: StatusExit): boolean {
  return signalName(exit.signal) === "SUCCEEDED" && exit.code === 0;
}

/** The signal that ended the job per its EXIT line, or null for SUCCEEDED, ERR and EXIT. */
export function exitSignal(exit: StatusExit): string | null {
  const name = signalName(exit.signal);
  return NOT_SIGNALS.has(name) || name === "" ? null : name;
}

/** The exit code of an EXIT line: its own code, else 128 + the signal number where that is known. */
export function exitCodeOf(exit: StatusExit): number | null {
  if (Number.isInteger(exit.code) && exit.code >= 0) return exit.code;
  const sig = exitSignal(exit);
  const num =
    sig === null ? undefined : (constants.signals as Record<string, number | undefined>)[`SIG${sig}`];
  return num === undefined ? null : 128 + num;
}

/**
 * The reason an EXIT line gives by itself: XCPU (the time-limit signal) is walltime; a job vacated in
 * this segment was preempted; a signal is signal(SIG); ERR, EXIT (wrapper died) and anything else
 * is exit(code).
 */
export function exitReason(exit: StatusExit, vacated: boolean): Reason {
  const sig = exitSignal(exit);
  if (sig === "XCPU") return { kind: "walltime" };
  if (vacated) return { kind: "preempted" };
  if (sig !== null) return { kind: "signal", signal: sig };
  return { kind: "exit", code: exitCodeOf(exit) ?? 1 };
}

/**
 * The reason a job without a usable EXIT line ended: accounting's "failed" with a signal is
 * signal(SIG), with a code exit(code);
 * anything else falls back to `fallback` (vanished, or preempted after a VACATED line).
 */
export function noExitReason(acct: AccountingAnswer | null, fallback: Reason): Reason {
  if (acct?.terminal === "failed" && acct.signal) return { kind: "signal", signal: acct.signal };
  if (acct?.terminal === "failed" && acct.exitCode !== null) return { kind: "exit", code: acct.exitCode };
  return fallback;
}

/**
 * The final reason: Drover's own kill request wins, then a specific accounting state, then `fallback`
 * (what the status file says). Evidence explains the choice when a fact was overruled.
 */
export function pickReason(
  killRequested: boolean,
  acct: AccountingAnswer | null,
  fallback: Reason,
  evidence: string[],
): Reason {
  if (killRequested) {
    evidence.push("reason: killed, Drover asked for it");
    return { kind: "killed" };
  }
  const fromAccounting = acct === null ? null : accountingReason(acct.terminal);
  if (fromAccounting !== null) {
    evidence.push(`reason: ${fromAccounting.kind}, from accounting`);
    return fromAccounting;
  }
  return fallback;
}

/** The exit code to record when there is no EXIT line: accounting's, if any. */
export function accountingExitCode(acct: AccountingAnswer | null): number | null {
  return acct?.exitCode ?? null;
}
