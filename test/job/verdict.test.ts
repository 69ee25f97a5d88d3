import { test } from "node:test";
import assert from "node:assert/strict";
import { decideVerdict } from "../../src/job/verdict.js";
import type { VerdictInput } from "../../src/job/verdict-input.js";
import {
  LISTED_R,
  RC0,
  UNKNOWN,
  UNLISTED,
  acct,
  exitLine,
  failed,
  init,
  input,
  outcome,
  S,
  status,
} from "./verdict-fixtures.js";

/** [what, input overrides, expected outcome] per DESIGN rule (0-5; 6-8 in verdict-identity.test.ts). */
const CASES: [string, Partial<VerdictInput>, object][] = [
  ["0: waiting is not polled", { state: "waiting" }, { kind: "no-change" }],
  ["0: succeeded is not polled", { state: "succeeded", queue: UNLISTED }, { kind: "no-change" }],
  [
    "1: query failed",
    { queryError: "ssh: connect refused", status: S("exitErr3"), queue: UNLISTED },
    { kind: "no-change", pollError: "ssh: connect refused" },
  ],
  ["2: succeeded", { state: "running", status: S("exitSucceeded"), queue: UNLISTED }, { kind: "succeeded" }],
  [
    "2: EXIT final at once, no grace",
    { state: "running", status: S("exitErr3"), queue: UNLISTED, graceExpired: false },
    failed({ kind: "exit", code: 3 }, 3),
  ],
  ["2: wrapper died", { status: S("exitWrapper"), queue: UNLISTED }, failed({ kind: "exit", code: 1 }, 1)],
  [
    "2: SUCCEEDED with a code is not success",
    { status: S("exitOddSucceeded"), queue: UNLISTED },
    failed({ kind: "exit", code: 2 }, 2),
  ],
  [
    "2: signal",
    { status: S("exitTerm"), queue: UNLISTED },
    failed({ kind: "signal", signal: "TERM" }, 143, "TERM"),
  ],
  [
    "2: INT",
    { status: S("exitInt"), queue: UNLISTED },
    failed({ kind: "signal", signal: "INT" }, 130, "INT"),
  ],
  [
    "2: SIG prefix dropped",
    { status: status({ jobId: "1", inits: [init(1)], exit: exitLine("SIGHUP", 129) }), queue: UNLISTED },
    failed({ kind: "signal", signal: "HUP" }, 129, "HUP"),
  ],
  [
    "2: XCPU is walltime",
    { status: S("exitXcpu"), queue: UNLISTED },
    failed({ kind: "walltime" }, 152, "XCPU"),
  ],
  [
    "2: signal waits for accounting",
    { status: S("exitTerm"), queue: UNLISTED, hasAccounting: true, graceExpired: false },
    { kind: "no-change", needs: "accounting" },
  ],
  [
    "2: not past the grace",
    { status: S("exitTerm"), queue: UNLISTED, hasAccounting: true },
    failed({ kind: "signal", signal: "TERM" }, 143, "TERM"),
  ],
  [
    "2: ERR does not wait for accounting",
    { status: S("exitErr3"), queue: UNLISTED, hasAccounting: true, graceExpired: false },
    failed({ kind: "exit", code: 3 }, 3),
  ],
  [
    "2: accounting beats the exit line",
    { status: S("exitTerm"), queue: UNLISTED, hasAccounting: true, accounting: acct("cancelled") },
    failed({ kind: "cancelled" }, 143, "TERM"),
  ],
  [
    "2: oom from accounting",
    { status: S("exitErr3"), queue: UNLISTED, accounting: acct("oom") },
    failed({ kind: "oom" }, 3),
  ],
  [
    "2: plain accounting failure keeps exit(n)",
    { status: S("exitErr3"), queue: UNLISTED, accounting: acct("failed") },
    failed({ kind: "exit", code: 3 }, 3),
  ],
  [
    "2: Drover's kill beats all",
    { status: S("exitTerm"), queue: UNLISTED, killRequested: true, accounting: acct("cancelled") },
    failed({ kind: "killed" }, 143, "TERM"),
  ],
  [
    "2: success before the kill stays success",
    { status: S("exitSucceeded"), queue: UNLISTED, killRequested: true },
    { kind: "succeeded" },
  ],
  [
    "2: vacated then EXIT is preempted",
    { status: S("exitAfterVacated"), queue: UNLISTED },
    failed({ kind: "preempted" }, 143, "TERM"),
  ],
  [
    "2: host-bound process gone",
    { state: "running", status: S("exitErr3"), queue: UNLISTED, hostBound: true },
    failed({ kind: "exit", code: 3 }, 3),
  ],
  [
    "3: EXIT but listed stays running",
    { state: "running", status: S("exitErr3"), queue: LISTED_R },
    { kind: "running", runCount: 1, jobId: "123" },
  ],
  [
    "3: started, pending again (requeued): submitted",
    { state: "running", status: S("init"), queue: { kind: "listed", runnerState: "PD", pending: true } },
    { kind: "submitted", jobId: "123" },
  ],
  [
    "3: EXIT, pending again (requeued): submitted",
    { state: "running", status: S("exitErr3"), queue: { kind: "listed", runnerState: "PD", pending: true } },
    { kind: "submitted", jobId: "123" },
  ],
  [
    "3: never started, pending: submitted",
    { state: "submitted", status: S("withId"), queue: { kind: "listed", runnerState: "PD", pending: true } },
    { kind: "submitted", jobId: "123" },
  ],
  [
    "3: EXIT after VACATED, listed: submitted",
    { state: "running", status: S("exitAfterVacated"), queue: LISTED_R },
    { kind: "submitted", jobId: "123" },
  ],
  [
    "3: EXIT, INIT line lost, listed",
    { status: S("exitNoInit"), queue: LISTED_R },
    { kind: "running", runCount: 1, jobId: "123" },
  ],
  ["4: vacated, listed", { state: "running", status: S("vacated") }, { kind: "submitted", jobId: "123" }],
  [
    "4: vacated, unlisted",
    { state: "running", status: S("vacated"), queue: UNLISTED },
    failed({ kind: "preempted" }),
  ],
  [
    "4: vacated, cancelled meanwhile",
    { state: "running", status: S("vacated"), queue: UNLISTED, accounting: acct("cancelled") },
    failed({ kind: "cancelled" }),
  ],
  [
    "4: vacated, killed",
    { state: "running", status: S("vacated"), queue: UNLISTED, killRequested: true },
    failed({ kind: "killed" }),
  ],
  ["5: started", { status: S("init") }, { kind: "running", runCount: 1, jobId: "123" }],
  [
    "5: restarted raises the run count",
    { state: "running", status: S("restarted") },
    { kind: "running", runCount: 2, jobId: "123" },
  ],
  [
    "5: unlisted within the grace",
    { state: "running", status: S("init"), queue: UNLISTED, graceExpired: false },
    { kind: "no-change", needs: "grace" },
  ],
  [
    "5: unlisted, accounting first",
    { state: "running", status: S("init"), queue: UNLISTED, hasAccounting: true },
    { kind: "no-change", needs: "accounting" },
  ],
  [
    "5: node_fail",
    {
      state: "running",
      status: S("init"),
      queue: UNLISTED,
      hasAccounting: true,
      accounting: acct("node_fail"),
    },
    failed({ kind: "node_fail" }),
  ],
  [
    "5: walltime",
    { state: "running", status: S("init"), queue: UNLISTED, accounting: acct("walltime") },
    failed({ kind: "walltime" }),
  ],
  [
    "5: accounting failed exit 7",
    { state: "running", status: S("init"), queue: UNLISTED, accounting: acct("failed") },
    failed({ kind: "exit", code: 7 }, 7),
  ],
  [
    "5: completed without EXIT is vanished",
    { state: "running", status: S("init"), queue: UNLISTED, accounting: acct("completed") },
    failed({ kind: "vanished" }, 0),
  ],
  [
    "5: SIGKILL of the whole job",
    { state: "running", status: S("init"), queue: UNLISTED, hostBound: true },
    failed({ kind: "vanished" }),
  ],
  [
    "5: killed",
    { state: "running", status: S("init"), queue: UNLISTED, killRequested: true },
    failed({ kind: "killed" }),
  ],
];

