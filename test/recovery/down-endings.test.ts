/**
 * Jobs that end while Drover is down (DESIGN.md, "Never lose, never duplicate": jobs that ended
 * while Drover was down are found from their status files). One run on host a with background,
 * Slurm and at jobs; Drover is SIGKILLed once all run; then, with nobody watching, jobs succeed,
 * exit 3, are signalled from outside (kill -TERM, scancel), vanish (the whole process group
 * SIGKILLed: no EXIT line) and one Slurm job is requeued. The restarted `drover run` must find
 * each with the right state, reason and evidence, submitting nothing again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ensureAtd, ensureSlurm } from "../helpers/runner-hosts.js";
import { RECORD, runsOf } from "../remote-e2e/e2e.js";
import {
  asJobUser,
  cancelLeftovers,
  describeRun,
  evidenceOf,
  finish,
  hostJobFile,
  openRunnerSuite,
  statusOf,
  waitFor,
  writeJobSet,
} from "../runners-e2e/runner-e2e.js";
import {
  PLATFORMS,
  WAIT_GO,
  evidenceLines,
  groupAlive,
  killDrover,
  readHost,
  recoveryPlatforms,
  signalJobGroup,
  whyOf,
  type JobDef,
} from "./recovery-e2e.js";

const { e2e, skip, cleanups } = openRunnerSuite("Slurm and atd", () => {
  ensureSlurm();
  ensureAtd();
});

const RUN = "downend";
/** The first run waits to be requeued; the second (SLURM_RESTART_COUNT=1) ends at once. */
const REQUEUE = `${RECORD}; if [ "\${SLURM_RESTART_COUNT:-0}" -ge 1 ]; then exit 0; fi; sleep 300`;

/** What each job does once `go` exists, and what Drover must find afterwards. */
interface Case {
  script: string;
  state: string;
  reason: RegExp;
  exit: number | null;
  /** Evidence lines the final verdict must show. */
  evidence: RegExp[];
}

function cases(p: keyof typeof PLATFORMS): Record<string, Case> {
  const exitSeen = (code: string) => [new RegExp(`^status: EXIT=${code}`), /^queue: unlisted/];
  const out: Record<string, Case> = {
    ok: {
      script: `${WAIT_GO}; exit 0`,
      state: "succeeded",
      reason: /^succeeded$/,
      exit: 0,
      evidence: exitSeen("SUCCEEDED\\|0"),
    },
    three: {
      script: `${WAIT_GO}; exit 3`,
      state: "failed",
      reason: /^exit\(3\)$/,
      exit: 3,
      evidence: exitSeen("ERR\\|3"),
    },
  };
  if (p === "sl") {
    out.cancel = {
      script: "sleep 300",
      state: "failed",
      reason: /^cancelled$/,
      exit: null,
      evidence: [/^accounting: cancelled/, /^reason: cancelled, from accounting$/],
    };
    // SIGKILLed under Slurm: sacct says FAILED 0:9, signal 9 (exit code 128 + 9 kept beside it).
    out.vanish = {
      script: "sleep 300",
      state: "failed",
      reason: /^signal\(KILL\)$/,
      exit: 137,
      evidence: [
        /^queue: unlisted$/,
        /^accounting: failed signal KILL exit 137 \(.*\|FAILED\|0:9\)$/,
        /^verdict: started, then left the runner without an EXIT line$/,
      ],
    };
  } else {
    out.term = {
      script: "sleep 300",
      state: "failed",
      reason: /^signal\(TERM\)$/,
      exit: 143,
      evidence: exitSeen("TERM"),
    };
    out.vanish = {
      script: "sleep 300",
      state: "failed",
      reason: /^vanished$/,
      exit: null,
      evidence: [
        /^status: INIT run 1 pid [0-9]+/,
        /^queue: unlisted \(recorded process gone\)$/,
        /^verdict: started, then left the runner without an EXIT line$/,
      ],
    };
  }
  return out;
}

