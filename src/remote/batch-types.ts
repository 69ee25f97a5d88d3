/**
 * The manager-facing shapes of the three batch calls (submit, poll, kill) that remote/ builds into
 * one bash program per host and parses back. Types only.
 */
import type { CommandResult } from "../transport/command-result.js";
import type { AccountingAnswer, QueueAnswer, JournalAnswer, LookupAnswer } from "../job/verdict-input.js";

/** Runner-specific facts recorded with a job ID (background: process start time and boot id). */
export type RunnerData = Record<string, string>;

/** Where a run lives on a host: an absolute path, or one starting with `~/` (the job user's home). */
export type HostPath = string;

export interface BatchBase {
  /** The run directory on the host. */
  runDir: HostPath;
  /** Runner name: "background" for now. */
  runner: string;
  /** Host name as the transport knows it. */
  host: string;
  timeoutMs: number;
}

export interface SubmitJob {
  /** `name/NN`. */
  key: string;
  /** The job's log directory relative to runDir: `log/job/<name>/<NN>`. */
  logDir: string;
  /** The whole job script text, written to `<logDir>/job`. */
  script: string;
  /** Fresh random token, written first to `<logDir>/job.status`. */
  token: string;
  /** Time limit in seconds, if any (background: `timeout -k GRACE --signal=XCPU LIMIT`). */
  timeLimitS: number | null;
}

export interface SubmitBatchRequest extends BatchBase {
  /** Unique id; the journal is `<runDir>/batches/<batchId>`. */
  batchId: string;
  jobs: SubmitJob[];
}

export interface SubmitOutcome {
  key: string;
  /** The runner call's exit code (0 = submitted). */
  rc: number;
  jobId: string | null;
  runnerData: RunnerData;
  /** The runner call's output, capped. */
  output: string;
  /** UTC ISO time the job was handed to the runner. */
  submitTime: string;
}

export interface BatchResultBase {
  /** The start marker arrived: the program ran on the host (it may still be running if cut). */
  started: boolean;
  /** The program ran to its end marker. */
  completed: boolean;
  result: CommandResult;
  /** `/proc/sys/kernel/random/boot_id` of the host, when started. */
  bootId: string | null;
  /** A clear one-line error when the batch failed (not started, cut, bad reply). */
  error: string | null;
  /** Required tools the host lacks (checked before the start marker: nothing was done). */
  missingTools: string[];
}

export interface SubmitBatchResult extends BatchResultBase {
  /** One entry per job the host answered for; jobs missing here are uncertain if `started`. */
  outcomes: Map<string, SubmitOutcome>;
}

export interface PollJob {
  key: string;
  logDir: string;
  jobId: string | null;
  runnerData: RunnerData;
  /** For jobs in submitting or uncertain: the batch that submitted them (journal is read). */
  batchId: string | null;
  /** Ask for a lookup (background: `/proc` and the job script path) when the journal has no line. */
  lookup: boolean;
  /** The submission's token (runners that look jobs up by name need it). */
  token?: string | null;
  /** Ask the runner's accounting about it too (it has left the queue). */
  accounting?: boolean;
}

export interface PollBatchRequest extends BatchBase {
  jobs: PollJob[];
  /** The run's name (it starts every runner job name): runners that look jobs up by name need it. */
  runName?: string;
}

export interface PollBatchResult extends BatchResultBase {
  /** Raw job.status text per key; null when the file does not exist. */
  status: Map<string, string | null>;
  /** Queue answers per key; absent when `queryError` is set. */
  queue: Map<string, QueueAnswer>;
  /** The runner query failed: its error, never read as "jobs gone". */
  queryError: string | null;
  journals: Map<string, JournalAnswer>;
  lookups: Map<string, LookupAnswer>;
  /** Terminal states from the runner's accounting, for jobs asked with `accounting`. */
  accounting?: Map<string, AccountingAnswer>;
}

export interface KillJob {
  key: string;
  logDir: string;
  jobId: string;
  runnerData: RunnerData;
}

export interface KillBatchRequest extends BatchBase {
  jobs: KillJob[];
  /** Seconds between TERM and KILL for group kills. */
  graceS: number;
}

export interface KillOutcome {
  key: string;
  /** "signalled": the job matched and was signalled; "gone": nothing to kill; "failed": see output. */
  outcome: "signalled" | "gone" | "failed";
  output: string;
}

export interface KillBatchResult extends BatchResultBase {
  outcomes: Map<string, KillOutcome>;
}
