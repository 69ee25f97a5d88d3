/**
 * The verdict function over a generated grid of every state and every combination of facts:
 * totality and the invariants that must hold whatever the rule that fired.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { JOB_STATES, LIVE_STATES, type JobState, type StatusFile } from "../../src/job/model.js";
import { applyVerdict, canMove } from "../../src/job/transitions.js";
import { decideVerdict } from "../../src/job/verdict.js";
import type { QueueAnswer, Verdict, VerdictInput } from "../../src/job/verdict-input.js";
import { ACCOUNTINGS, JOURNALS, LOOKUPS, STATUSES } from "./verdict-fixtures.js";

const QUEUES: QueueAnswer[] = [
  { kind: "listed", runnerState: "PD" },
  { kind: "unlisted" },
  { kind: "unknown" },
];
const BOOLS = [false, true];
/** Runner capabilities as they exist: host-bound runners (background, at) have no accounting. */
const CAPABILITIES = [
  { hostBound: false, hasAccounting: false },
  { hostBound: false, hasAccounting: true },
  { hostBound: true, hasAccounting: false },
];

/** The values of each fact the grid combines; a test may narrow some. */
interface Dims {
  states: readonly JobState[];
  queryErrors: (string | null)[];
  accountings: typeof ACCOUNTINGS;
  lookups: typeof LOOKUPS;
}

/** Calls `visit` on every combination of facts: states x statuses x queues x ... x recorded job ID. */
function forEachInput(over: Partial<Dims>, visit: (i: VerdictInput) => void): void {
  const d: Dims = {
    states: [...LIVE_STATES],
    queryErrors: [null],
    accountings: ACCOUNTINGS,
    lookups: LOOKUPS,
    ...over,
  };
  for (const state of d.states)
    for (const status of Object.values(STATUSES))
      for (const queryError of d.queryErrors)
        for (const queue of QUEUES)
          for (const accounting of d.accountings)
            for (const killRequested of BOOLS)
              for (const journal of JOURNALS)
                for (const lookup of d.lookups)
                  for (const graceExpired of BOOLS)
                    for (const caps of CAPABILITIES)
                      for (const jobId of [null, "123"])
                        visit({
                          state,
                          status,
                          queryError,
                          queue,
                          accounting,
                          killRequested,
                          journal,
                          lookup,
                          graceExpired,
                          jobId,
                          ...caps,
                        });
}

const started = (s: StatusFile | null) => s !== null && (s.inits.length > 0 || s.exit !== null);
const idKnown = (i: VerdictInput) => i.jobId !== null || (i.status?.jobId ?? null) !== null;
const isFinal = (v: Verdict) => v.kind === "succeeded" || v.kind === "failed" || v.kind === "submit-failed";

