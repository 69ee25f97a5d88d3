/**
 * Reports the transition table refuses: named in the events, the job due again at once, then at
 * most once per REPOLL_GAP_MS (on a real store). The verdict function itself only reports forward
 * moves (a `running` job with no trace on the host is `vanished`, not `submit-failed`): a real
 * poll shows it, so the re-poll is the safety net the design asks for. Also: the SQL behind the
 * scheduler's wake-up agrees with a scan of every row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Db } from "../../src/store/open-store.js";
import { insertJobRow, jobRow, updateJobRow } from "../../src/store/job-rows.js";
import { localhostPlatform } from "../../src/manager/platform.js";
import { pollChunk } from "../../src/manager/poll-round.js";
import { REPOLL_GAP_MS, repollAfterRefusedReport } from "../../src/manager/poll-refused.js";
import { dueByHost, dueRows, earliestRetry } from "../../src/manager/poll-wake.js";
import type { RunContext } from "../../src/manager/run-context.js";
import type { JobSet } from "../../src/config/index.js";

function context(dir: string, db: Db, clock: { t: number }): RunContext {
  const platform = localhostPlatform();
  return {
    runName: "r",
    runDir: dir,
    db,
    jobSet: { jobs: [] } as unknown as JobSet,
    specs: new Map(),
    platforms: new Map([[platform.name, platform]]),
    groups: new Map(),
    clock: { now: () => clock.t },
    maxBatch: null,
    maxActive: null,
    listeners: [],
    installs: new Map(),
  };
}

const events = (db: Db, kind: string) =>
  (
    db.prepare(`SELECT text, detail FROM events WHERE kind = ? ORDER BY id`).all(kind) as { text: string }[]
  ).map((e) => e.text);

test("a refused report is named in the events and the job polled again now, never in a tight loop", () => {
  const dir = mkdtempSync(join(tmpdir(), "drover-refused-"));
  const db = openStore(join(dir, "store.db"));
  try {
    const clock = { t: Date.parse("2026-11-26T12:00:00Z") };
    const ctx = context(dir, db, clock);
    insertJobRow(db, {
      name: "j",
      submit_num: 1,
      try: 1,
      platform: "localhost",
      runner: "background",
      created_at: new Date(clock.t).toISOString(),
    });
    updateJobRow(db, "j", 1, {
      state: "running",
      host: "localhost",
      next_poll_at: new Date(clock.t + 60_000).toISOString(),
    });
    const refuse = () =>
      repollAfterRefusedReport(
        ctx,
        jobRow(db, "j", 1)!,
        "poll verdict submit-failed",
        "no move from running to submit-failed",
      );
    assert.equal(refuse(), clock.t);
    assert.equal(Date.parse(jobRow(db, "j", 1)!.next_poll_at!), clock.t, "due at once");
    assert.deepEqual(events(db, "repoll"), [
      "j/01 running: poll verdict submit-failed refused (no move from running to submit-failed): polled again now",
    ]);
    // Refused again 1 s later: it waits out the gap (stored in the events: a restart keeps it).
    clock.t += 1000;
    assert.equal(refuse(), clock.t - 1000 + REPOLL_GAP_MS);
    assert.match(events(db, "repoll")[1]!, /: polled again in 4 s$/);
    assert.equal(Date.parse(jobRow(db, "j", 1)!.next_poll_at!), clock.t + 4000);
    // The planned poll at the gap refused again: the next one a gap later, not sooner.
    clock.t += 4000;
    assert.equal(refuse(), clock.t + REPOLL_GAP_MS);
    // Refused long after: at once again.
    clock.t += 60_000;
    assert.equal(refuse(), clock.t);
    assert.equal(jobRow(db, "j", 1)!.state, "running", "nothing moved");
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a real poll of a job the host has no trace of: forward verdicts only, no re-poll loop", async () => {
  const dir = mkdtempSync(join(tmpdir(), "drover-refused-"));
  const db = openStore(join(dir, "store.db"));
  try {
    const clock = { t: Date.now() };
    const ctx = context(dir, db, clock);
    const platform = ctx.platforms.get("localhost")!;
    insertJobRow(db, {
      name: "ghost",
      submit_num: 1,
      try: 1,
      platform: "localhost",
      runner: "background",
      created_at: new Date(clock.t).toISOString(),
    });
    updateJobRow(db, "ghost", 1, {
      state: "running",
      host: "localhost",
      token: "abcdef0123456789",
      unlisted_since: new Date(clock.t - 60_000).toISOString(),
    });
    const r = await pollChunk(ctx, platform, "localhost", [jobRow(db, "ghost", 1)!]);
    assert.equal(r.failed, false);
    assert.ok(r.durationMs > 0, "the batch is timed for the host's pacing");
    assert.equal(jobRow(db, "ghost", 1)!.state, "failed");
    assert.equal(jobRow(db, "ghost", 1)!.reason, "vanished");
    assert.deepEqual(events(db, "repoll"), []);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("due rows and per-host MIN() agree with a scan of every row", () => {
  const dir = mkdtempSync(join(tmpdir(), "drover-wake-"));
  const db = openStore(join(dir, "store.db"));
  try {
    const t = (s: number) => new Date(Date.parse("2026-11-26T12:00:00Z") + s * 1000).toISOString();
    const add = (
      name: string,
      state: string,
      host: string | null,
      next: string | null,
      retry: string | null = null,
    ) => {
      insertJobRow(db, {
        name,
        submit_num: 1,
        try: 1,
        platform: "localhost",
        runner: "background",
        created_at: t(0),
      });
      updateJobRow(db, name, 1, { state: state as never, host, next_poll_at: next, retry_at: retry });
    };
    add("a", "running", "h1", t(10));
    add("b", "submitted", "h1", t(5));
    add("c", "running", "h2", null);
    add("d", "succeeded", "h2", t(1));
    add("e", "waiting", null, null, t(7));
    add("f", "waiting", null, null, t(3));
    add("g", "uncertain", "h2", t(20));
    const byHost = new Map(dueByHost(db).map((h) => [h.host, h.due]));
    assert.deepEqual(Object.fromEntries(byHost), { h1: t(5), h2: "" });
    assert.equal(earliestRetry(db), t(3));
    assert.deepEqual(
      dueRows(db, t(10)).map((r) => r.name),
      ["c", "b", "a"],
      "never polled first, then the most overdue; final and not yet due rows left out",
    );
    // A newer submission hides the older one.
    insertJobRow(db, {
      name: "a",
      submit_num: 2,
      try: 2,
      platform: "localhost",
      runner: "background",
      created_at: t(0),
    });
    assert.deepEqual(
      dueRows(db, t(10)).map((r) => r.name),
      ["c", "b"],
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