test(
  "jobs that end while Drover is down are all found at restart, none run again",
  { skip, timeout: 240_000 },
  async () => {
    const e = e2e!;
    const root = e.newRunRoot();
    cleanups.push(() => cancelLeftovers(e, RUN, root));
    e.platforms(recoveryPlatforms(e, root));
    const jobs: Record<string, JobDef> = {};
    const expect = new Map<string, Case>();
    for (const p of Object.keys(PLATFORMS) as (keyof typeof PLATFORMS)[]) {
      for (const [suffix, c] of Object.entries(cases(p))) {
        jobs[`${p}_${suffix}`] = { platform: p, script: `${RECORD}; ${c.script}` };
        expect.set(`${p}_${suffix}`, c);
      }
    }
    jobs.sl_requeue = { platform: "sl", script: REQUEUE };
    const file = writeJobSet(e, RUN, jobs);
    const names = Object.keys(jobs);
    const status = (j: string) => hostJobFile(e, root, RUN, j, "job.status");
    const live = e.start(["run", file]);
    const info = () => describeRun(e, RUN, live);
    await waitFor(
      () => {
        const st = statusOf(e, RUN);
        return names.every(
          (n) => st.get(n)?.state === "running" && /^DROVER_JOB_INIT=/m.test(readHost(status(n))),
        );
      },
      90_000,
      "every job running",
      info,
    );
    await killDrover(live);
    const idOf = (n: string) => String(statusOf(e, RUN).get(n)?.runner_job_id ?? "");

    // Nobody watches now: the jobs end in every way there is.
    const gone = [signalJobGroup(status("bg_term"), "SIGTERM"), signalJobGroup(status("at_term"), "SIGTERM")];
    gone.push(signalJobGroup(status("bg_vanish"), "SIGKILL"), signalJobGroup(status("at_vanish"), "SIGKILL"));
    gone.push(signalJobGroup(status("sl_vanish"), "SIGKILL"));
    const outside = asJobUser(
      e,
      `touch ${runShare(e, root)}/go && scancel ${idOf("sl_cancel")} && scontrol requeue ${idOf("sl_requeue")}`,
    );
    assert.equal(outside.code, 0, outside.out);
    await waitFor(() => gone.every((g) => !groupAlive(g)), 20_000, "the signalled jobs to end");
    const ended = ["bg_ok", "bg_three", "at_ok", "at_three", "sl_ok", "sl_three", "bg_term", "at_term"];
    await waitFor(
      () => ended.every((n) => /^DROVER_JOB_EXIT=/m.test(readHost(status(n)))),
      60_000,
      "the EXIT lines of the jobs that ended",
      () => ended.map((n) => `${n}:\n${readHost(status(n))}`).join("\n"),
    );
    for (const n of ["bg_vanish", "at_vanish", "sl_vanish"])
      assert.doesNotMatch(readHost(status(n)), /^DROVER_JOB_EXIT=/m, n);
    assert.equal(statusOf(e, RUN).get("sl_ok")?.state, "running", "the store still says running");

    // The restart reconciles every job from its status file and the runners' answers.
    const again = e.start(["run", file]);
    const end = await finish(again, 150_000);
    assert.equal(end.code, 1, `some jobs fail on purpose\n${describeRun(e, RUN)}\n${end.out.slice(-3000)}`);
    const rows = statusOf(e, RUN);
    const share = runShare(e, root);
    for (const [name, c] of expect) {
      const j = rows.get(name) ?? {};
      const why = `${name}\n${evidenceOf(e, RUN, name)}\n${describeRun(e, RUN)}`;
      assert.equal(j.state, c.state, why);
      assert.match(String(j.reason), c.reason, why);
      if (c.exit !== null) assert.equal(j.exit_code, c.exit, why);
      assert.equal(j.submit_num, 1, why);
      assert.equal(j.run_count, 1, why);
      assert.equal(runsOf(share, name), 1, `${name} ran once`);
      const text = whyOf(e, RUN, name);
      const lines = evidenceLines(text);
      for (const re of c.evidence)
        assert.ok(
          lines.some((l) => re.test(l)),
          `${name}: ${re}\n${text}`,
        );
    }
    // The requeued job: one submission, two runs, then succeeded.
    const rq = rows.get("sl_requeue") ?? {};
    const why = `sl_requeue\n${evidenceOf(e, RUN, "sl_requeue")}`;
    assert.equal(rq.state, "succeeded", why);
    assert.equal(rq.submit_num, 1, why);
    assert.equal(rq.run_count, 2, why);
    assert.equal(runsOf(share, "sl_requeue"), 2, "the requeue ran the same submission twice");
    assert.match(whyOf(e, RUN, "sl_requeue"), /evidence: status: started 2 times/);
    // Nothing was submitted twice: one runner job ID per job, and each stayed in the journals once.
    for (const name of names) assert.equal(rows.get(name)?.submit_num, 1, name);
  },
);

/** The run's share directory on the host (absolute). */
function runShare(e: NonNullable<typeof e2e>, root: string): string {
  return e.onHost(root, RUN, "share");
}
