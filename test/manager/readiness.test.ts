import { test } from "node:test";
import assert from "node:assert/strict";
import { computeReadiness } from "../../src/manager/readiness.js";
import { fakeJobRow } from "./job-row-fixture.js";
import type { JobState } from "../../src/job/model.js";
import type { JobRow } from "../../src/store/job-rows.js";

const NOW = "2026-11-26T12:00:00.000Z";
const PAST = "2026-11-26T11:59:59.000Z";
const FUTURE = "2026-11-26T12:00:01.000Z";

const row = fakeJobRow;

function ready(rows: JobRow[], needs: Record<string, string[]> = {}, nowIso = NOW) {
  const r = computeReadiness({
    rows: new Map(rows.map((x) => [x.name, x])),
    needs: new Map(Object.entries(needs)),
    nowIso,
  });
  return { names: r.ready.map((x) => x.name), needFailed: r.needFailed, ready: r.ready };
}

test("a waiting job without needs is ready", () => {
  const r = ready([row("a", "waiting")]);
  assert.deepEqual(r.names, ["a"]);
  assert.equal(r.needFailed.size, 0);
});

test("needs all succeeded: ready; the row returned is the input row", () => {
  const b = row("b", "waiting");
  const r = ready([row("a", "succeeded"), row("c", "succeeded"), b], { b: ["a", "c"] });
  assert.deepEqual(r.names, ["b"]);
  assert.equal(r.ready[0], b);
});

test("a need still live or waiting holds the job (neither ready nor need-failed)", () => {
  for (const s of ["waiting", "submitting", "uncertain", "submitted", "running"] as const) {
    const r = ready([row("a", s), row("b", "waiting")], { b: ["a"] });
    assert.deepEqual(r.names, s === "waiting" ? ["a"] : [], `need in ${s}`);
    assert.equal(r.needFailed.size, 0, `need in ${s}`);
  }
});

test("one need succeeded and one still running: held", () => {
  const r = ready([row("a", "succeeded"), row("c", "running"), row("b", "waiting")], { b: ["a", "c"] });
  assert.deepEqual(r.names, []);
  assert.equal(r.needFailed.size, 0);
});

test("a failed need makes the job need-failed, naming the need", () => {
  const r = ready([row("a", "failed"), row("b", "waiting")], { b: ["a"] });
  assert.deepEqual(r.names, []);
  assert.deepEqual([...r.needFailed], [["b", "a"]]);
});

test("a submit-failed need makes the job need-failed too", () => {
  const r = ready([row("a", "submit-failed"), row("b", "waiting")], { b: ["a"] });
  assert.deepEqual([...r.needFailed], [["b", "a"]]);
});

test("need-failed names the first failed need in needs order, even when another need is held", () => {
  const rows = [row("x", "running"), row("y", "failed"), row("z", "submit-failed"), row("j", "waiting")];
  const r = ready(rows, { j: ["x", "z", "y"] });
  assert.deepEqual([...r.needFailed], [["j", "z"]]);
  assert.deepEqual(r.names, []);
});

test("a failed need wins over a retry time in the future", () => {
  const r = ready([row("a", "failed"), row("b", "waiting", { retry_at: FUTURE })], { b: ["a"] });
  assert.deepEqual([...r.needFailed], [["b", "a"]]);
});

test("a need with no row (not in the store) holds the job", () => {
  const r = ready([row("b", "waiting")], { b: ["ghost"] });
  assert.deepEqual(r.names, []);
  assert.equal(r.needFailed.size, 0);
});

test("an unknown need does not hide a failed one", () => {
  const r = ready([row("a", "failed"), row("b", "waiting")], { b: ["ghost", "a"] });
  assert.deepEqual([...r.needFailed], [["b", "a"]]);
});

test("retry_at in the future holds; now or past is ready", () => {
  assert.deepEqual(ready([row("a", "waiting", { retry_at: FUTURE })]).names, []);
  assert.deepEqual(ready([row("a", "waiting", { retry_at: NOW })]).names, ["a"]);
  assert.deepEqual(ready([row("a", "waiting", { retry_at: PAST })]).names, ["a"]);
});

test("a triggered job is ready whatever its needs and retry time", () => {
  const rows = [
    row("a", "running"),
    row("f", "failed"),
    row("b", "waiting", { triggered: 1, retry_at: FUTURE }),
    row("c", "waiting", { triggered: 1 }),
  ];
  const r = ready(rows, { b: ["a", "ghost"], c: ["f"] });
  assert.deepEqual(r.names, ["b", "c"]);
  assert.equal(r.needFailed.size, 0, "a triggered job is not failed by its needs");
});

test("ready jobs come out in name order whatever the input order", () => {
  const rows = ["m", "b", "Z", "a10", "a2", "_x"].map((n) => row(n, "waiting"));
  assert.deepEqual(ready(rows).names, ["Z", "_x", "a10", "a2", "b", "m"]);
});

test("jobs not waiting are ignored even when their needs failed or are missing", () => {
  const states = ["submitting", "uncertain", "submitted", "running", "succeeded", "failed", "submit-failed"];
  const rows = states.map((s, i) => row(`j${i}`, s as JobState, { triggered: 1 }));
  const needs = Object.fromEntries(rows.map((r) => [r.name, ["dead", "ghost"]]));
  const r = ready([...rows, row("dead", "failed")], needs);
  assert.deepEqual(r.names, []);
  assert.equal(r.needFailed.size, 0);
});

test("a chain: only the head is ready, the rest held", () => {
  const r = ready([row("a", "waiting"), row("b", "waiting"), row("c", "waiting")], { b: ["a"], c: ["b"] });
  assert.deepEqual(r.names, ["a"]);
  assert.equal(r.needFailed.size, 0);
});

test("empty input: nothing ready, nothing failed", () => {
  const r = ready([]);
  assert.deepEqual(r.names, []);
  assert.equal(r.needFailed.size, 0);
});
