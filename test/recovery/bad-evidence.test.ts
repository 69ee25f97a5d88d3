/**
 * Bad evidence (DESIGN.md, Verdicts): a runner query that fails (squeue exits 1 through a wrapper
 * on one platform's login PATH while a flag file exists; no shared daemon is touched), a garbage
 * job.status written over a running job's, an EXIT line torn in half, a job directory deleted while
 * its job runs, and job hosts whose clocks are ten years ahead or twenty behind (libfaketime from
 * the Debian `faketime` package, preloaded by the platform's login shell, so the wrapper itself
 * writes the skewed times). Drover is SIGKILLed in the middle and restarted: no crash, clear
 * evidence in `drover status RUN JOB --why`, the right verdict for each, no job lost or rerun.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ensureSlurm } from "../helpers/runner-hosts.js";
import { RECORD, runsOf } from "../remote-e2e/e2e.js";
import {
  cancelLeftovers,
  describeRun,
  eventsOf,
  evidenceOf,
  finish,
  hostJobFile,
  openRunnerSuite,
  runnerPlatform,
  sleep,
  statusOf,
  waitFor,
  writeJobSet,
  type JobDef,
} from "../runners-e2e/runner-e2e.js";
import {
  WAIT_GO,
  evidenceLines,
  groupAlive,
  initPid,
  killDrover,
  pgidOf,
  readHost,
  taggedLogin,
  whyOf,
} from "./recovery-e2e.js";

const FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const { e2e, skip, cleanups } = openRunnerSuite("Slurm and libfaketime", () => {
  // CI runs as root: a missing library is a failure to report, never a silent skip.
  if (!fs.existsSync(FAKETIME_LIB)) throw new Error(`${FAKETIME_LIB} missing: apt-get install faketime`);
  ensureSlurm();
});

const RUN = "badevidence";
const FINAL = new Set(["succeeded", "failed", "submit-failed"]);

test(
  "failed queries, garbage and torn status files, a deleted job directory, skewed clocks",
  { skip, timeout: 200_000 },
  async () => {
    const e = e2e!;
    const began = Date.now() - 60_000;
    const root = e.newRunRoot();
    cleanups.push(() => cancelLeftovers(e, RUN, root));
    const flagDir = fs.mkdtempSync("/tmp/drv-rec-flag-");
    fs.chmodSync(flagDir, 0o755);
    cleanups.push(() => fs.rmSync(flagDir, { recursive: true, force: true }));
    const flag = path.join(flagDir, "squeue-fails");
    const squeue = `if [ -e ${flag} ]; then echo "squeue: error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi\nexec /usr/bin/squeue "$@"`;
    const failing = taggedLogin(e, cleanups, [], { squeue });
    const skew = (offset: string) =>
      taggedLogin(e, cleanups, [
        `export LD_PRELOAD=${FAKETIME_LIB} FAKETIME=${offset} FAKETIME_DONT_FAKE_MONOTONIC=1`,
      ]);
    e.platforms([
      "platforms:",
      ...runnerPlatform(e, "bg", "background", root),
      ...runnerPlatform(e, "slq", "slurm", root, { shell: `[bash, -l, -s, ${failing}]` }),
      ...runnerPlatform(e, "ahead", "background", root, { shell: `[bash, -l, -s, ${skew("+3650d")}]` }),
      ...runnerPlatform(e, "behind", "background", root, { shell: `[bash, -l, -s, ${skew("-7300d")}]` }),
    ]);
    const gated = (platform: string, code = 0, more: string[] = []): JobDef => ({
      platform,
      script: `${RECORD}; ${WAIT_GO}; exit ${code}`,
      more,
    });
    const jobs: Record<string, JobDef> = {
      query: gated("slq"),
      garbage: gated("bg"),
      torn: gated("bg"),
      rmdir: gated("bg"),
      ahead: gated("ahead", 3, ["time_limit: PT10M"]),
      behind: gated("behind", 0, ["time_limit: PT10M"]),
    };
    const file = writeJobSet(e, RUN, jobs);
    const names = Object.keys(jobs);
    const statusFile = (j: string) => hostJobFile(e, root, RUN, j, "job.status");
    const live = e.start(["run", file]);
    const info = () => describeRun(e, RUN, live);
    const states = () => new Map([...statusOf(e, RUN)].map(([n, j]) => [n, j.state]));
    await waitFor(
      () => names.every((n) => statusOf(e, RUN).get(n)?.state === "running"),
      60_000,
      "every job running",
      info,
    );
    // The skewed hosts wrote their own times: the clock skew is real.
    assert.match(readHost(statusFile("ahead")), /^DROVER_JOB_INIT=20[3-9][0-9]-/m);
    assert.match(readHost(statusFile("behind")), /^DROVER_JOB_INIT=(19|200)[0-9]-/m);
    const groups = new Map(names.map((n) => [n, pgidOf(initPid(readHost(statusFile(n))) ?? 0)]));

    // While Drover watches: squeue fails, a status file turns to garbage, a job directory goes.
    const mark = Math.max(0, ...e.events(RUN).map((ev) => ev.id));
    fs.writeFileSync(flag, "");
    fs.writeFileSync(
      statusFile("garbage"),
      "\u0000\u00ff garbage\nDROVER_JOB_INIT=not|a|line\nDROVER_JOB_EXIT=\n",
    );
    fs.rmSync(path.dirname(statusFile("rmdir")), { recursive: true });
    await waitFor(
      () =>
        eventsOf(e, RUN, null, "poll-error").some(
          (ev) => ev.id > mark && /Unable to contact slurm/.test(ev.text),
        ),
      20_000,
      "a poll error from the failing squeue",
      info,
    );
    await sleep(3000);
    assert.deepEqual(
      eventsOf(e, RUN, null, "state")
        .filter((ev) => ev.id > mark)
        .map((ev) => ev.text),
      [],
      "nothing moves on bad evidence while the jobs run",
    );

    // Drover dies; the jobs end unseen; the torn job's EXIT line is cut in half.
    await killDrover(live);
    fs.writeFileSync(path.join(e.onHost(root, RUN, "share"), "go"), "");
    await waitFor(
      () => [...groups.values()].every((g) => g === null || !groupAlive(g)),
      30_000,
      "every job to end",
    );
    const tornText = readHost(statusFile("torn"));
    assert.match(tornText, /DROVER_JOB_EXIT=[^\n]*\|SUCCEEDED\|0\n$/);
    fs.writeFileSync(statusFile("torn"), tornText.slice(0, tornText.lastIndexOf("|SUCCEEDED") + 5));
    assert.match(readHost(statusFile("query")), /^DROVER_JOB_EXIT=/m);

    // Restarted with squeue still failing: the Slurm job waits, the others get their verdicts.
    const again = e.start(["run", file]);
    const mark2 = Math.max(0, ...e.events(RUN).map((ev) => ev.id));
    await waitFor(
      () => names.filter((n) => n !== "query").every((n) => FINAL.has(String(states().get(n)))),
      60_000,
      "every job but the Slurm one final",
      () => describeRun(e, RUN, again),
    );
    await waitFor(
      () =>
        eventsOf(e, RUN, null, "poll-error").some(
          (ev) => ev.id > mark2 && /Unable to contact slurm/.test(ev.text),
        ),
      20_000,
      "a poll error after the restart",
    );
    assert.equal(states().get("query"), "running", "a failed query is never read as 'job gone'");
    fs.rmSync(flag);
    const end = await finish(again, 60_000);
    assert.equal(end.code, 1, `some jobs fail on purpose\n${describeRun(e, RUN)}\n${end.out.slice(-3000)}`);
    assert.doesNotMatch(end.out, /internal error/i);

    const rows = statusOf(e, RUN);
    const expect: Record<string, [string, RegExp, RegExp[]]> = {
      query: ["succeeded", /^succeeded$/, [/^status: EXIT=SUCCEEDED\|0/, /^queue: unlisted$/]],
      garbage: [
        "succeeded",
        /^succeeded$/,
        [/^status: [0-9]+ malformed line\(s\), first at line 1: /, /^status: EXIT=SUCCEEDED\|0/],
      ],
      torn: [
        "failed",
        /^vanished$/,
        [
          /^status: 1 malformed line\(s\), first at line [0-9]+: DROVER_JOB_EXIT=.*\|SUCC$/,
          /^queue: unlisted/,
        ],
      ],
      rmdir: [
        "failed",
        /^vanished$/,
        [
          /^status: no job\.status file$/,
          /^queue: unlisted \(recorded process gone\)$/,
          /^verdict: seen running, then left the runner; its status file shows no start$/,
        ],
      ],
      ahead: ["failed", /^exit\(3\)$/, [/^status: EXIT=ERR\|3 at 20[3-9][0-9]-/]],
      behind: ["succeeded", /^succeeded$/, [/^status: EXIT=SUCCEEDED\|0 at (19|200)[0-9]-/]],
    };
    // The failed queries that held the Slurm job's verdict back are shown with it.
    const queryWhy = whyOf(e, RUN, "query");
    assert.match(queryWhy, /^ {2}poll errors on \S+ while it was live: [1-9][0-9]*/m, queryWhy);
    assert.match(queryWhy, /poll of [0-9]+ jobs on \S+ failed: .*Unable to contact slurm/, queryWhy);
    const share = e.onHost(root, RUN, "share");
    for (const [name, [state, reason, evidence]] of Object.entries(expect)) {
      const j = rows.get(name) ?? {};
      const why = `${name}\n${evidenceOf(e, RUN, name)}\n${describeRun(e, RUN)}`;
      assert.equal(j.state, state, why);
      assert.match(String(j.reason), reason, why);
      assert.equal(j.submit_num, 1, why);
      assert.equal(runsOf(share, name), 1, `${name} ran once`);
      const text = whyOf(e, RUN, name);
      const lines = evidenceLines(text);
      for (const re of evidence)
        assert.ok(
          lines.some((l) => re.test(l)),
          `${name}: ${re}\n${text}`,
        );
      // Times in the store are Drover's: a job host's skewed clock never makes a job end before it
      // started, or start before it was submitted.
      const times = ["submitted_at", "started_at", "ended_at"].map((k) => Date.parse(String(j[k])));
      const [sub, start, ended] = times as [number, number, number];
      assert.ok(
        times.every((t) => t >= began && t <= Date.now() + 60_000) && sub <= start && start <= ended,
        `${name}: ${JSON.stringify(j)}`,
      );
    }
  },
);