for (const [what, over, expected] of CASES) {
  test(`rule ${what}`, () => assert.deepEqual(outcome(over), expected));
}

test("evidence names the facts, one clean line each", () => {
  const v = decideVerdict(
    input({
      state: "running",
      status: S("malformed"),
      queue: UNLISTED,
      accounting: acct("oom"),
      killRequested: true,
    }),
  );
  assert.equal(v.kind, "failed");
  const text = v.evidence.join("\n");
  for (const fact of [
    "status: INIT run 1",
    "malformed",
    "GARBAGE line",
    "kill: requested",
    "queue: unlisted",
    "accounting: oom",
  ]) {
    assert.ok(text.includes(fact), `${fact} in ${text}`);
  }
  for (const line of v.evidence) assert.match(line, /^[^\p{Cc}]+$/u);
  const e = decideVerdict(input({ status: S("exitErr3"), queue: UNLISTED }));
  assert.ok(e.evidence.includes("status: EXIT=ERR|3 at 2026-11-26T12:00:00Z"));
  const j = decideVerdict(
    input({ state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNKNOWN, journal: RC0 }),
  );
  assert.ok(j.evidence.includes("journal: rc=0 id=555"));
});

test("outside text is clipped in evidence", () => {
  const v = decideVerdict(input({ queryError: `boom\n${"x".repeat(5000)}` }));
  assert.equal(v.kind, "no-change");
  for (const line of v.evidence) assert.ok(line.length <= 240 && !line.includes("\n"));
});

test("malformed input gives no-change, never a throw", () => {
  const bad: unknown[] = [
    null,
    undefined,
    {},
    42,
    { state: "running" },
    { ...input(), status: {} },
    { ...input(), queue: null },
  ];
  for (const b of bad) {
    const v = decideVerdict(b as VerdictInput);
    assert.equal(v.kind, "no-change");
    assert.ok(v.evidence.length > 0 && v.evidence.every((l) => l.length > 0));
  }
});
