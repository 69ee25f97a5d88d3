/**
 * Slurm job states as `squeue -o %T` and `sacct -o State` print them, mapped to Drover's words.
 * Sources (Slurm 22.05):
 * - squeue, JOB STATE CODES: https://slurm.schedmd.com/archive/slurm-22.05.8/squeue.html#SECTION_JOB-STATE-CODES
 * - sacct, JOB STATE CODES: https://slurm.schedmd.com/archive/slurm-22.05.8/sacct.html#SECTION_JOB-STATE-CODES
 * - job_state_string() in src/common/slurm_protocol_defs.c (the exact spellings).
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";

/** `listed`: Slurm still holds the job; else the terminal state it ended in. */
export type SlurmStateMeaning = { listed: true } | { listed: false; terminal: AccountingAnswer["terminal"] };

const L = { listed: true } as const;
const T = (terminal: AccountingAnswer["terminal"]): SlurmStateMeaning => ({ listed: false, terminal });

/** Every state Slurm 22.05 prints (DESIGN.md: PD CF R CG RQ RH RF RS S are "listed"). */
export const SLURM_STATES: Readonly<Record<string, SlurmStateMeaning>> = {
  PENDING: L, // PD: waiting for resources or priority
  CONFIGURING: L, // CF: nodes booting
  RUNNING: L, // R
  COMPLETING: L, // CG: ending, epilogs still running
  REQUEUED: L, // RQ: requeued, will pend again (same submission; run count rises)
  REQUEUE_HOLD: L, // RH: requeued and held
  REQUEUE_FED: L, // RF: requeued by the federation
  RESIZING: L, // RS
  SUSPENDED: L, // S: suspended by an administrator or gang scheduling
  STOPPED: L, // ST: SIGSTOP, resources kept
  SIGNALING: L, // SI: a signal is being sent
  STAGE_OUT: L, // SO: burst buffer stage-out
  RESV_DEL_HOLD: L, // RD: held after its reservation was deleted
  SPECIAL_EXIT: L, // SE: requeued in a held special state (EpilogSlurmctld); an admin releases it
  COMPLETED: T("completed"), // CD: every process exited 0
  FAILED: T("failed"), // F: non-zero exit or other failure
  CANCELLED: T("cancelled"), // CA: scancel (user or admin); sacct adds "by <uid>"
  TIMEOUT: T("walltime"), // TO: time limit reached
  OUT_OF_MEMORY: T("oom"), // OOM
  NODE_FAIL: T("node_fail"), // NF
  BOOT_FAIL: T("node_fail"), // BF: the node failed to boot: a node failure to Drover
  PREEMPTED: T("preempted"), // PR: preempted with PreemptMode=CANCEL (REQUEUE shows REQUEUED)
  DEADLINE: T("walltime"), // DL: its --deadline passed: a time limit to Drover
  REVOKED: T("cancelled"), // RV: a federation sibling was revoked (the job runs elsewhere)
};

/** The meaning of a state word (sacct's "CANCELLED by 1000" reads as CANCELLED); undefined if unknown. */
export function slurmState(word: string): SlurmStateMeaning | undefined {
  const base = word.trim().split(" ")[0] ?? "";
  // squeue may print a trailing "+" on sacct-style states (e.g. "CANCELLED+" when truncated).
  const key = base.endsWith("+") ? base.slice(0, -1) : base;
  return Object.hasOwn(SLURM_STATES, key) ? SLURM_STATES[key] : undefined;
}
