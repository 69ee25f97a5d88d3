/**
 * PBS job states and exit statuses, mapped to Drover's uniform answers.
 *
 * Sources (PBS Professional / OpenPBS, and Torque, which shares the letters and adds C):
 * - OpenPBS qstat(1B), "Job States": https://github.com/openpbs/openpbs/blob/master/doc/man1/qstat.1B
 * - PBS Professional Reference Guide, "Job States" and "Job Exit Status" (PBSReferenceGuide, ch. 8 and
 *   the User's Guide "Job Exit Status Codes"): https://help.altair.com/
 * - OpenPBS `src/include/job.h` JOB_EXEC_* codes: https://github.com/openpbs/openpbs/blob/master/src/include/job.h
 * - CESNET MetaCentrum user docs (JOB_EXEC_KILL_NCPUS_SUM -25, _MEM -27, _WALLTIME -29):
 *   https://github.com/CESNET/metacentrum-user-docs/blob/master/docs/advanced/job-tracking/index.md
 * - Torque qstat states (C completed): http://docs.adaptivecomputing.com/torque/archive/3-0-2/commands/qstat.php
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";
import { signalName } from "../common/signal-name.js";

/** One state letter: whether the server still holds the job (listed) and what it means. */
export interface PbsState {
  listed: boolean;
  meaning: string;
}

/**
 * Every state letter qstat prints. Listed = any non-terminal state; F, X (PBS Pro history), C
 * (Torque completed) and M (moved away: this server no longer holds it) are unlisted.
 */
export const PBS_STATES: Readonly<Record<string, PbsState>> = {
  B: { listed: true, meaning: "array job begun (at least one subjob started)" },
  E: { listed: true, meaning: "exiting after having run" },
  H: { listed: true, meaning: "held" },
  Q: { listed: true, meaning: "queued" },
  R: { listed: true, meaning: "running" },
  S: { listed: true, meaning: "suspended by the server" },
  T: { listed: true, meaning: "in transit to a new location" },
  U: { listed: true, meaning: "suspended: workstation busy" },
  W: { listed: true, meaning: "waiting for its execution time or after a failed stage-in" },
  F: { listed: false, meaning: "finished (history, qstat -x)" },
  X: { listed: false, meaning: "subjob finished (expired)" },
  M: { listed: false, meaning: "moved to another server" },
  C: { listed: false, meaning: "completed (Torque; kept for keep_completed seconds)" },
};

/** The state table's entry for `letter`, or null for a state Drover does not know. */
export function pbsState(letter: string): PbsState | null {
  return Object.hasOwn(PBS_STATES, letter) ? (PBS_STATES[letter] ?? null) : null;
}

/**
 * Negative Exit_status values are PBS's own (JOB_EXEC_*): the job script did not end by itself.
 * Those with a precise Drover reason; any other negative value is a plain "failed".
 */
export const PBS_EXEC_CODES: Readonly<
  Record<number, { name: string; terminal: AccountingAnswer["terminal"] }>
> = {
  [-4]: { name: "JOB_EXEC_INITABT (MoM restarted, job aborted)", terminal: "node_fail" },
  [-5]: { name: "JOB_EXEC_INITRST (MoM restarted, checkpointed)", terminal: "node_fail" },
  [-6]: { name: "JOB_EXEC_INITRMG (MoM restarted, migrate)", terminal: "node_fail" },
  [-19]: { name: "JOB_EXEC_RERUN_MS_FAIL (mother superior failed)", terminal: "node_fail" },
  [-24]: { name: "JOB_EXEC_KILL_NCPUS_BURST", terminal: "failed" },
  [-25]: { name: "JOB_EXEC_KILL_NCPUS_SUM", terminal: "failed" },
  [-26]: { name: "JOB_EXEC_KILL_VMEM", terminal: "oom" },
  [-27]: { name: "JOB_EXEC_KILL_MEM", terminal: "oom" },
  [-28]: { name: "JOB_EXEC_KILL_CPUT", terminal: "walltime" },
  [-29]: { name: "JOB_EXEC_KILL_WALLTIME", terminal: "walltime" },
};

/**
 * The accounting answer for a finished job from its Exit_status:
 * - absent: deleted before it ran (qdel of a queued job) -> cancelled;
 * - 0 -> completed; 1..255 -> failed with that code (the job script's own exit);
 * - > 256: the top process died of signal (n - 256); reported as the shell's 128 + signal;
 * - < 0: PBS's JOB_EXEC_* codes (table above).
 */
export function pbsTerminal(exitStatus: number | null, raw: string): AccountingAnswer {
  if (exitStatus === null) return { terminal: "cancelled", exitCode: null, raw };
  if (exitStatus === 0) return { terminal: "completed", exitCode: 0, raw };
  if (exitStatus > 0 && exitStatus < 256) return { terminal: "failed", exitCode: exitStatus, raw };
  if (exitStatus > 256) {
    const signal = signalName(exitStatus - 256);
    return {
      terminal: "failed",
      exitCode: 128 + (exitStatus - 256),
      ...(signal === null ? {} : { signal }),
      raw: `${raw} signal ${exitStatus - 256}`,
    };
  }
  const known = PBS_EXEC_CODES[exitStatus];
  return {
    terminal: known?.terminal ?? "failed",
    exitCode: null,
    raw: `${raw} ${known?.name ?? "JOB_EXEC code"}`,
  };
}
