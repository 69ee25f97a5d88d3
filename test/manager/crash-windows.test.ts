/**
 * Drover SIGKILLed at each precise window of a batch (DESIGN.md, "Never lose, never duplicate"),
 * then resumed with the real CLI: every job runs exactly once, counted from the jobs' own side
 * effects, and the store tells what happened: a batch that never reached the runner is submitted
 * again (02), a batch that did is recovered from its journal (01 kept).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { sandbox, type Sandbox } from "../helpers/cli.js";
import {
  RAN,
  assertFinal,
  droverAsync,
  statusOf,
  journals,
  procStart,
  ranLines,
  runCrashFixture,
  submissions,
  waitUntil,
  type JournalText,
} from "../fixtures/crash-evidence.js";

/** Jobs without needs: all of them go out in the first submit batch. */
const FIRST = ["p1", "p2", "p3", "p4", "root", "slow"];
/** Jobs held by needs: still waiting when Drover dies. */
const LATER = ["c1", "c2", "c3", "c4", "join", "last"];
const RUN = "crash";

function jobSet(): string {
  const lines = ["jobs:"];
  for (const p of ["p1", "p2", "p3", "p4", "root"])
    lines.push(`  ${p}:`, `    script: ${JSON.stringify(RAN)}`);
  lines.push("  slow:", `    script: ${JSON.stringify(`${RAN}; sleep 2`)}`);
  for (const c of ["c1", "c2", "c3", "c4"])
    lines.push(`  ${c}:`, "    needs: root", `    script: ${JSON.stringify(RAN)}`);
  lines.push("  join:", "    needs: [slow, c1, c2, c3, c4]", `    script: ${JSON.stringify(RAN)}`);
  lines.push("  last:", "    needs: join", `    script: ${JSON.stringify(RAN)}`);
  return lines.join("\n") + "\n";
}

/** The job IDs of `keys` in the journal: each one accepted by the runner (rc=0). */
function idsIn(j: JournalText, keys: string[]): Map<string, string> {
  for (const k of keys) assert.ok(j.ids.has(k), `journal ${j.id} has no line for ${k}:\n${j.text}`);
  return new Map(keys.map((k) => [k, j.ids.get(k) as string]));
}

interface Case {
  mode: "before-send" | "mid-payload" | "after-send" | "after-reply" | "mid-poll";
  /** The first batch never reached the runner: its jobs are submitted again as 02. */
  resubmitted: boolean;
  /** State of the first batch's jobs when Drover died. */
  left: string;
}

const CASES: Case[] = [
  { mode: "before-send", resubmitted: true, left: "submitting" },
  { mode: "mid-payload", resubmitted: true, left: "submitting" },
  { mode: "after-send", resubmitted: false, left: "submitting" },
  { mode: "after-reply", resubmitted: false, left: "submitting" },
  { mode: "mid-poll", resubmitted: false, left: "submitted" },
];

/** What the dead Drover left on disk and in the store; returns the first batch's journal if any. */
async function assertLeftBehind(sb: Sandbox, c: Case): Promise<JournalText | null> {
  const status = await statusOf(sb, RUN);
  for (const n of FIRST) {
    const j = status.get(n);
    assert.equal(j?.state, c.left, `${n}: ${JSON.stringify(j)}`);
    assert.equal(j?.submit_num, 1);
    assert.equal(j?.host, "localhost");
    // Only the poll-window crash had the submit reply recorded.
    assert.equal(j?.runner_job_id === null, c.left === "submitting", `${n}: ${JSON.stringify(j)}`);
  }
  for (const n of LATER) assert.equal(status.get(n)?.state, "waiting", n);
  const scripts = FIRST.map((n) => join(sb.home, RUN, "log", "job", n, "01"));
  if (c.mode === "before-send") {
    assert.deepEqual(journals(sb, RUN), [], "no batch program ran");
    for (const d of scripts) assert.equal(existsSync(d), false, d);
    assert.equal(ranLines(sb, RUN).size, 0);
    return null;
  }
  // The batch program outlives Drover: wait until it wrote DONE on its own.
  await waitUntil("the orphaned batch to end", () => journals(sb, RUN)[0]?.done === true);
  const js = journals(sb, RUN);
  assert.equal(js.length, 1, "one submit batch");
  const j = js[0] as JournalText;
  if (c.mode === "mid-payload") {
    // The truncated payload was refused whole: no file under its final name, nothing launched.
    assert.match(j.text, /^PID [0-9]+ [0-9]+ \S*\nDONE\n$/);
    for (const d of scripts) {
      assert.equal(existsSync(join(d, "job")), false, `${d}/job`);
      assert.equal(existsSync(join(d, "job.status")), false, `${d}/job.status`);
    }
    assert.equal(ranLines(sb, RUN).size, 0);
    return j;
  }
  const ids = idsIn(
    j,
    FIRST.map((n) => `${n}/01`),
  );
  if (c.mode === "mid-poll") {
    for (const n of FIRST) assert.equal(status.get(n)?.runner_job_id, ids.get(`${n}/01`), n);
  }
  return j;
}

