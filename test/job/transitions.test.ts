import { test } from "node:test";
import assert from "node:assert/strict";
import { FINAL_STATES, JOB_STATES, LIVE_STATES, type JobState, type Reason } from "../../src/job/model.js";
import {
  TRANSITIONS,
  allowedMoves,
  applyVerdict,
  canMove,
  mayRetry,
  whyMove,
} from "../../src/job/transitions.js";
import type { Verdict } from "../../src/job/verdict-input.js";

/** The moves the design allows, written out independently of the table under test. */
const EXPECTED = new Set([
  "waiting>submitting",
  "waiting>failed",
  "submitting>submitted",
  "submitting>waiting",
  "submitting>uncertain",
  "submitting>submit-failed",
  "submitting>running",
  "submitting>succeeded",
  "submitting>failed",
  "uncertain>submitted",
  "uncertain>running",
  "uncertain>succeeded",
  "uncertain>failed",
  "uncertain>submit-failed",
  "submitted>running",
  "submitted>succeeded",
  "submitted>failed",
  "running>submitted",
  "running>succeeded",
  "running>failed",
  "failed>waiting",
  "submit-failed>waiting",
]);

test("every pair of states is allowed exactly per the table", () => {
  for (const from of JOB_STATES) {
    for (const to of JOB_STATES) {
      const key = `${from}>${to}`;
      assert.equal(canMove(from, to), EXPECTED.has(key), key);
      assert.equal(allowedMoves(from).includes(to), EXPECTED.has(key), key);
      assert.equal(whyMove(from, to) !== null, EXPECTED.has(key), key);
    }
  }
  assert.equal(TRANSITIONS.length, EXPECTED.size);
});

test("every row is unique, documented in one line, and never a self move", () => {
  const seen = new Set<string>();
  for (const t of TRANSITIONS) {
    const key = `${t.from}>${t.to}`;
    assert.ok(!seen.has(key), `duplicate row ${key}`);
    seen.add(key);
    assert.notEqual(t.from, t.to);
    assert.ok(t.why.trim().length > 10 && !t.why.includes("\n"), key);
  }
  for (const s of JOB_STATES) assert.equal(canMove(s, s), false, s);
});

test("final states move only by the documented retries", () => {
  assert.deepEqual(allowedMoves("succeeded"), []);
  assert.deepEqual(allowedMoves("failed"), ["waiting"]);
  assert.deepEqual(allowedMoves("submit-failed"), ["waiting"]);
  for (const s of FINAL_STATES) for (const to of allowedMoves(s)) assert.equal(to, "waiting");
});

test("the allowed lists cannot be altered by a caller", () => {
  const moves = allowedMoves("running") as JobState[];
  assert.throws(() => moves.push("waiting"));
  assert.equal(canMove("running", "waiting"), false);
});

test("a killed or cancelled job never retries; other failures may", () => {
  const no: Reason[] = [
    { kind: "killed" },
    { kind: "cancelled" },
    { kind: "need-failed", need: "prep" },
    { kind: "submit-failed", detail: "x" },
    { kind: "succeeded" },
  ];
  const yes: Reason[] = [
    { kind: "exit", code: 3 },
    { kind: "signal", signal: "TERM" },
    { kind: "walltime" },
    { kind: "oom" },
    { kind: "preempted" },
    { kind: "node_fail" },
    { kind: "vanished" },
  ];
  for (const r of no) assert.equal(mayRetry(r), false, r.kind);
  for (const r of yes) assert.equal(mayRetry(r), true, r.kind);
});

/** One verdict of each kind. */
const VERDICTS: Verdict[] = [
  { kind: "no-change", evidence: ["e"] },
  { kind: "submitted", jobId: "1", evidence: ["e"] },
  { kind: "running", runCount: 1, jobId: "1", evidence: ["e"] },
  { kind: "succeeded", evidence: ["e"] },
  { kind: "failed", reason: { kind: "exit", code: 1 }, exitCode: 1, signal: null, evidence: ["e"] },
  {
    kind: "submit-failed",
    reason: { kind: "submit-failed", detail: "d" },
    safeToRetry: true,
    evidence: ["e"],
  },
];

test("applyVerdict: every state x every verdict kind", () => {
  for (const state of JOB_STATES) {
    for (const v of VERDICTS) {
      const r = applyVerdict(state, v);
      const label = `${state} + ${v.kind}`;
      if (v.kind === "no-change") {
        assert.deepEqual(r, { to: state }, label);
      } else if (!LIVE_STATES.has(state)) {
        assert.ok("ignored" in r && r.why.includes("not live"), label);
      } else if (v.kind === state) {
        assert.deepEqual(r, { to: state }, label);
      } else if (canMove(state, v.kind)) {
        assert.deepEqual(r, { to: v.kind }, label);
      } else {
        assert.ok("ignored" in r && r.why === `no move from ${state} to ${v.kind}`, label);
      }
    }
  }
});

test("applyVerdict: notable cases", () => {
  const [, submitted, running, succeeded, failed, submitFailed] = VERDICTS as [Verdict, ...Verdict[]];
  assert.deepEqual(applyVerdict("running", submitted!), { to: "submitted" }); // requeue
  assert.deepEqual(applyVerdict("running", running!), { to: "running" }); // refresh, no move
  assert.deepEqual(applyVerdict("submitting", succeeded!), { to: "succeeded" }); // finished before reply
  assert.deepEqual(applyVerdict("uncertain", submitFailed!), { to: "submit-failed" });
  assert.ok("ignored" in applyVerdict("running", submitFailed!)); // it ran: never a submit failure
  assert.ok("ignored" in applyVerdict("submitted", submitFailed!));
  assert.ok("ignored" in applyVerdict("succeeded", running!)); // backward
  assert.ok("ignored" in applyVerdict("failed", failed!)); // final jobs are not polled
  assert.ok("ignored" in applyVerdict("waiting", failed!)); // need-failed is the manager's move
});
