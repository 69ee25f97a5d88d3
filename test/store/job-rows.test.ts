import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore, type Db } from "../../src/store/open-store.js";
import {
  anyJobWaiting,
  countByState,
  deleteJob,
  deleteSubmission,
  insertJobRow,
  jobRow,
  latestJobRow,
  latestJobRows,
  latestRowsInStates,
  rowsToKill,
  updateJobRow,
  type NewJobRow,
} from "../../src/store/job-rows.js";

const T = "2026-11-26T12:00:00.000Z";

/** A fresh store in a temp dir, closed and removed when the test ends. */
function store(t: { after: (fn: () => void) => void }): Db {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-jobrows-"));
  const db = openStore(path.join(dir, "store.db"));
  t.after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

function add(db: Db, name: string, submitNum: number, over: Partial<NewJobRow> = {}): void {
  insertJobRow(db, {
    name,
    submit_num: submitNum,
    try: 1,
    platform: "localhost",
    runner: "background",
    created_at: T,
    ...over,
  });
}

test("insert: a waiting row with the column defaults", (t) => {
  const db = store(t);
  add(db, "a", 1);
  const row = jobRow(db, "a", 1);
  assert.ok(row);
  // Compared column by column so that columns added later do not break this test.
  const expected: Record<string, unknown> = {
    name: "a",
    submit_num: 1,
    try: 1,
    run_count: 0,
    state: "waiting",
    reason: null,
    evidence: null,
    exit_code: null,
    signal: null,
    platform: "localhost",
    host: null,
    runner: "background",
    runner_job_id: null,
    runner_data: "{}",
    token: null,
    batch_id: null,
    submit_fails: 0,
    retry_at: null,
    triggered: 0,
    kill_requested: 0,
    kill_sent_at: null,
    unlisted_since: null,
    next_poll_at: null,
    poll_count: 0,
    created_at: T,
    submitted_at: null,
    started_at: null,
    ended_at: null,
  };
  const got = Object.fromEntries(
    Object.keys(expected).map((k) => [k, (row as unknown as Record<string, unknown>)[k]]),
  );
  assert.deepEqual(got, expected);
});

test("insert: the optional columns given are stored", (t) => {
  const db = store(t);
  add(db, "a", 2, {
    try: 3,
    state: "failed",
    reason: "need-failed(b)",
    ended_at: T,
    submit_fails: 2,
    retry_at: "2026-11-26T12:05:00.000Z",
    triggered: 1,
  });
  const r = jobRow(db, "a", 2);
  assert.ok(r);
  assert.deepEqual(
    [r.try, r.state, r.reason, r.ended_at, r.submit_fails, r.retry_at, r.triggered],
    [3, "failed", "need-failed(b)", T, 2, "2026-11-26T12:05:00.000Z", 1],
  );
});

test("insert: the same submission twice is refused (never two rows for one name/NN)", (t) => {
  const db = store(t);
  add(db, "a", 1);
  assert.throws(() => add(db, "a", 1), /UNIQUE constraint failed/);
});

test("update sets only the given columns; an empty change is a no-op", (t) => {
  const db = store(t);
  add(db, "a", 1);
  add(db, "a", 2);
  updateJobRow(db, "a", 1, { state: "running", host: "localhost", runner_job_id: "123", poll_count: 4 });
  const r = jobRow(db, "a", 1);
  assert.ok(r);
  assert.deepEqual(
    [r.state, r.host, r.runner_job_id, r.poll_count, r.reason, r.try],
    ["running", "localhost", "123", 4, null, 1],
  );
  assert.equal(jobRow(db, "a", 2)?.state, "waiting", "the other submission is untouched");
  updateJobRow(db, "a", 1, {});
  assert.deepEqual(jobRow(db, "a", 1), r);
  updateJobRow(db, "a", 1, { host: null });
  assert.equal(jobRow(db, "a", 1)?.host, null, "a column can be set back to null");
});

test("update of a missing submission changes nothing", (t) => {
  const db = store(t);
  add(db, "a", 1);
  updateJobRow(db, "a", 9, { state: "running" });
  assert.equal(jobRow(db, "a", 9), undefined);
  assert.equal(jobRow(db, "a", 1)?.state, "waiting");
});

test("latest: the highest submit number per job, in name order", (t) => {
  const db = store(t);
  add(db, "b", 1, { state: "failed" });
  add(db, "b", 2);
  add(db, "a", 1, { state: "succeeded" });
  add(db, "c", 1, { state: "failed" });
  add(db, "c", 10, { state: "running" });
  add(db, "c", 9, { state: "failed" });
  assert.deepEqual(
    latestJobRows(db).map((r) => [r.name, r.submit_num, r.state]),
    [
      ["a", 1, "succeeded"],
      ["b", 2, "waiting"],
      ["c", 10, "running"],
    ],
  );
  assert.equal(latestJobRow(db, "c")?.submit_num, 10, "numeric, not text order");
  assert.equal(latestJobRow(db, "nope"), undefined);
  assert.equal(jobRow(db, "c", 9)?.state, "failed");
  assert.equal(jobRow(db, "c", 3), undefined);
});

test("latestRowsInStates: filters on the latest submission only, in name order", (t) => {
  const db = store(t);
  add(db, "a", 1, { state: "failed" });
  add(db, "a", 2, { state: "running" });
  add(db, "b", 1, { state: "failed" });
  add(db, "c", 1, { state: "submitted" });
  add(db, "d", 1);
  assert.deepEqual(
    latestRowsInStates(db, ["running", "submitted"]).map((r) => `${r.name}/${r.submit_num}`),
    ["a/2", "c/1"],
  );
  assert.deepEqual(
    latestRowsInStates(db, ["failed"]).map((r) => r.name),
    ["b"],
    "a's failed first submission is not its latest",
  );
  assert.deepEqual(latestRowsInStates(db, ["succeeded"]), []);
  assert.deepEqual(latestRowsInStates(db, []), [], "no states: no rows");
});

test("anyJobWaiting and rowsToKill: the cheap questions a scheduler round asks", (t) => {
  const db = store(t);
  assert.equal(anyJobWaiting(db), false, "an empty run");
  add(db, "a", 1, { state: "failed" });
  assert.equal(anyJobWaiting(db), false);
  add(db, "a", 2);
  assert.equal(anyJobWaiting(db), true);
  for (const [name, state, id, sent] of [
    ["k1", "running", "11", null],
    ["k2", "submitted", "12", null],
    ["k3", "running", "13", T],
    ["k4", "submitting", null, null],
    ["k5", "running", "", null],
    ["k6", "succeeded", "16", null],
  ] as const) {
    add(db, name, 1, { state });
    updateJobRow(db, name, 1, { kill_requested: 1, runner_job_id: id, kill_sent_at: sent });
  }
  add(db, "n1", 1, { state: "running" });
  updateJobRow(db, "n1", 1, { runner_job_id: "21" });
  assert.deepEqual(
    rowsToKill(db).map((r) => r.name),
    ["k1", "k2"],
    "asked, not sent, live with a job ID",
  );
});

test("countByState counts latest submissions", (t) => {
  const db = store(t);
  add(db, "a", 1, { state: "failed" });
  add(db, "a", 2);
  add(db, "b", 1);
  add(db, "c", 1, { state: "succeeded" });
  assert.deepEqual([...countByState(db)].sort(), [
    ["succeeded", 1],
    ["waiting", 2],
  ]);
});

test("deleteSubmission removes one submission; the previous becomes latest", (t) => {
  const db = store(t);
  add(db, "a", 1, { state: "failed" });
  add(db, "a", 2);
  add(db, "b", 1);
  deleteSubmission(db, "a", 2);
  assert.equal(jobRow(db, "a", 2), undefined);
  assert.equal(latestJobRow(db, "a")?.submit_num, 1);
  assert.equal(latestJobRow(db, "a")?.state, "failed");
  deleteSubmission(db, "a", 7);
  assert.equal(latestJobRows(db).length, 2);
});

test("deleteJob removes every submission of one job only", (t) => {
  const db = store(t);
  add(db, "a", 1);
  add(db, "a", 2);
  add(db, "b", 1);
  deleteJob(db, "a");
  assert.deepEqual(
    latestJobRows(db).map((r) => r.name),
    ["b"],
  );
});

test("names with SQL or shell characters are plain values", (t) => {
  const db = store(t);
  const odd = "x'; DROP TABLE jobs; --";
  add(db, odd, 1);
  updateJobRow(db, odd, 1, { reason: "it's fine" });
  assert.equal(latestJobRow(db, odd)?.reason, "it's fine");
  assert.equal(latestJobRows(db).length, 1);
});
