import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FAIL_CAP_MS,
  HostPace,
  SLOW_FACTOR,
  SLOW_FLOOR_MS,
  WINDOW_MS,
  planHostPoll,
  shortestIntervalMs,
} from "../../src/manager/poll-pacer.js";
import { repollAtMs, REPOLL_GAP_MS } from "../../src/manager/poll-refused.js";
import { wakeDelayMs } from "../../src/manager/poll-wake.js";

const T0 = Date.parse("2026-11-26T12:00:00Z");
const pace = (maxPerMinute = 5, intervalMs = 1000) => new HostPace({ maxPerMinute, intervalMs });

/**
 * Drives a host with a fake clock: every `stepMs` all due jobs ask to be polled; returns the start
 * times of the queries that went. Each query takes `durMs(t)` and fails when `fail(t)`.
 */
function drive(
  p: HostPace,
  untilMs: number,
  stepMs: number,
  durMs: (t: number) => number = () => 10,
  fail: (t: number) => boolean = () => false,
): number[] {
  const starts: number[] = [];
  for (let t = T0; t < T0 + untilMs; t += stepMs) {
    const plan = planHostPoll(p, ["job"], 100, t, false);
    for (const _ of plan.chunks) {
      starts.push(t);
      p.noteEnd(t + durMs(t), durMs(t), fail(t));
    }
  }
  return starts;
}

/** Most starts in any window of WINDOW_MS. */
function busiestWindow(starts: number[]): number {
  let best = 0;
  for (const s of starts) best = Math.max(best, starts.filter((x) => x >= s && x < s + WINDOW_MS).length);
  return best;
}

test("the ceiling holds in every 60 s window, and the freed slot is used at once", () => {
  for (const max of [1, 2, 5, 30]) {
    const starts = drive(pace(max), 5 * WINDOW_MS, 100);
    assert.equal(busiestWindow(starts), max, `max ${max}`);
    // A full window lets the next query go exactly when the oldest leaves it.
    assert.equal(starts[max], (starts[0] as number) + WINDOW_MS, `max ${max}`);
    assert.ok(starts.length >= 5 * max, `max ${max}: ${starts.length}`);
  }
});

test("due jobs beyond the ceiling wait, most overdue first, and are never dropped", () => {
  const p = pace(2);
  const due = Array.from({ length: 25 }, (_, i) => i);
  const a = planHostPoll(p, due, 10, T0, false);
  assert.deepEqual(
    a.chunks.map((c) => c.length),
    [10, 10],
  );
  assert.equal(a.chunks[0]?.[0], 0);
  assert.equal(a.waiting, 5);
  assert.deepEqual(a.hold, { untilMs: T0 + WINDOW_MS, why: "ceiling" });
  const b = planHostPoll(p, due.slice(20), 10, T0 + 30_000, false);
  assert.equal(b.chunks.length, 0);
  assert.equal(b.waiting, 5);
  const c = planHostPoll(p, due.slice(20), 10, T0 + WINDOW_MS, false);
  assert.deepEqual(c.chunks, [[20, 21, 22, 23, 24]]);
  assert.equal(c.hold, null);
});

test("a forced poll passes the ceiling once, and is counted", () => {
  const p = pace(2);
  planHostPoll(p, [1], 10, T0, false);
  planHostPoll(p, [1], 10, T0 + 1, false);
  assert.equal(planHostPoll(p, [1], 10, T0 + 2, false).chunks.length, 0);
  const forced = planHostPoll(p, [1, 2, 3], 2, T0 + 3, true);
  assert.equal(forced.chunks.length, 2, "every chunk of a forced poll goes");
  assert.equal(p.queriesInWindow(T0 + 3), 4);
  // Counted: the window frees only when enough of the four have left it.
  assert.equal(planHostPoll(p, [1], 10, T0 + WINDOW_MS + 1, false).chunks.length, 0);
  assert.equal(planHostPoll(p, [1], 10, T0 + WINDOW_MS + 3, false).chunks.length, 1);
});

test("slow queries stretch the host's polling once, fast ones bring it back once", () => {
  const p = pace(1000, 12_000);
  assert.equal(p.noteEnd(T0, 1000, false), null, "1 s x 3 fits a 12 s interval");
  const s = p.noteEnd(T0 + 10_000, 4500, false);
  assert.deepEqual(s, { kind: "stretched", durationMs: 4500, gapMs: 4500 * SLOW_FACTOR });
  assert.equal(p.noteEnd(T0 + 30_000, 5000, false), null, "said once");
  assert.deepEqual(p.hold(T0 + 30_000), { untilMs: T0 + 30_000 + 5000 * SLOW_FACTOR, why: "slow" });
  assert.equal(p.hold(T0 + 30_000 + 5000 * SLOW_FACTOR), null);
  // Between the two thresholds it stays stretched (no flapping).
  assert.equal(p.noteEnd(T0 + 60_000, 2500, false), null);
  assert.equal(p.stretched, true);
  assert.deepEqual(p.noteEnd(T0 + 90_000, 1500, false), { kind: "recovered", durationMs: 1500 });
  assert.equal(p.noteEnd(T0 + 95_000, 1500, false), null, "said once");
  assert.equal(p.hold(T0 + 95_000), null);
});

