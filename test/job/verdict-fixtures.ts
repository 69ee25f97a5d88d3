/**
 * Builders for verdict tests: parsed job.status files in every shape the parser can return, and
 * inputs with sensible defaults.
 */
import assert from "node:assert/strict";
import type { StatusExit, StatusFile, StatusInit } from "../../src/job/model.js";
import { decideVerdict } from "../../src/job/verdict.js";
import type {
  AccountingAnswer,
  JournalAnswer,
  LookupAnswer,
  Verdict,
  VerdictInput,
} from "../../src/job/verdict-input.js";

const T0 = "2026-11-26T11:40:00Z";

/** An INIT line as parsed. */
export function init(runCount: number, jobId = "123"): StatusInit {
  return { time: `2026-11-26T11:4${runCount}:00Z`, runCount, pid: 4000 + runCount, jobId };
}

/** An EXIT line as parsed. */
export function exitLine(signal: string, code: number): StatusExit {
  return { time: "2026-11-26T12:00:00Z", signal, code };
}

/** A status file; `jobId` defaults to DROVER_JOB_ID, else the last INIT's job ID, as the parser does. */
export function status(parts: {
  jobId?: string | null;
  inits?: StatusInit[];
  last?: "none" | "init" | "vacated";
  exit?: StatusExit | null;
  malformed?: { line: number; text: string }[];
}): StatusFile {
  const inits = parts.inits ?? [];
  const lastInit = inits[inits.length - 1];
  const kind = parts.last ?? (lastInit === undefined ? "none" : "init");
  let last: StatusFile["last"] = { kind: "none" };
  if (kind === "init" && lastInit !== undefined) last = { kind: "init", init: lastInit };
  if (kind === "vacated")
    last = { kind: "vacated", vacated: { time: "2026-11-26T11:59:00Z", signal: "TERM" } };
  const ownId = lastInit?.jobId === "" ? null : (lastInit?.jobId ?? null);
  return {
    token: "tok-abc",
    runner: "slurm",
    jobId: parts.jobId === undefined ? ownId : parts.jobId,
    submitTime: parts.jobId ? T0 : null,
    inits,
    messages: [],
    last,
    exit: parts.exit ?? null,
    malformed: parts.malformed ?? [],
  };
}

/** Every status shape a verdict must handle, by name. */
export const STATUSES: Record<string, StatusFile | null> = {
  none: null,
  tokenOnly: status({}),
  withId: status({ jobId: "123" }),
  init: status({ jobId: "123", inits: [init(1)] }),
  initOwnIdOnly: status({ inits: [init(1, "777")] }),
  initNoId: status({ inits: [init(1, "")] }),
  vacated: status({ jobId: "123", inits: [init(1)], last: "vacated" }),
  restarted: status({ jobId: "123", inits: [init(1), init(2)] }),
  exitSucceeded: status({ jobId: "123", inits: [init(1)], exit: exitLine("SUCCEEDED", 0) }),
  exitErr3: status({ jobId: "123", inits: [init(1)], exit: exitLine("ERR", 3) }),
  exitTerm: status({ jobId: "123", inits: [init(1)], exit: exitLine("TERM", 143) }),
  exitXcpu: status({ jobId: "123", inits: [init(1)], exit: exitLine("XCPU", 152) }),
  exitInt: status({ jobId: "123", inits: [init(1)], exit: exitLine("INT", 130) }),
  exitWrapper: status({ jobId: "123", inits: [init(1)], exit: exitLine("EXIT", 1) }),
  exitOddSucceeded: status({ jobId: "123", inits: [init(1)], exit: exitLine("SUCCEEDED", 2) }),
  exitAfterVacated: status({ jobId: "123", inits: [init(1)], last: "vacated", exit: exitLine("TERM", 143) }),
  exitNoInit: status({ jobId: "123", exit: exitLine("ERR", 3) }),
  exitOwnIdOnly: status({ inits: [init(2, "777")], exit: exitLine("SUCCEEDED", 0) }),
  malformed: status({
    jobId: "123",
    inits: [init(1)],
    malformed: [{ line: 4, text: "GARBAGE\u0007\nline" }],
  }),
};

/** Accounting answers: none, and each terminal state. */
export const ACCOUNTINGS: (AccountingAnswer | null)[] = [
  null,
  ...(["completed", "failed", "cancelled", "preempted", "oom", "node_fail", "walltime"] as const).map(
    (terminal): AccountingAnswer => ({
      terminal,
      exitCode: terminal === "completed" ? 0 : terminal === "failed" ? 7 : null,
      raw: `123|${terminal.toUpperCase()}|`,
    }),
  ),
];

/** Journal answers: not read, absent, no line (alive, dead), and lines. */
export const JOURNALS: (JournalAnswer | null)[] = [
  null,
  { kind: "absent" },
  { kind: "no-line", batchAlive: true },
  { kind: "no-line", batchAlive: false },
  { kind: "line", rc: 0, jobId: "555", output: "Submitted batch job 555" },
  { kind: "line", rc: 0, jobId: null, output: "garbled" },
  { kind: "line", rc: 1, jobId: null, output: "sbatch: error: invalid partition\nspecified" },
];

/** Lookup answers: not done, found, not found. */
export const LOOKUPS: (LookupAnswer | null)[] = [
  null,
  { kind: "found", jobId: "888" },
  { kind: "not-found" },
];

/** A verdict input: a submitted Slurm job, listed, no evidence of anything else. */
export function input(over: Partial<VerdictInput> = {}): VerdictInput {
  return {
    state: "submitted",
    status: STATUSES.withId ?? null,
    queryError: null,
    queue: { kind: "listed", runnerState: "PD" },
    accounting: null,
    killRequested: false,
    journal: null,
    lookup: null,
    graceExpired: true,
    jobId: "123",
    hostBound: false,
    hasAccounting: false,
    ...over,
  };
}

/** A status shape by name. */
export const S = (name: string) => STATUSES[name] ?? null;
/** The accounting answer with this terminal state. */
export const acct = (t: AccountingAnswer["terminal"]) => ACCOUNTINGS.find((a) => a?.terminal === t) ?? null;
/** Journal and lookup answers by name. */
export const [, ABSENT, ALIVE, DEAD, RC0, RC0_NO_ID, RC1] = JOURNALS;
export const [, FOUND, NOT_FOUND] = LOOKUPS;
export const UNLISTED = { kind: "unlisted" } as const;
export const UNKNOWN = { kind: "unknown" } as const;
export const LISTED_R = { kind: "listed", runnerState: "R" } as const;

/** The verdict with its evidence left out, for comparing outcomes. */
export function outcome(over: Partial<VerdictInput>): Omit<Verdict, "evidence"> {
  const v = decideVerdict(input(over));
  assert.ok(v.evidence.length > 0);
  const { evidence: _e, ...rest } = v;
  return rest;
}

/** The expected shape of a failed verdict. */
export const failed = (reason: object, exitCode: number | null = null, signal: string | null = null) => ({
  kind: "failed",
  reason,
  exitCode,
  signal,
});
/** The expected shape of a submit-failed verdict, always safe to retry. */
export const submitFailed = (detail: string) => ({
  kind: "submit-failed",
  reason: { kind: "submit-failed", detail },
  safeToRetry: true,
});
