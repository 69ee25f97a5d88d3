import { test } from "node:test";
import assert from "node:assert/strict";
import { planExecutionRetry, planSubmissionRetry, type RetryDelays } from "../../src/manager/retry-policy.js";
import { formatReason } from "../../src/job/model.js";
import { fakeJobRow } from "./job-row-fixture.js";

const NOW = Date.parse("2026-11-26T12:00:00Z");
const DELAYS: RetryDelays = { submission: [5, 15], execution: [10, 30, 60] };
const EXIT1 = formatReason({ kind: "exit", code: 1 });

test("execution retries: three delays give three retries, counted by try, then none", () => {
  const seen: [number, number][] = [];
  let row = fakeJobRow("j", "failed", { try: 1, submit_fails: 2 });
  for (;;) {
    const plan = planExecutionRetry(row, EXIT1, DELAYS, NOW);
    if (!plan) break;
    seen.push([plan.try, (plan.retryAtMs - NOW) / 1000]);
    assert.equal(plan.submitFails, 0, "a new try starts with no submission failures");
    row = fakeJobRow("j", "failed", { try: plan.try, submit_num: row.submit_num + 1 });
  }
  assert.deepEqual(seen, [
    [2, 10],
    [3, 30],
    [4, 60],
  ]);
  assert.equal(row.try, 4);
});

test("execution retry: the why says which retry and the delay", () => {
  const plan = planExecutionRetry(fakeJobRow("j", "failed", { try: 2 }), EXIT1, DELAYS, NOW);
  assert.ok(plan);
  assert.equal(plan.why, "execution retry 2/3 in 30s");
});

test("execution retries are counted by try, not submit number (submission retries in between)", () => {
  const row = fakeJobRow("j", "failed", { try: 1, submit_num: 5, submit_fails: 2 });
  const plan = planExecutionRetry(row, EXIT1, DELAYS, NOW);
  assert.deepEqual(plan, {
    try: 2,
    submitFails: 0,
    retryAtMs: NOW + 10_000,
    why: "execution retry 1/3 in 10s",
  });
});

test("no execution delays: no execution retry", () => {
  const plan = planExecutionRetry(fakeJobRow("j", "failed"), EXIT1, { submission: [1], execution: [] }, NOW);
  assert.equal(plan, null);
});

test("every failure reason but killed and need-failed gets a retry", () => {
  const reasons = [
    formatReason({ kind: "signal", signal: "TERM" }),
    formatReason({ kind: "walltime" }),
    formatReason({ kind: "oom" }),
    formatReason({ kind: "preempted" }),
    formatReason({ kind: "node_fail" }),
    formatReason({ kind: "cancelled" }),
    formatReason({ kind: "vanished" }),
    EXIT1,
  ];
  for (const reason of reasons) {
    assert.ok(planExecutionRetry(fakeJobRow("j", "failed"), reason, DELAYS, NOW), reason);
  }
});

test("a killed job never retries, retries left or not", () => {
  const reason = formatReason({ kind: "killed" });
  assert.equal(planExecutionRetry(fakeJobRow("j", "failed", { try: 1 }), reason, DELAYS, NOW), null);
});

test("a need-failed job never retries", () => {
  const reason = formatReason({ kind: "need-failed", need: "prepare" });
  assert.equal(reason, "need-failed(prepare)");
  assert.equal(planExecutionRetry(fakeJobRow("j", "failed", { try: 1 }), reason, DELAYS, NOW), null);
});

test("submission retries: counted by submit_fails, the try kept, then none", () => {
  const seen: [number, number, number][] = [];
  let row = fakeJobRow("j", "submit-failed", { try: 2 });
  for (;;) {
    const plan = planSubmissionRetry(row, false, DELAYS, NOW);
    if (!plan) break;
    seen.push([plan.try, plan.submitFails, (plan.retryAtMs - NOW) / 1000]);
    row = fakeJobRow("j", "submit-failed", { try: plan.try, submit_fails: plan.submitFails });
  }
  assert.deepEqual(seen, [
    [2, 1, 5],
    [2, 2, 15],
  ]);
});

test("submission retry: the why says which retry and the delay", () => {
  const plan = planSubmissionRetry(fakeJobRow("j", "submit-failed"), false, DELAYS, NOW);
  assert.equal(plan?.why, "submission retry 1/2 in 5s");
});

test("submission retries do not depend on the execution budget", () => {
  const row = fakeJobRow("j", "submit-failed", { try: 4 });
  assert.equal(planExecutionRetry(fakeJobRow("j", "failed", { try: 4 }), EXIT1, DELAYS, NOW), null);
  assert.equal(planSubmissionRetry(row, false, DELAYS, NOW)?.submitFails, 1);
});

test("notSubmitted resubmits at once without spending a retry, even with none left", () => {
  for (const submitFails of [0, 2]) {
    const row = fakeJobRow("j", "submit-failed", { try: 3, submit_fails: submitFails });
    const plan = planSubmissionRetry(row, true, DELAYS, NOW);
    assert.deepEqual(plan, {
      try: 3,
      submitFails,
      retryAtMs: NOW,
      why: "never reached the runner: submitting again",
    });
  }
  const none = { submission: [], execution: [] };
  assert.equal(planSubmissionRetry(fakeJobRow("j", "submit-failed"), true, none, NOW)?.retryAtMs, NOW);
});

test("kill_requested blocks any submission retry, notSubmitted or not", () => {
  const row = fakeJobRow("j", "submit-failed", { kill_requested: 1 });
  assert.equal(planSubmissionRetry(row, false, DELAYS, NOW), null);
  assert.equal(planSubmissionRetry(row, true, DELAYS, NOW), null);
});
