/** End to end through the real CLI: the examples run to the right final table. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, sandbox, statusJson } from "../helpers/cli.js";

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
    assert.equal(jobs.size, 20);
    const want: Record<string, [string, string, number | null]> = {
      fetch: ["succeeded", "succeeded", 0],
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
    for (const [name, [state, reason, code]] of Object.entries(want)) {
      const j = jobs.get(name);
      assert.ok(j, name);
      assert.equal(j.state, state, `${name} state`);
      assert.equal(j.reason, reason, `${name} reason`);
      if (code !== null) assert.equal(j.exit_code, code, `${name} exit code`);
    }
    assert.equal(jobs.get("exit7_retried")?.submit_num, 2);
    assert.equal(jobs.get("exit7_retried")?.try, 2);
    assert.equal(jobs.get("flaky")?.try, 2);
    assert.equal(jobs.get("after_exit3")?.submitted_at, null);
    assert.equal(existsSync("/tmp/drover-should-not-exist"), false);
    const lit = sb.drover(["log", "mixed", "env_literal"]);
    assert.equal(lit.stdout, "$(touch /tmp/drover-should-not-exist) `id` ;rm -rf ~\n");
    const why = sb.drover(["status", "mixed", "too_slow", "--why"]);
    assert.match(why.stdout, /XCPU/);
    const counts = [...jobs.values()].filter((j) => j.state === "succeeded").length;
    assert.equal(counts, 14);
    const pkg = readFileSync(join(sb.home, "mixed", "share", "package.txt"), "utf8");
    assert.equal(pkg, "packaging\n");
  } finally {
    sb.cleanup();
  }
});
