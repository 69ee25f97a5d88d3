/**
 * The job model shared by every layer: states, final reasons, and the parsed job.status shape.
 * Pure data: no I/O here.
 */

/** Every state a submission can be in (DESIGN.md, States and transitions). */
export const JOB_STATES = [
  "waiting",
  "submitting",
  "uncertain",
  "submitted",
  "running",
  "succeeded",
  "failed",
  "submit-failed",
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States that end a submission. */
export const FINAL_STATES: ReadonlySet<JobState> = new Set(["succeeded", "failed", "submit-failed"]);

/** States in which the runner may hold the job (polled, killable). */
export const LIVE_STATES: ReadonlySet<JobState> = new Set([
  "submitting",
  "uncertain",
  "submitted",
  "running",
]);

/**
 * Why a submission is final. Rendered as text by `formatReason`: `exit(3)`, `signal(TERM)`,
 * `walltime`, `submit-failed(...)`, ...
 */
export type Reason =
  | { kind: "succeeded" }
  | { kind: "exit"; code: number }
  | { kind: "signal"; signal: string }
  | { kind: "walltime" }
  | { kind: "oom" }
  | { kind: "preempted" }
  | { kind: "node_fail" }
  | { kind: "cancelled" }
  | { kind: "killed" }
  | { kind: "vanished" }
  | { kind: "need-failed"; need: string }
  | { kind: "submit-failed"; detail: string };

/** The reason as users see it in `drover status`. */
export function formatReason(r: Reason): string {
  switch (r.kind) {
    case "exit":
      return `exit(${r.code})`;
    case "signal":
      return `signal(${r.signal})`;
    case "submit-failed":
      return `submit-failed(${r.detail})`;
    case "need-failed":
      return `need-failed(${r.need})`;
    default:
      return r.kind;
  }
}

/** One `DROVER_JOB_INIT=<time>|<run count>|<pid>|<job ID>` line. */
export interface StatusInit {
  time: string;
  runCount: number;
  pid: number;
  jobId: string;
}

/** One `DROVER_MESSAGE=<time>|<severity>|<text>` line, text unescaped. */
export interface StatusMessage {
  time: string;
  severity: "INFO" | "WARNING" | "CRITICAL";
  text: string;
}

/** `DROVER_JOB_EXIT=<time>|<signal or SUCCEEDED or ERR>|<exit code>`. */
export interface StatusExit {
  time: string;
  /** SUCCEEDED, ERR (non-zero exit), EXIT (wrapper died), or a signal name: TERM, XCPU, INT, HUP, ... */
  signal: string;
  code: number;
}

/** `DROVER_JOB_VACATED=<time>|<signal>`. */
export interface StatusVacated {
  time: string;
  signal: string;
}

/** A job.status file, parsed. Decisions use only the segment after the last INIT or VACATED line. */
export interface StatusFile {
  token: string | null;
  runner: string | null;
  /** From DROVER_JOB_ID, else the job ID in the last INIT line (not for at-launched jobs: their INIT ID is a process group). */
  jobId: string | null;
  submitTime: string | null;
  inits: StatusInit[];
  messages: StatusMessage[];
  /** What the last segment is: nothing after submission, started (INIT), or vacated. */
  last: { kind: "none" } | { kind: "init"; init: StatusInit } | { kind: "vacated"; vacated: StatusVacated };
  /** The EXIT line inside the last segment, if any (an EXIT before a later INIT/VACATED is history). */
  exit: StatusExit | null;
  /** Lines that did not parse: kept as evidence, never fatal. */
  malformed: { line: number; text: string }[];
}