/** Every invariant of one (input, verdict) pair; returns the first broken one, or null. */
function broken(i: VerdictInput, v: Verdict): string | null {
  if (!Array.isArray(v.evidence) || v.evidence.length === 0) return "no evidence";
  if (v.evidence.some((l) => typeof l !== "string" || l.trim() === "" || /\p{Cc}/u.test(l)))
    return "bad evidence line";
  const moved = applyVerdict(i.state, v);
  if (LIVE_STATES.has(i.state)) {
    if ("ignored" in moved) return `proposes a disallowed move: ${moved.why}`;
    if (moved.to !== i.state && !canMove(i.state, moved.to)) return "move outside the table";
  } else if (v.kind !== "no-change") return "verdict for a job that is not live";
  if (v.kind !== "no-change" && ("needs" in v || "pollError" in v)) return "needs on a verdict";
  if (
    i.queryError !== null &&
    (v.kind !== "no-change" || v.pollError !== i.queryError) &&
    LIVE_STATES.has(i.state)
  ) {
    return "query error not reported as a poll error";
  }
  if (v.kind === "succeeded" && !(i.status?.exit?.signal === "SUCCEEDED" && i.status.exit.code === 0)) {
    return "success without EXIT=SUCCEEDED|0";
  }
  if (v.kind === "failed" && i.killRequested && v.reason.kind !== "killed") return "kill not the reason";
  if (
    v.kind === "failed" &&
    ![
      "exit",
      "signal",
      "walltime",
      "oom",
      "preempted",
      "node_fail",
      "cancelled",
      "killed",
      "vanished",
    ].includes(v.reason.kind)
  ) {
    return "bad failure reason";
  }
  if (v.kind === "submit-failed") {
    if (started(i.status)) return "submit-failed for a job that ran";
    if (idKnown(i)) return "submit-failed with a known job ID";
    if (i.journal?.kind === "line" && i.journal.rc === 0)
      return "submit-failed although the runner accepted it";
    if (i.lookup?.kind === "found") return "submit-failed although the lookup found it";
    if (!v.safeToRetry || v.reason.kind !== "submit-failed") return "submit-failed not safe to retry";
  }
  if (idKnown(i) && i.queue.kind !== "unlisted" && isFinal(v)) return "final while listed or not asked";
  if ((v.kind === "failed" || v.kind === "succeeded") && !i.graceExpired && !i.status?.exit && idKnown(i)) {
    return "final without EXIT before the grace";
  }
  if (
    v.kind === "no-change" &&
    v.needs === "batch" &&
    !(i.journal?.kind === "no-line" && i.journal.batchAlive)
  ) {
    return "waits for a batch that is not running";
  }
  if (v.kind === "running" && (!Number.isInteger(v.runCount) || v.runCount < 1)) return "bad run count";
  if (v.kind === "failed" && v.exitCode !== null && !Number.isInteger(v.exitCode)) return "bad exit code";
  return null;
}

test("grid: every live state and combination of facts gives one allowed verdict", () => {
  const counts = new Map<string, number>();
  let n = 0;
  forEachInput({}, (i) => {
    let v: Verdict;
    try {
      v = decideVerdict(i);
    } catch (err) {
      assert.fail(`threw ${String(err)} on ${JSON.stringify(i)}`);
    }
    const bad = broken(i, v);
    if (bad !== null) assert.fail(`${bad}: ${JSON.stringify(i)} -> ${JSON.stringify(v)}`);
    const key = v.kind === "no-change" ? `no-change:${v.needs ?? "-"}` : v.kind;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    n++;
  });
  assert.ok(n > 500_000, `grid of ${n}`);
  // Every outcome is reached somewhere in the grid: the rules are not dead code.
  for (const k of ["submitted", "running", "succeeded", "failed", "submit-failed", "no-change:-"])
    assert.ok(counts.has(k), k);
  for (const k of ["grace", "accounting", "lookup", "batch"]) assert.ok(counts.has(`no-change:${k}`), k);
});

test("grid: a failed query never changes anything", () => {
  // Accounting and lookup come after rule 1: one value each keeps the test fast.
  const queryErrors = ["sbatch: error: slurm_load_jobs: Socket timed out"];
  forEachInput({ queryErrors, accountings: [null], lookups: [null] }, (i) => {
    const v = decideVerdict(i);
    assert.equal(v.kind, "no-change");
    const bad = broken(i, v);
    if (bad !== null) assert.fail(`${bad}: ${JSON.stringify(i)}`);
  });
});

test("grid: states that are not live are never moved by a verdict", () => {
  const notLive = JOB_STATES.filter((s) => !LIVE_STATES.has(s));
  forEachInput({ states: notLive, queryErrors: [null, "refused"], lookups: [null] }, (i) => {
    const v = decideVerdict(i);
    assert.equal(v.kind, "no-change");
    assert.ok(v.evidence[0]?.includes("not live"));
  });
});

test("grid: the verdict is a function of its input (same input, same verdict)", () => {
  let k = 0;
  forEachInput({ states: ["uncertain", "running"] }, (i) => {
    if (k++ % 997 !== 0) return;
    assert.deepEqual(decideVerdict(structuredClone(i)), decideVerdict(i));
  });
});
