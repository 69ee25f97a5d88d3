/**
 * The behavioural half of the runner conformance suite, the same for every runner: real job
 * scripts (generateJobScript with the runner's directives) handed over with the library's batch
 * calls. Three jobs (exit 0, exit 3, sleep 60) are submitted in one batch; the first two must end
 * with their EXIT lines and leave the queue while the third is listed; runners with job names find
 * the third by its token (and not a token never used); a kill makes it leave the queue.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { killBatch, pollBatch, submitBatch } from "../../../src/remote/batches.js";
import type { PollBatchOutcome } from "../../../src/remote/batches.js";
import type { PollJob, RunnerData, SubmitJob } from "../../../src/remote/batch-types.js";
import { runnerJobName } from "../../../src/manager/job-directives.js";
import { jobLogRel } from "../../../src/manager/run-paths.js";
import { launchedProcess } from "../../../src/runners/at/launcher.js";
import { generateJobScript } from "../../../src/script/job-script.js";
import { shellPath } from "../../../src/script/shell-quote.js";
import { parseStatusFile } from "../../../src/script/status-file.js";
import type { Target } from "./targets.js";

/** The three jobs: name and the user's script. */
const JOBS = { ok: "echo hello from $DROVER_JOB_NAME", fail3: "echo failing >&2; exit 3", long: "sleep 60" };
type Name = keyof typeof JOBS;

interface Live {
  key: string;
  logDir: string;
  token: string;
  jobId: string;
  runnerData: RunnerData;
}

const hex = (n: number) => randomBytes(n).toString("hex");
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** One submission: the real job script with the runner's directives. */
function prepare(t: Target, runName: string, name: Name): SubmitJob & { token: string } {
  const token = hex(12);
  const logDir = jobLogRel(name, 1);
  const base = `${t.runDir}/${logDir}`;
  const directives = t.runner.directives({
    key: `${name}/01`,
    jobName: runnerJobName(runName, name, token),
    stdout: `${base}/job.out`,
    stderr: `${base}/job.err`,
    timeLimitS: null,
    cluster: null,
  });
  const script = generateJobScript({
    runName,
    runDir: t.runDir,
    jobName: name,
    submitNum: 1,
    tryNum: 1,
    logDir,
    script: JOBS[name],
    env: {},
    envExpand: false,
    directives,
  });
  return { key: `${name}/01`, logDir, script, token, timeLimitS: null };
}

function pollJobs(live: Iterable<Live>): PollJob[] {
  return [...live].map((j) => ({ ...j, batchId: null, lookup: false }));
}

/** Polls until `done` holds (keeping launcher records in runner data, as the manager does). */
async function pollUntil(
  t: Target,
  live: Map<Name, Live>,
  what: string,
  limitS: number,
  done: (p: PollBatchOutcome) => boolean,
): Promise<PollBatchOutcome> {
  const end = Date.now() + limitS * 1000;
  let last: PollBatchOutcome | null = null;
  const errors: string[] = [];
  for (;;) {
    last = await pollBatch(t.transport, { ...base(t), jobs: pollJobs(live.values()) });
    if (last.error !== null || last.queryError !== null) errors.push(String(last.error ?? last.queryError));
    else {
      for (const j of live.values()) {
        const p = launchedProcess(last.status.get(j.key) ?? "");
        if (p) j.runnerData = { ...j.runnerData, ...p };
      }
      if (done(last)) return last;
    }
    if (Date.now() > end) {
      const seen = [...live.values()].map(
        (j) =>
          `${j.key}: ${JSON.stringify(last?.queue.get(j.key))} ${JSON.stringify(last?.status.get(j.key))}`,
      );
      assert.fail(
        `${t.runner.name}: ${what} not seen in ${limitS} s\n${seen.join("\n")}\n${errors.slice(-3).join("\n")}`,
      );
    }
    await sleep(t.pollS);
  }
}

const base = (t: Target) => ({ runDir: t.runDir, runner: t.runner.name, host: t.host, timeoutMs: 60_000 });

const exitOf = (p: PollBatchOutcome, key: string) => parseStatusFile(p.status.get(key) ?? "").exit;
const kindOf = (p: PollBatchOutcome, key: string) => p.queue.get(key)?.kind;

