/** What examples/mixed.yaml must end with, wherever its jobs run (localhost or a remote platform). */
import assert from "node:assert/strict";

/** Per job: state, reason, and exit code (null: not checked). */
const MIXED_OUTCOMES: Readonly<Record<string, readonly [string, string, number | null]>> = {
  fetch: ["succeeded", "succeeded", 0],
  build: ["succeeded", "succeeded", 0],
  last: ["succeeded", "succeeded", 0],
  publish: ["succeeded", "succeeded", 0],
  exit3: ["failed", "exit(3)", 3],
  exit7_retried: ["failed", "exit(7)", 7],
  flaky: ["succeeded", "succeeded", 0],
  terminated: ["failed", "signal(TERM)", 143],
  too_slow: ["failed", "walltime", null],
  after_exit3: ["failed", "need-failed(exit3)", null],
  after_slow: ["failed", "need-failed(too_slow)", null],
  env_literal: ["succeeded", "succeeded", 0],
};

/**
 * Checks the `drover status --json` rows of a finished mixed.yaml run: 20 jobs, 14 succeeded, every
 * way of ending with its reason, the retries, and a job whose need failed never submitted.
 */
export function assertMixedOutcomes(jobs: ReadonlyMap<string, Record<string, unknown>>): void {
  assert.equal(jobs.size, 20);
  for (const [name, [state, reason, code]] of Object.entries(MIXED_OUTCOMES)) {
    const j = jobs.get(name);
    assert.ok(j, name);
    assert.equal(j.state, state, `${name} state`);
    assert.equal(j.reason, reason, `${name} reason`);
    if (code !== null) assert.equal(j.exit_code, code, `${name} exit code`);
  }
  assert.deepEqual([jobs.get("exit7_retried")?.submit_num, jobs.get("exit7_retried")?.try], [2, 2]);
  assert.equal(jobs.get("flaky")?.try, 2);
  assert.equal(jobs.get("after_exit3")?.submitted_at, null);
  assert.equal([...jobs.values()].filter((j) => j.state === "succeeded").length, 14);
}
