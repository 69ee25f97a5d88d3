/** Poll batch starts read back from a real store's audit trail: per host, in the window, once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Db } from "../../src/store/open-store.js";
import { addEvent } from "../../src/store/events.js";
import { PollHistory } from "../../src/manager/poll-history.js";

const T0 = Date.parse("2026-11-26T12:00:00Z");

function batch(db: Db, host: string, endMs: number, durationMs: number): void {
  addEvent(db, {
    time: new Date(endMs).toISOString(),
    kind: "command",
    text: `poll batch on ${host}: 3 jobs, exit 0, ${durationMs} ms`,
    detail: { argv: ["ssh"], host, exitCode: 0, signal: null, durationMs, timedOut: false },
  });
}

test("starts per host within the last minute, from the batches' end and duration; later events too", () => {
  const dir = mkdtempSync(join(tmpdir(), "drover-poll-history-"));
  const db = openStore(join(dir, "store.db"));
  try {
    batch(db, "a", T0 - 90_000, 1_000); // started before the window
    batch(db, "a", T0 - 30_000, 2_000);
    batch(db, "b", T0 - 20_000, 500);
    addEvent(db, {
      time: new Date(T0 - 10_000).toISOString(),
      kind: "command",
      text: "submit batch on a: 1 jobs",
    });
    batch(db, "a", T0 - 5_000, 0);
    const h = new PollHistory(db);
    assert.deepEqual(h.recentStarts("a", T0), [T0 - 32_000, T0 - 5_000]);
    assert.deepEqual(h.recentStarts("b", T0), [T0 - 20_500]);
    assert.deepEqual(h.recentStarts("c", T0), []);
    // Written after the first read: seen by the next one; starts that left the window are gone.
    batch(db, "c", T0 + 1_000, 100);
    assert.deepEqual(h.recentStarts("c", T0 + 2_000), [T0 + 900]);
    assert.deepEqual(h.recentStarts("a", T0 + 30_000), [T0 - 5_000]);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
