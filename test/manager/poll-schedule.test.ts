import { test } from "node:test";
import assert from "node:assert/strict";
import { nextPollMs, nthDelay, type PollTiming } from "../../src/manager/poll-schedule.js";
import type { PollingSchedule } from "../../src/manager/platform.js";

const T0 = Date.parse("2026-11-26T12:00:00Z");
const S: PollingSchedule = { submission: [2, 4, 8], execution: [10, 20], timeLimit: [3, 6] };

/** Seconds from now to the next poll. */
function inS(t: Partial<PollTiming> & Pick<PollTiming, "state">, s = S): number {
  const timing: PollTiming = { pollCount: 0, nowMs: T0, startedMs: null, timeLimitS: null, ...t };
  return (nextPollMs(s, timing) - timing.nowMs) / 1000;
}

test("nthDelay: values in order, then the last one repeats", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 10, 1000].map((n) => nthDelay([1, 2, 5], n)),
    [1, 2, 5, 5, 5, 5],
  );
  assert.equal(nthDelay([7], 0), 7);
  assert.equal(nthDelay([7], 99), 7);
});

test("nthDelay: an empty list gives the 60 s default", () => {
  assert.equal(nthDelay([], 0), 60);
  assert.equal(nthDelay([], 5), 60);
});

test("submitted (and submitting, uncertain) jobs follow the submission list", () => {
  for (const state of ["submitted", "submitting", "uncertain"] as const) {
    assert.deepEqual(
      [0, 1, 2, 3, 9].map((pollCount) => inS({ state, pollCount })),
      [2, 4, 8, 8, 8],
      state,
    );
  }
});

test("a submitted job ignores a time limit: it has not started", () => {
  assert.equal(inS({ state: "submitted", startedMs: T0 - 1_000_000, timeLimitS: 1 }), 2);
});

test("running without a time limit follows the execution list", () => {
  assert.deepEqual(
    [0, 1, 2, 7].map((pollCount) => inS({ state: "running", pollCount, startedMs: T0 - 5000 })),
    [10, 20, 20, 20],
  );
});

test("running with a time limit but no known start follows the execution list", () => {
  assert.equal(inS({ state: "running", timeLimitS: 1, startedMs: null }), 10);
});

test("running, limit far off: the execution list", () => {
  assert.equal(inS({ state: "running", startedMs: T0, timeLimitS: 3600 }), 10);
  assert.equal(inS({ state: "running", startedMs: T0, timeLimitS: 3600, pollCount: 1 }), 20);
});

test("running, limit near: the next poll comes at the limit plus the first time-limit delay", () => {
  // Started 95 s ago with a 100 s limit: limit in 5 s, first time-limit poll 3 s after it.
  const t = { state: "running" as const, startedMs: T0 - 95_000, timeLimitS: 100 };
  assert.equal(inS(t), 8);
  assert.equal(inS({ ...t, pollCount: 1 }), 8, "the time-limit poll wins over a longer regular one");
});

test("running, limit exactly now: the time-limit list", () => {
  const t = { state: "running" as const, startedMs: T0 - 100_000, timeLimitS: 100 };
  assert.equal(inS(t), 3);
});

test("running, past the limit: polls fall at the limit plus the list's running sums, the last repeating", () => {
  // Limit at T0 - 400 s with time-limit list [3, 6]: polls at limit + 3, 9, 15, 21, ...
  const limitAgo = (s: number) => ({
    state: "running" as const,
    startedMs: T0 - (100 + s) * 1000,
    timeLimitS: 100,
  });
  assert.deepEqual(
    [0.5, 3, 5, 400].map((ago) => inS({ ...limitAgo(ago), pollCount: 7 })),
    [2.5, 6, 4, 5],
  );
});

test("past the limit with an empty time-limit list: the 60 s default, counted from the limit", () => {
  const s = { ...S, timeLimit: [] };
  const t = { state: "running" as const, startedMs: T0 - 500_000, timeLimitS: 100 };
  assert.equal(inS(t, s), 20);
});

test("empty submission and execution lists fall back to 60 s", () => {
  const s = { submission: [], execution: [], timeLimit: [] };
  assert.equal(inS({ state: "submitted" }, s), 60);
  assert.equal(inS({ state: "running", startedMs: T0 }, s), 60);
});

test("the result is an absolute time: now plus the delay", () => {
  const nowMs = T0 + 123_456;
  assert.equal(
    nextPollMs(S, { state: "submitted", pollCount: 0, nowMs, startedMs: null, timeLimitS: null }),
    nowMs + 2000,
  );
});
