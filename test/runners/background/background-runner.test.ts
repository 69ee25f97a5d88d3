import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createBackgroundRunner,
  backgroundRunner as bg,
} from "../../../src/runners/background/background-runner.js";
import { matchesRecord, parseProcLines } from "../../../src/runners/background/proc-stat.js";
import type { JobRef } from "../../../src/runners/runner.js";

const target = {
  key: "a/01",
  token: "t",
  scriptPath: "~/run/log/job/a/01/job",
  stdout: "~/o",
  stderr: "~/e",
};

test("capabilities and submit specs: timeout with XCPU when limited, plain bash otherwise", () => {
  assert.deepEqual(bg.capabilities, {
    hostBound: true,
    killsGroup: true,
    clusters: false,
    accounting: false,
    jobNames: false,
  });
  assert.deepEqual(
    bg.directives({ key: "a/01", jobName: "x", stdout: "/o", stderr: "/e", timeLimitS: 5, cluster: null }),
    [],
  );
  const limited = createBackgroundRunner({ limitGraceS: 7 }).submitCommand({ ...target, timeLimitS: 60 });
  assert.deepEqual(limited.argv, [
    "timeout",
    "-k",
    "7s",
    "--signal=XCPU",
    "60s",
    "bash",
    { path: target.scriptPath },
  ]);
  assert.equal(limited.detach, true);
  assert.equal(limited.stdin, "/dev/null");
  assert.equal(limited.stdout, "~/o");
  assert.deepEqual(bg.submitCommand({ ...target, timeLimitS: null }).argv, [
    "bash",
    { path: target.scriptPath },
  ]);
  assert.throws(() => createBackgroundRunner({ limitGraceS: 0 }), /limitGraceS/);
});

test("parseSubmit: a PID with its guard data, or an error", () => {
  assert.deepEqual(bg.parseSubmit({ rc: 0, id: "123", start: "456", boot: "b", output: "" }), {
    jobId: "123",
    runnerData: { start: "456", boot: "b" },
    error: null,
  });
  assert.equal(bg.parseSubmit({ rc: 1, id: "", start: "", boot: "b", output: "no fork" }).jobId, null);
  assert.equal(bg.parseSubmit({ rc: 0, id: "12; rm", start: "", boot: "b", output: "" }).jobId, null);
});

test("parsePoll: listed only on a live PID with the same start time and boot", () => {
  const jobs: JobRef[] = [
    { key: "ok", jobId: "10", runnerData: { start: "100", boot: "B" } },
    { key: "reused", jobId: "11", runnerData: { start: "100", boot: "B" } },
    { key: "zombie", jobId: "12", runnerData: { start: "100", boot: "B" } },
    { key: "gone", jobId: "13", runnerData: { start: "100", boot: "B" } },
    { key: "rebooted", jobId: "14", runnerData: { start: "100", boot: "A" } },
    { key: "nostart", jobId: "15", runnerData: {} },
    { key: "badid", jobId: "x", runnerData: {} },
  ];
  assert.deepEqual(bg.pollQuery(jobs), { kind: "proc", pids: ["10", "11", "12", "13", "14", "15"] });
  const text = "10 S 100\n11 R 999\n12 Z 100\n13 - -\n14 S 100\n15 S 1\n";
  const r = bg.parsePoll({ rc: 0, text, boot: "B" }, jobs);
  assert.ok(r.ok);
  const kinds = Object.fromEntries([...r.answers].map(([k, a]) => [k, a.kind]));
  assert.deepEqual(kinds, {
    ok: "listed",
    reused: "unlisted",
    zombie: "unlisted",
    gone: "unlisted",
    rebooted: "unlisted",
    nostart: "unlisted",
    badid: "unlisted",
  });
  // A failed or unreadable query is an error, never "jobs gone".
  assert.equal(bg.parsePoll({ rc: 2, text: "", boot: "B" }, jobs).ok, false);
  assert.equal(bg.parsePoll({ rc: 0, text: "garbage here now\n", boot: "B" }, jobs).ok, false);
  assert.equal(bg.parsePoll({ rc: 0, text: "10 S 100\n", boot: "B" }, jobs).ok, false);
});

test("killAction: a guarded group kill, refused without a start time or a PID", () => {
  assert.deepEqual(bg.killAction({ key: "a", jobId: "10", runnerData: { start: "5", boot: "B" } }), {
    kind: "group",
    guard: { pid: "10", start: "5", boot: "B" },
  });
  assert.equal(bg.killAction({ key: "a", jobId: "10", runnerData: {} }).kind, "refuse");
  assert.equal(bg.killAction({ key: "a", jobId: "-1", runnerData: { start: "5" } }).kind, "refuse");
});

test("parseLookup: the live group leader holding the script, with its guard data", () => {
  const r = bg.parseLookup({ rc: 0, text: "21 20 S 700\n20 20 S 700\n", boot: "B" });
  assert.deepEqual(r, {
    ok: true,
    answer: { kind: "found", jobId: "20" },
    runnerData: { start: "700", boot: "B" },
  });
  const z = bg.parseLookup({ rc: 0, text: "20 20 Z 700\n", boot: "B" });
  assert.deepEqual(z.ok && z.answer, { kind: "not-found" });
  assert.equal(bg.parseLookup({ rc: 127, text: "", boot: "B" }).ok, false);
  assert.equal(bg.parseLookup({ rc: 0, text: "nonsense\n", boot: "B" }).ok, false);
  assert.deepEqual(bg.lookupQuery({ key: "a", scriptPath: "/r/job" }), {
    kind: "proc-args",
    scriptPath: "/r/job",
  });
});

test("proc-stat helpers", () => {
  assert.deepEqual(
    parseProcLines("1 S 2\n3 - -\n"),
    new Map([
      ["1", { state: "S", start: "2" }],
      ["3", null],
    ]),
  );
  assert.ok("error" in parseProcLines("1 S\n"));
  assert.equal(matchesRecord({ state: "S", start: "2" }, { start: "2", boot: "B" }, "B"), true);
  assert.equal(matchesRecord({ state: "S", start: "2" }, { start: "", boot: "B" }, "B"), false);
  assert.equal(matchesRecord(null, { start: "2", boot: "B" }, "B"), false);
});