/** Runs the whole scenario on one target; throws (assert) on the first difference. */
export async function runScenario(t: Target): Promise<void> {
  const runName = `conf${hex(4)}`;
  const jobs = (Object.keys(JOBS) as Name[]).map((n) => [n, prepare(t, runName, n)] as const);
  const sub = await submitBatch(t.transport, {
    ...base(t),
    batchId: `b-${hex(4)}`,
    jobs: jobs.map(([, j]) => j),
  });
  assert.equal(sub.error, null, `${t.runner.name} submit: ${sub.error} ${sub.result.stderr}`);
  const live = new Map<Name, Live>();
  for (const [name, j] of jobs) {
    const o = sub.outcomes.get(j.key);
    assert.ok(o && o.rc === 0 && o.jobId, `${t.runner.name} submit of ${j.key}: ${JSON.stringify(o)}`);
    live.set(name, {
      key: j.key,
      logDir: j.logDir,
      token: j.token,
      jobId: o.jobId,
      runnerData: o.runnerData,
    });
  }

  // The first two end with their EXIT lines and leave the queue; the third runs, listed.
  const ended = await pollUntil(t, live, "exit 0 and exit 3 ending while the sleep runs", 90, (p) => {
    const ok = exitOf(p, "ok/01");
    const f = exitOf(p, "fail3/01");
    const long = parseStatusFile(p.status.get("long/01") ?? "");
    return (
      ok !== null &&
      f !== null &&
      kindOf(p, "ok/01") === "unlisted" &&
      kindOf(p, "fail3/01") === "unlisted" &&
      long.last.kind === "init" &&
      kindOf(p, "long/01") === "listed"
    );
  });
  assert.deepEqual([exitOf(ended, "ok/01")?.signal, exitOf(ended, "ok/01")?.code], ["SUCCEEDED", 0]);
  assert.deepEqual([exitOf(ended, "fail3/01")?.signal, exitOf(ended, "fail3/01")?.code], ["ERR", 3]);
  // The directives (or the submit command) put the job's output where Drover reads it.
  const out = await t.transport.runProgram(
    t.host,
    `cat -- ${shellPath(`${t.runDir}/${jobLogRel("ok", 1)}/job.out`)}\n`,
    { timeoutMs: 30_000 },
  );
  assert.equal(out.stdout, "hello from ok\n", `${t.runner.name} job.out: ${out.stderr}`);

  if (t.runner.capabilities.jobNames) await checkLookup(t, live.get("long") as Live);

  const longJob = live.get("long") as Live;
  const kill = await killBatch(t.transport, { ...base(t), graceS: 2, jobs: [longJob] });
  assert.equal(kill.error, null, String(kill.error));
  const outcome = kill.outcomes.get(longJob.key);
  assert.ok(outcome && outcome.outcome !== "failed", `${t.runner.name} kill: ${JSON.stringify(outcome)}`);
  await pollUntil(
    t,
    new Map([["long", longJob]]),
    "the killed job leaving the queue",
    60,
    (p) => kindOf(p, "long/01") === "unlisted",
  );
}

/** A lookup by job name finds the live job by its token, and nothing for a token never used. */
async function checkLookup(t: Target, long: Live): Promise<void> {
  const asLookup = (key: string, logDir: string, token: string): PollJob => ({
    key,
    logDir,
    jobId: null,
    runnerData: {},
    batchId: null,
    lookup: true,
    token,
  });
  const p = await pollBatch(t.transport, {
    ...base(t),
    jobs: [asLookup(long.key, long.logDir, long.token), asLookup("ghost/01", jobLogRel("ghost", 1), hex(12))],
  });
  assert.equal(p.error ?? p.queryError, null);
  const found = p.lookups.get(long.key);
  assert.equal(found?.kind, "found", `${t.runner.name} lookup: ${JSON.stringify(found)}`);
  assert.equal(found.kind === "found" && found.jobId.split(";")[0], long.jobId.split(";")[0]);
  assert.deepEqual(p.lookups.get("ghost/01"), { kind: "not-found" });
}