/** One crash window: the fixture dies there, the real CLI resumes, and the evidence is checked. */
async function crashAndResume(c: Case): Promise<void> {
  const sb = sandbox();
  try {
    const file = sb.write(`${RUN}.yaml`, jobSet());
    const end = await runCrashFixture(sb, c.mode, file);
    assert.equal(end.signal, "SIGKILL", `the fixture must die by SIGKILL: ${JSON.stringify(end)}`);
    assert.match(end.stderr, new RegExp(`SIGKILL at ${c.mode}`));
    const first = await assertLeftBehind(sb, c);

    const resumed = await droverAsync(sb, ["run", file], 30_000);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const names = [...FIRST, ...LATER];
    const again = new Set(c.resubmitted ? FIRST : []);
    const recovered = new Set(c.left === "submitting" && !c.resubmitted ? FIRST : []);
    await assertFinal(sb, RUN, names, (n) => (again.has(n) ? 2 : 1), recovered);

    const rows = submissions(sb, RUN);
    const notSubmitted = "submit-failed(not submitted: no status file and no journal line)";
    for (const n of names) {
      const mine = rows.filter((r) => r.name === n);
      if (again.has(n)) {
        // 01 never reached the runner: submit-failed, safe to retry, and 02 costs no retry.
        assert.equal(mine.length, 2, `${n}: ${JSON.stringify(mine)}`);
        assert.equal(mine[0]?.state, "submit-failed");
        assert.equal(mine[0]?.reason, notSubmitted);
        assert.equal(mine[0]?.runner_job_id, null);
        assert.deepEqual([mine[1]?.state, mine[1]?.try, mine[1]?.submit_fails], ["succeeded", 1, 0]);
      } else {
        assert.equal(mine.length, 1, `${n}: ${JSON.stringify(mine)}`);
      }
    }
    const after = journals(sb, RUN);
    if (first && c.resubmitted) {
      // The refused batch stays refused; the jobs went out in a later batch.
      assert.equal(after[0]?.text, first.text);
      assert.equal(after[0]?.ids.size, 0);
    }
    if (first && !c.resubmitted) {
      // Recovered from the journal: the job IDs are the ones the orphaned batch launched.
      const status = await statusOf(sb, RUN);
      for (const n of FIRST) assert.equal(status.get(n)?.runner_job_id, first.ids.get(`${n}/01`), n);
      const fromFirst = rows.filter((r) => r.batch_id === first.id).map((r) => r.name);
      assert.deepEqual(fromFirst.sort(), [...FIRST].sort());
    }
    // Every launch of any batch is one of the final submissions: nothing was launched twice.
    const launched = after.flatMap((j) => [...j.ids.keys()]).sort();
    const finalKeys = names.map((n) => `${n}/${String(again.has(n) ? 2 : 1).padStart(2, "0")}`);
    assert.deepEqual(launched, finalKeys.sort());
  } finally {
    sb.cleanup();
  }
}

const ALL = "SIGKILL at each window of a batch, then resume: nothing lost, nothing run twice";
test(ALL, { concurrency: true, timeout: 60_000 }, async (t) => {
  // The windows are independent runs (own DROVER_HOME): side by side, they mostly wait on polls.
  await Promise.all(CASES.map((c) => t.test(`SIGKILL ${c.mode}`, () => crashAndResume(c))));
});

const BUSY = 300;

