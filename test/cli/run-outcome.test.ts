/** The closing line and exit code shared by `drover attach` and `drover stop`, as `drover run` gives them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closingLine, resumeCommand, type RunOutcome } from "../../src/cli/run-outcome.js";
import type { JobState } from "../../src/job/model.js";

function outcome(counts: [JobState, number][], path: string | null = "/j/set.yaml"): RunOutcome {
  const m = new Map(counts);
  const total = counts.reduce((n, [, c]) => n + c, 0);
  const open = counts
    .filter(([s]) => !["succeeded", "failed", "submit-failed"].includes(s))
    .reduce((n, [, c]) => n + c, 0);
  const live = counts
    .filter(([s]) => ["submitting", "uncertain", "submitted", "running"].includes(s))
    .reduce((n, [, c]) => n + c, 0);
  return {
    done: open === 0,
    counts: m,
    allSucceeded: (m.get("succeeded") ?? 0) === total,
    live,
    open,
    total,
    path,
  };
}

test("every job succeeded: 0", () => {
  assert.deepEqual(closingLine("r", outcome([["succeeded", 3]])), {
    line: "drover: run r: every job succeeded",
    code: 0,
  });
});

test("a job failed or never submitted: 1, with the count", () => {
  const c = closingLine(
    "r",
    outcome([
      ["succeeded", 2],
      ["failed", 1],
      ["submit-failed", 1],
    ]),
  );
  assert.equal(c.code, 1);
  assert.match(c.line, /run r: 2 jobs did not succeed \(drover status r --why\)/);
});

test("stopped before its end: 1 and the resume command, quoted", () => {
  const c = closingLine(
    "r",
    outcome(
      [
        ["running", 2],
        ["waiting", 1],
        ["succeeded", 1],
      ],
      "/a dir/it's.yaml",
    ),
  );
  assert.equal(c.code, 1);
  assert.match(c.line, /3 jobs not final \(2 live, left running\)/);
  assert.ok(c.line.endsWith(`Resume with: drover run '/a dir/it'\\''s.yaml' --name r`), c.line);
  assert.equal(resumeCommand("r", null), "drover run FILE --name r");
});
