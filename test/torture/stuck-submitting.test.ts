/**
 * Pins what the kill torture found: Drover SIGKILLed while it was writing a Slurm submit batch to
 * ssh leaves the batch's jobs `submitting` with a token, no journal and no status file on the host
 * (the truncated program ran nothing). At restart each such job is looked up by name, and every
 * lookup runs its own `squeue -t all` and `sacct -S now-7days` over ALL the user's jobs; with a
 * few dozen jobs the poll outlives the batch timeout, fails, stretches the host's polling, and the
 * jobs stay `submitting` (holding max_active slots) round after round. Here: 40 such jobs made
 * exactly as the killed Drover left them, then `drover run`: each must be found never submitted,
 * submitted again and run exactly once, within a minute.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ensureSlurm } from "../helpers/runner-hosts.js";
import { e2eSandbox, RECORD, runsOf, type E2e } from "../remote-e2e/e2e.js";
import { cancelLeftovers, runnerPlatform } from "../runners-e2e/runner-e2e.js";
import { loadJobSet } from "../../src/config/index.js";
import { releaseContact } from "../../src/manager/contact-file.js";
import { openRun } from "../../src/manager/open-run.js";
import { runPlatforms, runnerOf } from "../../src/manager/platform-registry.js";
import { insertBatch } from "../../src/store/batches.js";
import { updateJobRow } from "../../src/store/job-rows.js";

/** Jobs left submitting (DROVER_STUCK_JOBS overrides, to check the test itself on a few). */
const JOBS = Number(process.env.DROVER_STUCK_JOBS ?? 40);
let e: E2e | null = null;
let leftovers = () => {};
after(() => {
  leftovers();
  e?.cleanup();
});

/** Makes the run with Drover's own openRun and leaves every job `submitting` in a batch never sent. */
function leaveSubmitting(x: E2e, file: string, text: string, run: string): void {
  const jobSet = loadJobSet(file);
  const rp = runPlatforms(jobSet);
  const opened = openRun(jobSet, {
    home: x.sb.home,
    name: run,
    mode: "resume",
    command: "test stuck-submitting",
    say: () => {},
    source: text,
    runnerOf: (p) => runnerOf(rp, p),
  });
  try {
    const now = new Date().toISOString();
    const batchId = `${now.replace(/[-:]/g, "").replace(/\.(\d+)Z$/, "$1Z")}-${randomBytes(4).toString("hex")}`;
    opened.db.transaction(() => {
      insertBatch(opened.db, {
        id: batchId,
        kind: "submit",
        platform: "slurm",
        host: "drover-test-a",
        started_at: now,
        state: "sent",
      });
      for (let i = 0; i < JOBS; i++)
        updateJobRow(opened.db, `s${i}`, 1, {
          state: "submitting",
          host: "drover-test-a",
          token: randomBytes(12).toString("hex"),
          batch_id: batchId,
        });
    })();
  } finally {
    opened.db.close();
    releaseContact(opened.runDir, opened.contact);
  }
}

test(
  `${JOBS} Slurm jobs left submitting by a kill mid-payload are resubmitted once, promptly`,
  { timeout: 200_000 },
  async () => {
    ensureSlurm();
    e = e2eSandbox();
    const x = e;
    const root = x.newRunRoot();
    const run = `stuck${randomBytes(3).toString("hex")}`;
    leftovers = () => cancelLeftovers(x, run, root);
    const lines = ["platforms:", ...runnerPlatform(x, "slurm", "slurm", root), "jobs:"];
    for (let i = 0; i < JOBS; i++)
      lines.push(
        `  s${i}:`,
        "    platform: slurm",
        `    script: ${JSON.stringify(RECORD)}`,
        "    retries: { submission: [PT1S] }",
      );
    const text = `${lines.join("\n")}\n`;
    const file = x.sb.write(`${run}.yaml`, text);
    leaveSubmitting(x, file, text, run);
    const t0 = Date.now();
    const done = await x.run(["run", file], 90_000);
    const took = (Date.now() - t0) / 1000;
    const st = x.status(run);
    const notDone = [...st.values()]
      .filter((j) => j.state !== "succeeded")
      .map((j) => `${String(j.name)} ${String(j.state)}`);
    assert.deepEqual(
      notDone,
      [],
      `after ${took.toFixed(1)} s (exit ${done.code}):\n${done.out.slice(-3000)}`,
    );
    assert.equal(done.code, 0);
    for (let i = 0; i < JOBS; i++) {
      assert.equal(st.get(`s${i}`)?.submit_num, 2, `s${i}: the first submission never reached Slurm`);
      assert.equal(runsOf(x.onHost(root, run, "share"), `s${i}`), 1, `s${i} ran once`);
    }
    assert.ok(took < 60, `took ${took.toFixed(1)} s`);
  },
);
