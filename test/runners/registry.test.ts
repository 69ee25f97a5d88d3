import { test } from "node:test";
import assert from "node:assert/strict";
import { getRunner, registerRunner, runnerNames } from "../../src/runners/registry.js";
import { createBackgroundRunner } from "../../src/runners/background/background-runner.js";
import { UsageError } from "../../src/errors.js";

test("getRunner knows background and names the known runners otherwise", () => {
  assert.equal(getRunner("background").name, "background");
  assert.ok(runnerNames().includes("background"));
  assert.throws(
    () => getRunner("slurmm"),
    (e: unknown) => e instanceof UsageError && /slurmm.*known: background/.test(e.message),
  );
});

test("registerRunner checks the name", () => {
  const r = createBackgroundRunner();
  assert.throws(() => registerRunner({ ...r, name: "Bad Name" }), UsageError);
  registerRunner({ ...r, name: "site-bg" });
  assert.equal(getRunner("site-bg").name, "site-bg");
});
