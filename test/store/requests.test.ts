import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore, type Db } from "../../src/store/open-store.js";
import { addRequest, answerRequest, getRequest, pendingRequests } from "../../src/store/requests.js";

const T1 = "2026-11-26T12:00:00.000Z";
const T2 = "2026-11-26T12:00:05.000Z";

/** A fresh store file in a temp dir; the handles are closed and the dir removed when the test ends. */
function storeFile(t: { after: (fn: () => void) => void }): { file: string; open: () => Db } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-requests-"));
  const dbs: Db[] = [];
  t.after(() => {
    for (const db of dbs) if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, "store.db");
  return {
    file,
    open: () => {
      const db = openStore(file);
      dbs.push(db);
      return db;
    },
  };
}

test("addRequest stores a pending request with its args as JSON", (t) => {
  const db = storeFile(t).open();
  const id = addRequest(db, T1, "kill", { jobs: ["a", "b"] });
  assert.deepEqual(getRequest(db, id), {
    id,
    time: T1,
    command: "kill",
    args: '{"jobs":["a","b"]}',
    state: "pending",
    answer: null,
    answered_at: null,
  });
  assert.deepEqual(JSON.parse(getRequest(db, id)?.args ?? ""), { jobs: ["a", "b"] });
});

test("pendingRequests: oldest first, answered ones left out", (t) => {
  const db = storeFile(t).open();
  const a = addRequest(db, T1, "kill", ["a"]);
  const b = addRequest(db, T1, "poll", {});
  const c = addRequest(db, T1, "trigger", ["c"]);
  assert.deepEqual(
    pendingRequests(db).map((r) => r.id),
    [a, b, c],
  );
  answerRequest(db, b, true, "polled 3 jobs", T2);
  assert.deepEqual(
    pendingRequests(db).map((r) => [r.id, r.command]),
    [
      [a, "kill"],
      [c, "trigger"],
    ],
  );
  answerRequest(db, a, false, "no job zz", T2);
  answerRequest(db, c, true, "triggered c", T2);
  assert.deepEqual(pendingRequests(db), []);
});

test("answerRequest: done with ok, failed without, with the answer and its time", (t) => {
  const db = storeFile(t).open();
  const ok = addRequest(db, T1, "poll", null);
  const bad = addRequest(db, T1, "kill", ["zz"]);
  answerRequest(db, ok, true, "polled 1 job", T2);
  answerRequest(db, bad, false, "unknown job zz", T2);
  const r1 = getRequest(db, ok);
  const r2 = getRequest(db, bad);
  assert.deepEqual([r1?.state, r1?.answer, r1?.answered_at, r1?.args], ["done", "polled 1 job", T2, "null"]);
  assert.deepEqual([r2?.state, r2?.answer, r2?.answered_at], ["failed", "unknown job zz", T2]);
});

test("getRequest of an unknown id: undefined; answering it changes nothing", (t) => {
  const db = storeFile(t).open();
  assert.equal(getRequest(db, 42), undefined);
  answerRequest(db, 42, true, "x", T2);
  assert.equal(getRequest(db, 42), undefined);
});

test("a command's request is seen by the live Drover's handle, and the answer by the command's", (t) => {
  const s = storeFile(t);
  const live = s.open();
  const command = s.open();
  const id = addRequest(command, T1, "trigger", ["a"]);
  const [seen] = pendingRequests(live);
  assert.equal(seen?.id, id);
  answerRequest(live, id, true, "triggered a", T2);
  assert.equal(getRequest(command, id)?.state, "done");
  assert.equal(getRequest(command, id)?.answer, "triggered a");
});

test("args with quotes and newlines round-trip", (t) => {
  const db = storeFile(t).open();
  const args = { jobs: ["it's", 'a "b"', "x\ny", "$(rm -rf /)"] };
  const id = addRequest(db, T1, "kill", args);
  assert.deepEqual(JSON.parse(getRequest(db, id)?.args ?? ""), args);
});
