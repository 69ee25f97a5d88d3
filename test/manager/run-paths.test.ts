import { test } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import {
  checkRunName,
  defaultRunName,
  droverHome,
  jobLogRel,
  runPaths,
} from "../../src/manager/run-paths.js";
import { NAME_MAX, UsageError } from "../../src/errors.js";

test("checkRunName accepts and returns valid names", () => {
  for (const name of ["a.b-c+d_1", "hello", "_x", "0", "A9", "x".repeat(NAME_MAX)]) {
    assert.equal(checkRunName(name), name);
  }
});

test("checkRunName rejects path tricks, hidden names, spaces, shell text and over-long names", () => {
  const bad = [
    "",
    ".",
    "..",
    "a..b",
    "../x",
    "a/b",
    "/abs",
    ".x",
    "-x",
    "+x",
    "a b",
    " a",
    "a\n",
    "a\tb",
    "a;b",
    "$(x)",
    "a`b`",
    "a'b",
    "a*",
    "é",
    "x".repeat(NAME_MAX + 1),
  ];
  for (const name of bad) {
    assert.throws(
      () => checkRunName(name),
      (err: unknown) => err instanceof UsageError && err.message.startsWith(`bad run name "${name}"`),
      JSON.stringify(name),
    );
  }
});

test("defaultRunName: the file's base name without .yaml or .yml", () => {
  assert.equal(defaultRunName("x/hello.yaml"), "hello");
  assert.equal(defaultRunName("/abs/dir/hello.yml"), "hello");
  assert.equal(defaultRunName("HELLO.YAML"), "HELLO");
  assert.equal(defaultRunName("a.b-c.yaml"), "a.b-c");
  assert.equal(defaultRunName("noext"), "noext");
  assert.equal(defaultRunName("x/set.json"), "set.json");
});

test("defaultRunName: a file name that makes no valid run name asks for --name", () => {
  for (const file of [
    "x/.yaml",
    "x/my jobs.yaml",
    "x/.hidden.yaml",
    "x/-a.yml",
    `x/${"y".repeat(NAME_MAX + 1)}.yaml`,
  ]) {
    assert.throws(
      () => defaultRunName(file),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.includes(`"${path.basename(file)}"`) &&
        err.message.includes("--name"),
      file,
    );
  }
});

test("jobLogRel zero-pads the submit number to two digits", () => {
  assert.equal(jobLogRel("j", 1), "log/job/j/01");
  assert.equal(jobLogRel("j", 9), "log/job/j/09");
  assert.equal(jobLogRel("j", 10), "log/job/j/10");
  assert.equal(jobLogRel("a.b", 123), "log/job/a.b/123");
});

test("runPaths: store, logs and job log directories inside the run directory", () => {
  const p = runPaths("/runs/r1");
  assert.equal(p.runDir, "/runs/r1");
  assert.equal(p.store, "/runs/r1/store.db");
  assert.equal(p.log, "/runs/r1/log");
  assert.equal(p.schedulerLog, "/runs/r1/log/drover.log");
  assert.equal(p.jobLogDir("compute", 3), "/runs/r1/log/job/compute/03");
});

test("droverHome: $DROVER_HOME made absolute, else ~/drover-run", () => {
  assert.equal(droverHome({ DROVER_HOME: "/srv/runs" }), "/srv/runs");
  assert.equal(droverHome({ DROVER_HOME: "rel/runs" }), path.resolve("rel/runs"));
  assert.equal(droverHome({ DROVER_HOME: "" }), path.join(os.homedir(), "drover-run"));
  assert.equal(droverHome({}), path.join(os.homedir(), "drover-run"));
});
