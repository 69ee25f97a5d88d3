/**
 * A restart within a second of a SIGKILL, while the orphaned submit batch program is still calling
 * the runner (DESIGN.md, Verdicts rule 7 and "Never lose, never duplicate"). Runner commands go
 * through thin wrappers on the job user's PATH (a tagged login shell) that make each call slow, so
 * the kill lands inside a batch for sure. Jobs count their own runs: each must run exactly once.
 * The at case also kills the orphaned batch program right after `at` queued a job and before the
 * journal line: only `atq` + `at -c` (the token line) can tell Drover the job exists.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ensureAtd, ensureSlurm } from "../helpers/runner-hosts.js";
import { RECORD, runsOf, until, type E2e } from "../remote-e2e/e2e.js";
import {
  cancelLeftovers,
  describeRun,
  eventsOf,
  evidenceOf,
  finish,
  openRunnerSuite,
  runnerPlatform,
  statusOf,
  writeJobSet,
  type JobDef,
} from "../runners-e2e/runner-e2e.js";
import { killDrover, pgidOf, readHost, taggedLogin } from "./recovery-e2e.js";

const { e2e, skip, cleanups } = openRunnerSuite("Slurm and atd", () => {
  ensureSlurm();
  ensureAtd();
});

/** The journals of a run on the host: name -> text. */
function journals(e: E2e, root: string, run: string): Map<string, string> {
  const dir = e.onHost(root, run, "batches");
  const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  return new Map(names.map((n) => [n, readHost(path.join(dir, n))]));
}

const submitLines = (text: string) => text.match(/^SUBMIT \S+ rc=/gm)?.length ?? 0;

test(
  "SIGKILL inside submit batches of 50 Slurm and 50 background jobs, restarted at once: each runs once",
  { skip, timeout: 180_000 },
  async () => {
    const e = e2e!;
    const run = "midbatch";
    const root = e.newRunRoot();
    cleanups.push(() => cancelLeftovers(e, run, root));
    const tag = taggedLogin(e, cleanups, [], {
      sbatch: 'sleep 0.05; exec /usr/bin/sbatch "$@"',
      timeout: 'sleep 0.02; exec /usr/bin/timeout "$@"',
    });
    const shell = { shell: `[bash, -l, -s, ${tag}]`, max_batch: "50" };
    e.platforms([
      "platforms:",
      ...runnerPlatform(e, "bg", "background", root, shell),
      ...runnerPlatform(e, "sl", "slurm", root, shell),
    ]);
    const jobs: Record<string, JobDef> = {};
    for (let i = 1; i <= 50; i++) {
      jobs[`s${i}`] = { platform: "sl", script: RECORD };
      // A time limit makes `timeout` the job's outermost process: its wrapper slows each launch.
      jobs[`b${i}`] = { platform: "bg", script: RECORD, more: ["time_limit: PT5M"] };
    }
    const file = writeJobSet(e, run, jobs);
    const live = e.start(["run", file]);
    // Inside a batch: its journal has some SUBMIT lines and no DONE.
    let hit = "";
    await until(
      () => {
        for (const [name, text] of journals(e, root, run))
          if (submitLines(text) >= 3 && !/^DONE$/m.test(text)) hit = name;
        return hit !== "";
      },
      60_000,
      "a submit batch half done",
      5,
    ).catch((err: Error) => assert.fail(`${err.message}\n${live.output()}`));
    await killDrover(live);
    const killedAt = Date.now();
    const again = e.start(["run", file]);
    const restartMs = Date.now() - killedAt;
    const inFlight = readHost(path.join(e.onHost(root, run, "batches"), hit));
    const end = await finish(again, 150_000);
    assert.equal(end.code, 0, `${describeRun(e, run)}\n${end.out.slice(-3000)}`);
    assert.ok(restartMs < 1000, `restarted ${restartMs} ms after the kill`);
    assert.ok(submitLines(inFlight) < 50, "the restart came while the orphaned batch was still submitting");
    // The orphaned batch went on to its end with nobody listening: all 50 accepted, once.
    const journal = journals(e, root, run).get(hit) ?? "";
    assert.equal(journal.match(/^SUBMIT \S+\/01 rc=0 id=[0-9]+ /gm)?.length, 50, journal);
    assert.match(journal, /^DONE$/m);
    const share = e.onHost(root, run, "share");
    const rows = statusOf(e, run);
    for (const name of Object.keys(jobs)) {
      const j = rows.get(name) ?? {};
      const why = `${name}\n${evidenceOf(e, run, name)}`;
      assert.equal(j.state, "succeeded", why);
      assert.equal(runsOf(share, name), 1, `${name} ran once\n${why}`);
      // A job of the orphaned batch keeps its submission: the journal recovered it.
      if (journal.includes(`SUBMIT ${name}/01 `)) assert.equal(j.submit_num, 1, why);
    }
  },
);

