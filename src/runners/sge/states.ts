/**
 * Grid Engine states: the letters `qstat` prints in its state column, and the `failed` codes of
 * `qacct`. Sources (Son of Grid Engine 8.1.9):
 * - qstat(1), "state": https://arc.liv.ac.uk/SGE/htmlman/htmlman1/qstat.html
 * - accounting(5), "failed" and "exit_status": https://arc.liv.ac.uk/SGE/htmlman/htmlman5/accounting.html
 * - failure codes: source/libs/sgeobj/sge_jobs.h (SSTATE_*) and the Grid Engine admin guide,
 *   "Diagnostics: failed codes".
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";

/**
 * Letters of the qstat state column: every job qstat shows is held by Grid Engine (listed), whatever
 * the combination: d(eletion pending) E(rror) h(old) r(unning) R(estarted) s(uspended) S(queue
 * suspended) t(ransferring) T(hreshold) w(aiting) q(ueued). `Eqw` stays until an admin clears it.
 */
export const SGE_STATE_LETTERS = "dEhrRsStTwq";

/** True when `state` is a qstat state Drover knows (qw, hqw, r, t, Rr, s, S, T, Eqw, dr, ...). */
export function isSgeState(state: string): boolean {
  return /^[dEhrRsStTwq]{1,6}$/.test(state);
}

/** Meanings of qacct's `failed` codes Drover reads; others are "failed" with the code as evidence. */
export const SGE_FAILED_CODES: Readonly<Record<number, string>> = {
  0: "no failure",
  1: "assumedly before job (the shepherd died before the job ran)",
  7: "before prolog",
  8: "in prolog",
  10: "in pestart",
  11: "in pestop",
  21: "in recognising the job",
  26: "opening the input/output file",
  27: "searching the requested shell",
  28: "changing to the working directory",
  37: "qmaster enforced h_rt, h_cpu or h_vmem limit",
  100: "assumedly after job (killed by a signal: qdel, or a limit enforced by execd)",
};

/** Facts of one qacct record the mapping reads. */
export interface QacctFacts {
  failed: number;
  exitStatus: number;
  /** Seconds the job ran (ru_wallclock). */
  wallclockS: number | null;
  /** The requested h_rt in seconds (from `category`), null when none was asked. */
  hRtS: number | null;
  /** An h_vmem limit was requested. */
  hVmem: boolean;
}

/**
 * The terminal state of a finished job: the time limit when it ran to its h_rt (SGE kills with
 * SIGKILL there, so the wrapper cannot record XCPU; accounting is the evidence), qmaster's limit
 * enforcement, a signal after start (qdel: cancelled), setup failures, else the exit status.
 */
export function sgeTerminal(f: QacctFacts): Pick<AccountingAnswer, "terminal" | "exitCode"> {
  const overTime = f.hRtS !== null && f.wallclockS !== null && f.wallclockS >= f.hRtS;
  if (f.failed === 0 && f.exitStatus === 0) return { terminal: "completed", exitCode: 0 };
  if (overTime && (f.failed !== 0 || f.exitStatus >= 128))
    return { terminal: "walltime", exitCode: f.exitStatus };
  if (f.failed === 37) return { terminal: f.hVmem ? "oom" : "walltime", exitCode: f.exitStatus };
  if (f.failed === 100 && f.exitStatus > 128) return { terminal: "cancelled", exitCode: f.exitStatus };
  // The job never ran (setup failure): no exit code of its own.
  if (f.failed !== 0 && f.failed < 100) return { terminal: "failed", exitCode: null };
  return { terminal: "failed", exitCode: f.exitStatus };
}

/** A duration as SGE prints or accepts it: `SS`, `MM:SS`, `HH:MM:SS`, or seconds with `s`. */
export function sgeSeconds(text: string): number | null {
  const t = text.trim();
  if (/^[0-9]+(\.[0-9]+)?s?$/.test(t)) return Math.floor(Number(t.replace(/s$/, "")));
  const m = /^([0-9]+):([0-9]{1,2}):([0-9]{1,2})$/.exec(t);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return null;
}