/** Signals the frozen batch program, only while it is still the one recorded (pid and start time). */
function signalBatch(j: JournalText, signal: NodeJS.Signals): void {
  if (procStart(j.pid) === j.start) process.kill(j.pid, signal);
}

const BUSY_TEST = "SIGKILL after-send while the batch still runs: the resumed Drover waits for it";
test(BUSY_TEST, { timeout: 60_000 }, async () => {
  const sb = sandbox();
  const run = "busy";
  const names = Array.from({ length: BUSY }, (_, i) => `n${String(i).padStart(3, "0")}`);
  let frozen: JournalText | null = null;
  let drover: ChildProcess | null = null;
  try {
    const file = sb.write(
      `${run}.yaml`,
      `jobs:\n${names.map((n) => `  ${n}: { script: ${JSON.stringify(RAN)} }\n`).join("")}`,
    );
    // One submit batch of 300 jobs (--lift), orphaned as soon as it is written.
    const end = await runCrashFixture(sb, "after-send", file, ["--lift"]);
    assert.equal(end.signal, "SIGKILL", `the fixture must die by SIGKILL: ${JSON.stringify(end)}`);
    // Freeze the orphan halfway through its launches, so "still running" is certain, not a race.
    await waitUntil(
      "launches",
      () => {
        const j = journals(sb, run)[0];
        return j !== undefined && (j.ids.size >= 20 || j.done);
      },
      10_000,
      5,
    );
    const live = journals(sb, run)[0] as JournalText;
    assert.equal(live.done, false, "the batch ended before it could be frozen");
    assert.equal(procStart(live.pid), live.start, "the journal names the batch program");
    signalBatch(live, "SIGSTOP");
    frozen = live;
    await new Promise((r) => setTimeout(r, 100));
    const atStop = journals(sb, run)[0] as JournalText;
    assert.ok(!atStop.done && atStop.ids.size < BUSY, atStop.text.slice(-200));
    const before = await statusOf(sb, run);
    for (const n of names) assert.equal(before.get(n)?.state, "submitting", n);

    drover = sb.spawnDrover(["run", file]);
    let out = "";
    drover.stdout?.on("data", (b: Buffer) => (out += b.toString()));
    drover.stderr?.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((res) => drover?.on("close", (code) => res(code)));
    // The jobs the journal names are recovered at once (their job IDs come from it)...
    const journaled = [...atStop.ids.keys()].map((k) => k.replace(/\/01$/, ""));
    await waitUntil(
      "the journaled jobs recovered",
      async () => {
        const st = await statusOf(sb, run);
        return journaled.every((n) => st.get(n)?.state !== "submitting");
      },
      20_000,
      200,
    );
    // ...and the rest wait for the live batch, past the 2 s grace: never resubmitted meanwhile.
    await new Promise((r) => setTimeout(r, 2500));
    const rows = submissions(sb, run);
    assert.equal(rows.length, BUSY, "no second submission of any job");
    const waiting = rows.filter((r) => r.state === "submitting");
    assert.ok(waiting.length >= BUSY - atStop.ids.size - 1, `${waiting.length} still submitting`);
    for (const r of waiting) assert.notEqual(r.unlisted_since, null, `${r.name} was polled and held`);
    assert.equal((journals(sb, run)[0] as JournalText).text, atStop.text, "the frozen batch did not move");
    assert.ok(ranLines(sb, run).size <= atStop.ids.size + 1, "nothing launched while the batch was frozen");

    signalBatch(live, "SIGCONT");
    frozen = null;
    assert.equal(await exited, 0, out);
    drover = null;
    await assertFinal(sb, run, names, () => 1, new Set(names));
    const j = journals(sb, run);
    assert.equal(j.length, 1, "one submit batch in all");
    assert.ok(j[0]?.done);
    const status = await statusOf(sb, run);
    for (const n of names) assert.equal(status.get(n)?.runner_job_id, j[0]?.ids.get(`${n}/01`), n);
  } finally {
    // A failed test ends the frozen orphan rather than let it launch into a directory being removed.
    if (frozen) signalBatch(frozen, "SIGKILL");
    if (drover && drover.exitCode === null && drover.signalCode === null) drover.kill("SIGKILL");
    sb.cleanup();
  }
});
