import { test } from "node:test";
import assert from "node:assert/strict";
import type { VerdictInput } from "../../src/job/verdict-input.js";
import {
  ABSENT,
  ALIVE,
  DEAD,
  FOUND,
  LISTED_R,
  NOT_FOUND,
  RC0,
  RC0_NO_ID,
  RC1,
  UNKNOWN,
  UNLISTED,
  acct,
  failed,
  outcome,
  S,
  submitFailed,
} from "./verdict-fixtures.js";

/** Rules 6-8: the job ID, known, recovered from the journal or a lookup, or never given. */
const CASES: [string, Partial<VerdictInput>, object][] = [
  ["6: pending", { status: S("withId") }, { kind: "submitted", jobId: "123" }],
  [
    "6: runner says R, no INIT yet",
    { status: S("withId"), queue: LISTED_R },
    { kind: "submitted", jobId: "123" },
  ],
  [
    "6: stale read keeps running",
    { state: "running", status: S("withId"), queue: LISTED_R },
    { kind: "no-change" },
  ],
  ["6: never started, gone", { status: S("withId"), queue: UNLISTED }, failed({ kind: "vanished" })],
  [
    "6: never started, cancelled",
    { status: S("withId"), queue: UNLISTED, accounting: acct("cancelled") },
    failed({ kind: "cancelled" }),
  ],
  [
    "6: never started, killed",
    { status: S("withId"), queue: UNLISTED, killRequested: true },
    failed({ kind: "killed" }),
  ],
  [
    "6: reply lost, DROVER_JOB_ID written",
    { state: "uncertain", jobId: null, status: S("withId"), queue: UNKNOWN },
    { kind: "submitted", jobId: "123" },
  ],
  ["6: Drover's record is used", { jobId: "999", status: S("withId") }, { kind: "submitted", jobId: "999" }],
  [
    "7: journal rc=0 id",
    { state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNKNOWN, journal: RC0 },
    { kind: "submitted", jobId: "555" },
  ],
  [
    "7: journal id, then unlisted",
    { state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNLISTED, journal: RC0 },
    failed({ kind: "vanished" }),
  ],
  [
    "7: INIT names the job",
    { state: "uncertain", jobId: null, status: S("initOwnIdOnly"), queue: UNKNOWN, journal: DEAD },
    { kind: "running", runCount: 1, jobId: "777" },
  ],
  [
    "7: finished before the reply",
    { state: "submitting", jobId: null, status: S("exitOwnIdOnly"), queue: UNLISTED },
    { kind: "succeeded" },
  ],
  [
    "7: rc!=0",
    { state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNKNOWN, journal: RC1 },
    submitFailed("runner exit 1: sbatch: error: invalid partition specified"),
  ],
  [
    "7: rc!=0 yet found",
    { state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNKNOWN, journal: RC1, lookup: FOUND },
    { kind: "submitted", jobId: "888" },
  ],
  [
    "7: rc=0 without id: look up",
    { state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNKNOWN, journal: RC0_NO_ID },
    { kind: "no-change", needs: "lookup" },
  ],
  [
    "7: rc=0 without id, found",
    {
      state: "uncertain",
      jobId: null,
      status: S("tokenOnly"),
      queue: UNKNOWN,
      journal: RC0_NO_ID,
      lookup: FOUND,
    },
    { kind: "submitted", jobId: "888" },
  ],
  [
    "7: rc=0 without id, not found: never resubmit",
    {
      state: "uncertain",
      jobId: null,
      status: S("tokenOnly"),
      queue: UNKNOWN,
      journal: RC0_NO_ID,
      lookup: NOT_FOUND,
    },
    failed({ kind: "vanished" }),
  ],
  [
    "7: batch alive",
    {
      state: "uncertain",
      jobId: null,
      status: S("tokenOnly"),
      queue: UNKNOWN,
      journal: ALIVE,
      lookup: NOT_FOUND,
    },
    { kind: "no-change", needs: "batch" },
  ],
  [
    "7: batch dead: look up",
    { state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNKNOWN, journal: DEAD },
    { kind: "no-change", needs: "lookup" },
  ],
  [
    "7: batch dead, found",
    { state: "uncertain", jobId: null, status: S("tokenOnly"), queue: UNKNOWN, journal: DEAD, lookup: FOUND },
    { kind: "submitted", jobId: "888" },
  ],
  [
    "7: batch dead, not found",
    {
      state: "uncertain",
      jobId: null,
      status: S("tokenOnly"),
      queue: UNKNOWN,
      journal: DEAD,
      lookup: NOT_FOUND,
    },
    submitFailed("not submitted: batch ended before the runner call"),
  ],
  [
    "7: journal absent within the grace",
    {
      state: "uncertain",
      jobId: null,
      status: S("tokenOnly"),
      queue: UNKNOWN,
      journal: ABSENT,
      graceExpired: false,
    },
    { kind: "no-change", needs: "grace" },
  ],
  [
    "7: journal absent past the grace",
    {
      state: "uncertain",
      jobId: null,
      status: S("tokenOnly"),
      queue: UNKNOWN,
      journal: ABSENT,
      lookup: NOT_FOUND,
    },
    submitFailed("not submitted: batch ended before the runner call"),
  ],
  [
    "7: started without any ID, not found",
    {
      state: "uncertain",
      jobId: null,
      status: S("initNoId"),
      queue: UNKNOWN,
      journal: DEAD,
      lookup: NOT_FOUND,
    },
    failed({ kind: "vanished" }),
  ],
  [
    "8: nothing at all",
    { state: "submitting", jobId: null, status: null, queue: UNKNOWN, journal: DEAD },
    submitFailed("not submitted: no status file and no journal line"),
  ],
  [
    "8: nothing, journal not read",
    { state: "submitting", jobId: null, status: null, queue: UNKNOWN },
    submitFailed("not submitted: no status file and no journal line"),
  ],
  [
    "8: Drover had it submitted",
    { state: "submitted", jobId: null, status: null, queue: UNKNOWN },
    failed({ kind: "vanished" }),
  ],
];

for (const [what, over, expected] of CASES) {
  test(`rule ${what}`, () => assert.deepEqual(outcome(over), expected));
}
