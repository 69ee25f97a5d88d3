/**
 * LSF job states (bjobs STAT) and exit reasons, mapped to Drover's uniform answers.
 *
 * Sources:
 * - IBM Spectrum LSF, "About job states": https://www.ibm.com/docs/en/spectrum-lsf/10.1.0?topic=execution-about-job-states
 * - bjobs -o fields (stat, exit_code, exit_reason): https://www.ibm.com/docs/en/spectrum-lsf/10.1.0?topic=bjobs-o
 * - Job exit information, TERM_* reasons: https://www.ibm.com/docs/en/spectrum-lsf/10.1.0?topic=information-job-exit-codes
 * - A real job report with "TERM_RUNLIMIT: job killed after reaching LSF run time limit. Exited
 *   with exit code 140.": https://github.com/FredslundMagnus/Myretuen (outputs/*.md)
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";

/** One STAT value: whether LSF still holds the job (listed) and what it means. */
export interface LsfState {
  listed: boolean;
  meaning: string;
}

/** Every STAT bjobs prints. DONE and EXIT are terminal (kept for CLEAN_PERIOD, default 1 h). */
export const LSF_STATES: Readonly<Record<string, LsfState>> = {
  PEND: { listed: true, meaning: "pending: waiting to be dispatched" },
  PROV: { listed: true, meaning: "dispatched to a host being provisioned" },
  PSUSP: { listed: true, meaning: "suspended while pending (bstop, or submitted with -H)" },
  RUN: { listed: true, meaning: "running" },
  USUSP: { listed: true, meaning: "suspended by its owner or an administrator while running" },
  SSUSP: { listed: true, meaning: "suspended by LSF (load, run windows, preemption)" },
  WAIT: { listed: true, meaning: "chunk job member waiting to run" },
  UNKWN: { listed: true, meaning: "mbatchd lost contact with the execution host's sbatchd" },
  ZOMBI: { listed: true, meaning: "killed or requeued while its host was unreachable; not yet cleaned" },
  DONE: { listed: false, meaning: "finished with exit code 0" },
  EXIT: { listed: false, meaning: "finished with a non-zero exit, or killed" },
};

/** The table entry for `stat`, or null for a state Drover does not know. */
export function lsfState(stat: string): LsfState | null {
  return Object.hasOwn(LSF_STATES, stat) ? (LSF_STATES[stat] ?? null) : null;
}

/**
 * TERM_* exit reasons with a precise Drover reason (the prefix of bjobs' exit_reason field).
 * Any other reason on an EXIT job is a plain "failed" with its exit code.
 */
export const LSF_EXIT_REASONS: Readonly<Record<string, AccountingAnswer["terminal"]>> = {
  TERM_RUNLIMIT: "walltime",
  TERM_CPULIMIT: "walltime",
  TERM_MEMLIMIT: "oom",
  TERM_SWAP: "oom",
  TERM_OWNER: "cancelled",
  TERM_ADMIN: "cancelled",
  TERM_FORCE_OWNER: "cancelled",
  TERM_FORCE_ADMIN: "cancelled",
  TERM_REQUEUE_OWNER: "cancelled",
  TERM_REQUEUE_ADMIN: "cancelled",
  TERM_PREEMPT: "preempted",
  TERM_HOST: "node_fail",
  TERM_ZOMBIE: "node_fail",
  TERM_UNKNOWN: "failed",
};

/** Accounting answer for a DONE or EXIT job from its exit code and exit reason. */
export function lsfTerminal(
  stat: string,
  exitCode: number | null,
  reason: string,
  raw: string,
): AccountingAnswer {
  if (stat === "DONE") return { terminal: "completed", exitCode: 0, raw };
  const term = /^(TERM_[A-Z_]+)/.exec(reason.trim())?.[1];
  const mapped = term === undefined ? undefined : LSF_EXIT_REASONS[term];
  return { terminal: mapped ?? "failed", exitCode, raw };
}
