import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { chunk, runLimited } from "../../src/manager/run-limited.js";

/** Tasks that count how many run at once; each waits a few ms (varied, so they finish out of order). */
function countingTasks(n: number) {
  const c = { inFlight: 0, maxInFlight: 0, started: [] as number[], done: [] as number[] };
  const tasks = Array.from({ length: n }, (_, i) => async () => {
    c.started.push(i);
    c.inFlight++;
    c.maxInFlight = Math.max(c.maxInFlight, c.inFlight);
    await sleep(1 + ((i * 7) % 5));
    c.inFlight--;
    c.done.push(i);
  });
  return { c, tasks };
}

test("at most `limit` tasks in flight, and the limit is reached", async () => {
  for (const limit of [1, 3, 5]) {
    const { c, tasks } = countingTasks(20);
    await runLimited(tasks, limit, (err) => assert.fail(String(err)));
    assert.equal(c.maxInFlight, limit, `limit ${limit}`);
    assert.equal(c.inFlight, 0);
    assert.deepEqual(c.started, [...Array(20).keys()], "tasks start in list order");
    assert.deepEqual(
      [...c.done].sort((a, b) => a - b),
      [...Array(20).keys()],
      "every task ran once",
    );
  }
});

test("a limit above the task count runs them all at once", async () => {
  const { c, tasks } = countingTasks(4);
  await runLimited(tasks, 100, () => assert.fail("no error expected"));
  assert.equal(c.maxInFlight, 4);
  assert.equal(c.done.length, 4);
});

test("it resolves only after every task has settled", async () => {
  const { c, tasks } = countingTasks(9);
  await runLimited(tasks, 2, () => {});
  assert.equal(c.done.length, 9);
});

test("no tasks: resolves at once without calling onError", async () => {
  let errors = 0;
  await runLimited([], 3, () => errors++);
  assert.equal(errors, 0);
});

test("errors are reported, one call each, and the other tasks still run", async () => {
  const errors: unknown[] = [];
  const ran: number[] = [];
  const tasks = Array.from({ length: 10 }, (_, i) => async () => {
    await sleep(1);
    ran.push(i);
    if (i % 3 === 0) throw new Error(`task ${i} failed`);
  });
  await runLimited(tasks, 2, (err) => errors.push(err));
  assert.deepEqual(
    [...ran].sort((a, b) => a - b),
    [...Array(10).keys()],
  );
  assert.deepEqual(errors.map((e) => (e as Error).message).sort(), [
    "task 0 failed",
    "task 3 failed",
    "task 6 failed",
    "task 9 failed",
  ]);
});

test("a task that throws before returning a promise is reported like a rejection", async () => {
  const errors: unknown[] = [];
  let after = false;
  const tasks: (() => Promise<void>)[] = [
    () => {
      throw new Error("sync throw");
    },
    async () => {
      after = true;
    },
  ];
  await runLimited(tasks, 1, (err) => errors.push(err));
  assert.equal((errors[0] as Error).message, "sync throw");
  assert.ok(after);
});

test("chunk: sizes of at most `size`, order kept, last one shorter", () => {
  const items = [1, 2, 3, 4, 5, 6, 7];
  assert.deepEqual(chunk(items, 3), [[1, 2, 3], [4, 5, 6], [7]]);
  assert.deepEqual(chunk(items, 7), [items]);
  assert.deepEqual(chunk(items, 100), [items]);
  assert.deepEqual(chunk(items, 1).length, 7);
  assert.deepEqual(
    chunk([...Array(250).keys()], 100).map((c) => c.length),
    [100, 100, 50],
  );
});

test("chunk: empty input gives no chunks", () => {
  assert.deepEqual(chunk([], 5), []);
});

test("chunk: a size below 1 or fractional is floored to at least 1", () => {
  assert.deepEqual(chunk([1, 2, 3], 0), [[1], [2], [3]]);
  assert.deepEqual(chunk([1, 2, 3], -4), [[1], [2], [3]]);
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2.9), [[1, 2], [3, 4], [5]]);
});

test("chunk: the input is not changed", () => {
  const items = Object.freeze([1, 2, 3]);
  chunk(items, 2);
  assert.deepEqual(items, [1, 2, 3]);
});

test("a limit below 1 or NaN still runs every task, one at a time", async () => {
  for (const limit of [0, -2, 0.5, Number.NaN]) {
    const { c, tasks } = countingTasks(3);
    await runLimited(tasks, limit, () => assert.fail("no error expected"));
    assert.equal(c.done.length, 3, `limit ${limit}`);
    assert.equal(c.maxInFlight, 1, `limit ${limit}`);
  }
});

test("an Infinity limit runs them all at once", async () => {
  const { c, tasks } = countingTasks(5);
  await runLimited(tasks, Infinity, () => {});
  assert.equal(c.maxInFlight, 5);
});
