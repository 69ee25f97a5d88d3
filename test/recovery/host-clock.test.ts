/**
 * The pure side of bad evidence found by the end-to-end suites here: a job host's skewed clock
 * (plausibleHostTime) and the evidence of a job seen running whose status file lost its start.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { HOST_CLOCK_SLACK_MS, plausibleHostTime } from "../../src/manager/record-verdict.js";
import type { RunContext } from "../../src/manager/run-context.js";
import { decideVerdict } from "../../src/job/verdict.js";
import { fakeJobRow } from "../manager/job-row-fixture.js";
import { input } from "../job/verdict-fixtures.js";

const NOW = Date.parse("2026-11-26T12:00:00Z");
// Only the clock is read.
const ctx = { clock: { now: () => NOW } } as unknown as RunContext;
const row = fakeJobRow("j", "submitted", { submitted_at: "2026-11-26T11:00:00.000Z" });
const at = (ms: number) => new Date(ms).toISOString();

test("a host time between the submission and now (within the slack) is kept", () => {
  for (const t of [at(NOW - 3_600_000 - HOST_CLOCK_SLACK_MS), at(NOW - 1000), at(NOW + HOST_CLOCK_SLACK_MS)])
    assert.equal(plausibleHostTime(ctx, row, t), t);
  assert.equal(plausibleHostTime(ctx, row, null), null);
});

test("a host clock years ahead or behind, or no time at all, is not believed", () => {
  for (const t of [
    "2036-11-23T12:00:00Z",
    "2006-12-01T12:00:00Z",
    at(NOW + HOST_CLOCK_SLACK_MS + 1000),
    "garbage",
  ])
    assert.equal(plausibleHostTime(ctx, row, t), null, t);
  // Without a recorded submission only the future is bounded.
  const recovered = fakeJobRow("j", "uncertain");
  assert.equal(plausibleHostTime(ctx, recovered, "2006-12-01T12:00:00Z"), "2006-12-01T12:00:00Z");
});

test("a job seen running whose status file shows no start: vanished, and the evidence says so", () => {
  const common = { status: null, queue: { kind: "unlisted" as const }, graceExpired: true, jobId: "42" };
  const seen = decideVerdict(input({ ...common, state: "running" }));
  assert.equal(seen.kind, "failed");
  assert.ok(
    seen.evidence.includes("verdict: seen running, then left the runner; its status file shows no start"),
  );
  const never = decideVerdict(input({ ...common, state: "submitted" }));
  assert.ok(
    never.evidence.includes("verdict: left the runner without ever starting"),
    never.evidence.join("\n"),
  );
});