test("queries under the floor never count as slow, whatever the interval", () => {
  const p = pace(1000, 1000);
  assert.equal(p.noteEnd(T0, SLOW_FLOOR_MS, false), null, "a 1 s interval, a 2 s answer: normal");
  assert.equal(p.stretched, false);
  assert.deepEqual(p.noteEnd(T0 + 5000, SLOW_FLOOR_MS + 1, false)?.kind, "stretched");
  assert.deepEqual(p.noteEnd(T0 + 9000, SLOW_FLOOR_MS / 2, false)?.kind, "recovered");
});

test("a stretched host is queried no sooner than SLOW_FACTOR x the last duration after it ended", () => {
  const starts = drive(pace(1000, 1000), 60_000, 50, () => 2500);
  for (let i = 1; i < starts.length; i++) {
    const gap = (starts[i] as number) - (starts[i - 1] as number);
    assert.ok(gap >= 2500 + 2500 * SLOW_FACTOR, `gap ${gap}`);
    assert.ok(gap <= 2500 + 2500 * SLOW_FACTOR + 50, `gap ${gap}`);
  }
});

test("failed queries back off per host, doubling from the interval up to the cap, reset by a success", () => {
  const p = pace(1000, 1000);
  const pauses: number[] = [];
  let end = T0;
  for (let i = 0; i < 9; i++) {
    p.noteEnd(end, 0, true);
    const h = p.hold(end);
    assert.equal(h?.why, "failing");
    pauses.push((h?.untilMs as number) - end);
    end = h?.untilMs as number;
  }
  assert.deepEqual(pauses, [1000, 2000, 4000, 8000, 16000, 32000, FAIL_CAP_MS, FAIL_CAP_MS, FAIL_CAP_MS]);
  p.noteEnd(end, 0, false);
  assert.equal(p.failures, 0);
  assert.equal(p.hold(end), null);
});

test("holds combine: the latest one binds", () => {
  const p = pace(1, 1000);
  planHostPoll(p, [1], 10, T0, false);
  p.noteEnd(T0 + 3000, 3000, true);
  const h = p.hold(T0 + 3000);
  assert.deepEqual(h, { untilMs: T0 + WINDOW_MS, why: "ceiling" });
  assert.equal(p.hold(T0 + 3000, true), null, "forced");
});

test("settings are checked", () => {
  assert.throws(() => pace(0), /positive integer/);
  assert.throws(() => pace(1.5), /positive integer/);
  assert.throws(() => pace(1, 0), /positive/);
  assert.equal(shortestIntervalMs({ submission: [10, 60], execution: [5], timeLimit: [30] }), 5000);
  assert.equal(shortestIntervalMs({ submission: [0.01], execution: [], timeLimit: [] }), 50);
  assert.equal(shortestIntervalMs({ submission: [], execution: [], timeLimit: [] }), 60_000);
});

test("re-polls after refused reports: at once, then at most once per gap", () => {
  assert.equal(repollAtMs(T0, null), T0);
  assert.equal(repollAtMs(T0, T0 - REPOLL_GAP_MS), T0);
  assert.equal(repollAtMs(T0, T0 - 1000), T0 - 1000 + REPOLL_GAP_MS);
  assert.equal(repollAtMs(T0, Number.NaN), T0);
  // A report refused at every poll is asked again every REPOLL_GAP_MS, never in a tight loop.
  let last: number | null = null;
  const at: number[] = [];
  for (let t = T0; t < T0 + 20_000; t += 100) {
    const next = repollAtMs(t, last);
    if (next === t) {
      at.push(t);
      last = t;
    }
  }
  assert.deepEqual(at, [T0, T0 + 5000, T0 + 10000, T0 + 15000]);
});

test("wake-up: the earliest due host, pushed back by its pacing; retries; bounds", () => {
  const iso = (ms: number) => new Date(ms).toISOString();
  const open = (p: string) => (p === "slow" ? T0 + 300 : T0);
  assert.equal(wakeDelayMs(T0, [], null, open), 500);
  assert.equal(wakeDelayMs(T0, [{ platform: "a", host: "h", due: iso(T0 + 200) }], null, open), 200);
  assert.equal(wakeDelayMs(T0, [{ platform: "a", host: "h", due: "" }], null, open), 50);
  assert.equal(wakeDelayMs(T0, [{ platform: "slow", host: "h", due: iso(T0 - 9000) }], null, open), 300);
  assert.equal(wakeDelayMs(T0, [], iso(T0 + 120), open), 120);
  assert.equal(wakeDelayMs(T0, [{ platform: "a", host: null, due: "garbage" }], "bad", open), 50);
});
