import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore, type Db } from "../../src/store/open-store.js";
import {
  EVENT_OUTPUT_CAP,
  addEvent,
  capText,
  eventsAfter,
  hostPollErrors,
  jobEvents,
} from "../../src/store/events.js";

const T = "2026-11-26T12:00:00.000Z";

/** A fresh store in a temp dir, closed and removed when the test ends. */
function store(t: { after: (fn: () => void) => void }): Db {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-events-"));
  const db = openStore(path.join(dir, "store.db"));
  t.after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

test("capText: text up to the cap is kept as is", () => {
  assert.equal(capText(""), "");
  assert.equal(capText("short"), "short");
  const exact = "x".repeat(EVENT_OUTPUT_CAP);
  assert.equal(capText(exact), exact);
  assert.equal(capText("abc", 3), "abc");
});

test("capText: longer text is cut at the cap, saying how much was cut", () => {
  assert.equal(capText("abcdefgh", 3), "abc... [5 more characters cut]");
  const long = "y".repeat(EVENT_OUTPUT_CAP + 10);
  assert.equal(capText(long), `${"y".repeat(EVENT_OUTPUT_CAP)}... [10 more characters cut]`);
});

test("addEvent stores the event and returns increasing ids", (t) => {
  const db = store(t);
  const a = addEvent(db, { time: T, job: "j", submitNum: 1, kind: "state", text: "j/01 submitted" });
  const b = addEvent(db, { time: T, kind: "command", text: "bash -l -s", detail: { argv: ["bash"], rc: 0 } });
  assert.ok(b > a);
  assert.deepEqual(eventsAfter(db, 0), [
    { id: a, time: T, job: "j", submit_num: 1, kind: "state", text: "j/01 submitted", detail: null },
    {
      id: b,
      time: T,
      job: null,
      submit_num: null,
      kind: "command",
      text: "bash -l -s",
      detail: '{"argv":["bash"],"rc":0}',
    },
  ]);
});

test("addEvent caps a long text and a long detail", (t) => {
  const db = store(t);
  const id = addEvent(db, {
    time: T,
    kind: "command",
    text: "o".repeat(EVENT_OUTPUT_CAP * 3),
    detail: { out: "d".repeat(EVENT_OUTPUT_CAP * 8) },
  });
  const [e] = eventsAfter(db, id - 1);
  assert.ok(e);
  assert.equal(e.text, capText("o".repeat(EVENT_OUTPUT_CAP * 3)));
  assert.ok(e.text.endsWith(`[${EVENT_OUTPUT_CAP * 2} more characters cut]`));
  assert.ok(e.detail !== null && e.detail.length < EVENT_OUTPUT_CAP * 4 + 100);
  assert.match(e.detail, /more characters cut\]$/);
});

test("addEvent: a detail of null is stored as JSON null, undefined as no detail", (t) => {
  const db = store(t);
  addEvent(db, { time: T, kind: "k", text: "a", detail: null });
  addEvent(db, { time: T, kind: "k", text: "b" });
  assert.deepEqual(
    eventsAfter(db, 0).map((e) => e.detail),
    ["null", null],
  );
});

test("eventsAfter: oldest first, after the given id, at most `limit`", (t) => {
  const db = store(t);
  const ids = Array.from({ length: 6 }, (_, i) => addEvent(db, { time: T, kind: "k", text: `e${i}` }));
  assert.deepEqual(
    eventsAfter(db, 0).map((e) => e.text),
    ["e0", "e1", "e2", "e3", "e4", "e5"],
  );
  assert.deepEqual(
    eventsAfter(db, ids[2] as number).map((e) => e.text),
    ["e3", "e4", "e5"],
  );
  assert.deepEqual(
    eventsAfter(db, 0, 2).map((e) => e.text),
    ["e0", "e1"],
  );
  assert.deepEqual(eventsAfter(db, ids[5] as number), []);
});

test("jobEvents: one job's events in order, all submissions or one", (t) => {
  const db = store(t);
  addEvent(db, { time: T, job: "a", submitNum: 1, kind: "state", text: "a1 x" });
  addEvent(db, { time: T, job: "b", submitNum: 1, kind: "state", text: "b1 x" });
  addEvent(db, { time: T, job: "a", submitNum: 2, kind: "state", text: "a2 x" });
  addEvent(db, { time: T, job: "a", submitNum: 1, kind: "message", text: "a1 y" });
  addEvent(db, { time: T, kind: "round", text: "no job" });
  assert.deepEqual(
    jobEvents(db, "a").map((e) => e.text),
    ["a1 x", "a2 x", "a1 y"],
  );
  assert.deepEqual(
    jobEvents(db, "a", 1).map((e) => e.text),
    ["a1 x", "a1 y"],
  );
  assert.deepEqual(
    jobEvents(db, "a", 2).map((e) => e.text),
    ["a2 x"],
  );
  assert.deepEqual(jobEvents(db, "zz"), []);
});

test("event ids keep increasing after the store is reopened", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-events-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "store.db");
  const a = openStore(file);
  const first = addEvent(a, { time: T, kind: "k", text: "one" });
  a.close();
  const b = openStore(file);
  const second = addEvent(b, { time: T, kind: "k", text: "two" });
  assert.ok(second > first);
  assert.deepEqual(
    eventsAfter(b, 0).map((e) => e.text),
    ["one", "two"],
  );
  b.close();
});

test("hostPollErrors: one host's and platform's poll errors in the window, the last `limit`, and the total", (t) => {
  const db = store(t);
  const at = (m: number) => `2026-11-26T12:${String(m).padStart(2, "0")}:00.000Z`;
  const pollError = (m: number, host: string, platform = "p", text = `e${m}`) =>
    addEvent(db, { time: at(m), kind: "poll-error", text, detail: { host, platform } });
  for (let m = 1; m <= 9; m++) pollError(m, "h");
  pollError(5, "other");
  pollError(5, "h", "q");
  addEvent(db, {
    time: at(5),
    kind: "command",
    text: "not a poll error",
    detail: { host: "h", platform: "p" },
  });
  addEvent(db, { time: at(5), kind: "poll-error", text: "bad detail", detail: "x" });
  const texts = (r: { rows: { text: string }[] }) => r.rows.map((e) => e.text);

  const all = hostPollErrors(db, "h", "p", at(2), null);
  assert.equal(all.total, 8);
  assert.deepEqual(texts(all), ["e5", "e6", "e7", "e8", "e9"], "the last five, oldest first");
  const window = hostPollErrors(db, "h", "p", at(2), at(4), 2);
  assert.equal(window.total, 3);
  assert.deepEqual(texts(window), ["e3", "e4"]);
  assert.deepEqual(Object.keys(window.rows[0] ?? {}).sort(), [
    "detail",
    "id",
    "job",
    "kind",
    "submit_num",
    "text",
    "time",
  ]);
  assert.deepEqual(hostPollErrors(db, "nowhere", "p", at(0), null), { total: 0, rows: [] });
});
