import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeQueryAnswers } from "../../src/remote/merge-queries.js";
import type { PollBatchOutcome } from "../../src/remote/poll-reply.js";
import type { QueryAnswer, QueryBatchResult } from "../../src/remote/query-reply.js";
import type { LookupJob } from "../../src/runners/runner.js";
import { createSlurmRunner } from "../../src/runners/slurm/slurm-runner.js";
import { END_LINE } from "../../src/runners/common/query-output.js";
import type { CommandResult } from "../../src/transport/command-result.js";

const RESULT: CommandResult = {
  argv: [],
  host: "h",
  exitCode: 0,
  signal: null,
  stdout: "",
  stderr: "",
  durationMs: 1,
  timedOut: false,
};
const BASE = { started: true, completed: true, result: RESULT, bootId: "b", error: null, missingTools: [] };
const OUT: PollBatchOutcome = {
  ...BASE,
  status: new Map(),
  queue: new Map(),
  queryError: null,
  journals: new Map(),
  lookups: new Map(),
  recovered: new Map(),
};
const JOBS: LookupJob[] = ["aaaaaaaa1", "bbbbbbbb2"].map((token, i) => ({
  key: `j${i}/01`,
  token,
  scriptPath: `~/r/j${i}/job`,
}));
const runner = createSlurmRunner({ accounting: false });

/** The merge of one batched lookup section answered `a` (or not at all). */
function merged(a: QueryAnswer | undefined, started = true): PollBatchOutcome {
  const asked: QueryBatchResult = {
    ...BASE,
    started,
    answers: new Map(a ? [["lookups-0", a]] : []),
  };
  const lookups = { single: new Map<string, string>(), batched: new Map([["lookups-0", JOBS]]) };
  return mergeQueryAnswers(OUT, asked, runner, [], [], lookups, false);
}

test("a batched lookup answers every job of its chunk: found ones are recovered", () => {
  const text = `JOBID|STATE|REASON|NAME\n7|PENDING|None|run.j0.aaaaaaaa1\n${END_LINE}\n`;
  const out = merged({ rc: 0, stdout: text, stderr: "" });
  assert.deepEqual(out.lookups.get("j0/01"), { kind: "found", jobId: "7" });
  assert.deepEqual(out.lookups.get("j1/01"), { kind: "not-found" });
  assert.deepEqual([...out.recovered.keys()], ["j0/01"]);
});

test("a failed, cut, timed-out or missing batched lookup is no answer, never not-found", () => {
  const cut = `JOBID|STATE|REASON|NAME\n`;
  for (const a of [
    undefined,
    { rc: null, stdout: "", stderr: "" },
    { rc: 1, stdout: "", stderr: "slurm_load_jobs error: Socket timed out" },
    { rc: 0, stdout: cut, stderr: "" },
  ]) {
    const out = merged(a);
    assert.equal(out.lookups.size, 0, JSON.stringify(a));
    assert.equal(out.recovered.size, 0);
  }
});
