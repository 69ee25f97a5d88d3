/**
 * What the verdict function reads and what it returns (DESIGN.md, Verdicts). Types only: the
 * function lives in verdict.ts, the allowed moves in transitions.ts.
 */
import type { JobState, Reason, StatusFile } from "./model.js";

/** The runner's answer about one job from its queue (one query per host per cycle). */
export type QueueAnswer =
  /** Held in any non-terminal state (pending, running, completing, requeued, held, suspended...). */
  | {
      kind: "listed";
      runnerState: string;
      /** The runner waits to start it (again): pending, requeued, held before a start. */
      pending?: boolean;
    }
  /** Held nowhere. For host-bound runners: the recorded process is gone (or its start time differs). */
  | { kind: "unlisted" }
  /** Not asked: Drover knows no job ID for it yet. */
  | { kind: "unknown" };

/** The runner's terminal state from accounting (sacct, qacct, qstat -x...), where it has one. */
export interface AccountingAnswer {
  terminal: "completed" | "failed" | "cancelled" | "preempted" | "oom" | "node_fail" | "walltime";
  exitCode: number | null;
  /** The signal that ended the job, when the runner's record says one did (`KILL`, `TERM`). */
  signal?: string;
  raw: string;
}

/** What the batch journal on the host says about a job of a submit batch. */
export type JournalAnswer =
  /** A `SUBMIT <key> rc=<rc> id=<id>` line. */
  | { kind: "line"; rc: number; jobId: string | null; output: string }
  /** The journal exists but has no line for this job; `batchAlive`: its batch program still runs. */
  | { kind: "no-line"; batchAlive: boolean }
  /** No journal file at all (the batch never started on the host). */
  | { kind: "absent" };

/** A search for the job by name (runners with job names), `/proc` and token (background), atq (at). */
export type LookupAnswer = { kind: "found"; jobId: string } | { kind: "not-found" };

/** Everything known about one live submission after one poll round. */
export interface VerdictInput {
  state: JobState;
  /** The job.status file, read after the runner's answer; null when there is none. */
  status: StatusFile | null;
  /** The runner query for this host failed (non-zero, unparsable, cannot connect): its error text. */
  queryError: string | null;
  queue: QueueAnswer;
  accounting: AccountingAnswer | null;
  /** Drover itself asked to kill this submission. */
  killRequested: boolean;
  /** For jobs without a known job ID: the journal of the batch that submitted them. */
  journal: JournalAnswer | null;
  lookup: LookupAnswer | null;
  /** The job has been unlisted (or its batch dead with no line) for longer than the grace period. */
  graceExpired: boolean;
  /** The job ID Drover has recorded, if any. */
  jobId: string | null;
  /** Runner capability: jobs can be polled and killed only on the host that started them. */
  hostBound: boolean;
  /** Runner capability: accounting exists (a look there comes before a verdict on an unlisted job). */
  hasAccounting: boolean;
}

/** What to do with the submission. Every verdict carries its evidence, one short line per fact. */
export type Verdict =
  | {
      kind: "no-change";
      /** Set when the runner query failed: retried with back-off, never read as "jobs gone". */
      pollError?: string;
      /** What the next round must bring before a verdict: the grace to pass, accounting, a lookup. */
      needs?: "grace" | "accounting" | "lookup" | "batch";
      evidence: string[];
    }
  | { kind: "submitted"; jobId: string | null; evidence: string[] }
  | { kind: "running"; runCount: number; jobId: string | null; evidence: string[] }
  | { kind: "succeeded"; evidence: string[] }
  | {
      kind: "failed";
      reason: Reason;
      exitCode: number | null;
      signal: string | null;
      evidence: string[];
    }
  | { kind: "submit-failed"; reason: Reason; safeToRetry: boolean; evidence: string[] };