test(
  "at: Drover and its batch program killed between `at` and the journal line: found by atq + at -c",
  { skip, timeout: 180_000 },
  async () => {
    const e = e2e!;
    const run = "atlookup";
    const root = e.newRunRoot();
    cleanups.push(() => cancelLeftovers(e, run, root));
    const calls = fs.mkdtempSync("/tmp/drv-rec-calls-");
    fs.chmodSync(calls, 0o777);
    cleanups.push(() => fs.rmSync(calls, { recursive: true, force: true }));
    const log = path.join(calls, "at-calls");
    // The second call queues its job for the next minute (a busy atd), so it is still waiting in
    // atq at the restart; after each real `at`, the wrapper notes the call and lingers.
    const at = [
      `n=$(cat ${log} 2>/dev/null | wc -l)`,
      'if [ "$n" -eq 1 ]; then /usr/bin/at -M now + 1 minute; else /usr/bin/at "$@"; fi; rc=$?',
      `echo "$rc" >> ${log}; sleep 3; exit $rc`,
    ];
    const tag = taggedLogin(e, cleanups, [], { at: at.join("\n") });
    e.platforms(["platforms:", ...runnerPlatform(e, "atp", "at", root, { shell: `[bash, -l, -s, ${tag}]` })]);
    const names = ["a1", "a2", "a3", "a4"];
    const jobs = Object.fromEntries(names.map((n) => [n, { platform: "atp", script: RECORD }]));
    const file = writeJobSet(e, run, jobs);
    const live = e.start(["run", file]);
    // The second call has queued its job; its journal line is three seconds away.
    await until(
      () => readHost(log).split("\n").filter(Boolean).length >= 2,
      60_000,
      "two at calls",
      20,
    ).catch((err: Error) => assert.fail(`${err.message}\n${live.output()}`));
    await killDrover(live);
    const [name, journal] = [...journals(e, root, run)][0] ?? ["", ""];
    const pid = Number(/^PID ([0-9]+) /.exec(journal)?.[1] ?? 0);
    assert.ok(pid > 0, `a journal with a PID: ${name}\n${journal}`);
    const pgid = pgidOf(pid);
    assert.ok(pgid !== null, "the batch program still runs");
    // The orphaned batch program dies too, with its `at` wrapper: the journal line is never written.
    process.kill(-pgid, "SIGKILL");
    assert.equal(submitLines(readHost(path.join(e.onHost(root, run, "batches"), name))), 1);
    const end = await finish(e.start(["run", file]), 150_000);
    assert.equal(end.code, 0, `${describeRun(e, run)}\n${end.out.slice(-3000)}`);
    const rows = statusOf(e, run);
    const share = e.onHost(root, run, "share");
    for (const n of names) {
      assert.equal(rows.get(n)?.state, "succeeded", `${n}\n${evidenceOf(e, run, n)}`);
      assert.equal(runsOf(share, n), 1, `${n} ran once\n${evidenceOf(e, run, n)}`);
    }
    // a1 from its journal line, a2 by the lookup (one submission each); a3, a4 never reached at.
    assert.equal(rows.get("a1")?.submit_num, 1);
    assert.equal(rows.get("a2")?.submit_num, 1, evidenceOf(e, run, "a2"));
    const a2 = eventsOf(e, run, "a2", "state")
      .map((ev) => `${ev.text} ${ev.detail ?? ""}`)
      .join("\n");
    assert.match(a2, /journal: no line, batch ended/, a2);
    assert.match(a2, /lookup: found job [0-9]+/, a2);
    for (const n of ["a3", "a4"]) {
      const j = rows.get(n);
      assert.ok(j?.submit_num === 2 || j?.submit_num === 1, `${n}: ${JSON.stringify(j)}`);
    }
  },
);
