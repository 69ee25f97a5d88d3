/** End to end through the real CLI: the examples run to the right final table. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, sandbox, statusJson } from "../helpers/cli.js";
import { assertMixedOutcomes } from "../helpers/mixed-example.js";

test("hello.yaml runs to success and resumes as finished", () => {
  const sb = sandbox();
  try {
    const file = join(ROOT, "examples", "hello.yaml");
    const r = sb.drover(["run", file]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const jobs = statusJson(sb, "hello");
    assert.deepEqual([...jobs.keys()].sort(), ["compute", "prepare", "report"]);
    for (const j of jobs.values()) {
      assert.equal(j.state, "succeeded");
      assert.equal(j.exit_code, 0);
      assert.equal(j.runner, "background");
      assert.equal(j.submit_num, 1);
    }
    const out = sb.drover(["log", "hello", "compute"]);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /sum of 1\.\.10 = 55/);
    // Running again resumes a finished run: nothing is submitted again.
    const again = sb.drover(["run", file]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(statusJson(sb, "hello").get("compute")?.submit_num, 1);
  } finally {
    sb.cleanup();
  }
});

test("mixed.yaml: every way a job can end, with the right reasons", () => {
  const sb = sandbox();
  try {
    const file = join(ROOT, "examples", "mixed.yaml");
    const r = sb.drover(["run", file]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const jobs = statusJson(sb, "mixed");
    assertMixedOutcomes(jobs);
    assert.equal(existsSync("/tmp/drover-should-not-exist"), false);
    const lit = sb.drover(["log", "mixed", "env_literal"]);
    assert.equal(lit.stdout, "$(touch /tmp/drover-should-not-exist) `id` ;rm -rf ~\n");
    const why = sb.drover(["status", "mixed", "too_slow", "--why"]);
    assert.match(why.stdout, /XCPU/);
    const pkg = readFileSync(join(sb.home, "mixed", "share", "package.txt"), "utf8");
    assert.equal(pkg, "packaging\n");
  } finally {
    sb.cleanup();
  }
});
