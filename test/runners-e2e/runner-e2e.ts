/**
 * Helpers of the batch-runner end-to-end suites (test/runners-e2e/): the real `drover` CLI, hidden
 * from the job home as in test/remote-e2e/e2e.ts, drives real Slurm, Grid Engine and atd through
 * the SSH test host `drover-test-a`. The test itself acts on the runners as the job user (scancel,
 * scontrol requeue...) over ssh, and reads Drover's store and the hosts' files to assert.
 */
import { after } from "node:test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { e2eSandbox, openOrSkip, platformLines, type E2e, type Live } from "../remote-e2e/e2e.js";
import type { EventRow } from "../../src/store/events.js";

/** The SSH alias every runner is reached through. */
export const RUNNER_HOST = "drover-test-a";

/** A job of a job set: its platform, its bash script and any more YAML keys (`key: value`). */
export interface JobDef {
  platform: string;
  script: string;
  more?: string[];
}

/** A runner suite: its sandbox (null when skipped) and the undos its `after` hook runs, last first. */
export interface RunnerSuite {
  e2e: E2e | null;
  skip: string | false;
  /** Undos run when the suite ends, newest first, before the sandbox goes. */
  cleanups: (() => void)[];
}

/**
 * Starts the runner hosts with `ensure` and makes the suite's sandbox, or says why it must skip
 * (never as root: see `openOrSkip`). Registers the suite's `after` hook, which runs `cleanups`.
 */
export function openRunnerSuite(what: string, ensure: () => unknown): RunnerSuite {
  const { value, skip } = openOrSkip(what, () => {
    ensure();
    return e2eSandbox();
  });
  const cleanups: (() => void)[] = [];
  after(() => {
    for (const c of cleanups.reverse()) c();
    value?.cleanup();
  });
  return { e2e: value, skip, cleanups };
}

/**
 * YAML lines of a platform on `drover-test-a` with `runner` and run root `root` (from
 * `e.newRunRoot()`), fast polling, a short grace for unlisted jobs and a short kill grace; `over`
 * replaces or adds keys (YAML flow values).
 */
export function runnerPlatform(
  e: E2e,
  name: string,
  runner: string,
  root: string,
  over: Record<string, string> = {},
): string[] {
  return platformLines(name, [RUNNER_HOST], root, e.hosts.sshConfig, {
    runner,
    polling: "{ submission: [PT1S], execution: [PT1S], time_limit: [PT1S] }",
    unlisted_grace: "PT2S",
    kill_grace: "PT2S",
    ...over,
  });
}

/** Writes `<run>.yaml` with `jobs` (JSON strings are YAML double-quoted scalars); returns its path. */
export function writeJobSet(e: E2e, run: string, jobs: Record<string, JobDef>): string {
  const lines = Object.entries(jobs).flatMap(([name, j]) => [
    `  ${name}:`,
    `    platform: ${j.platform}`,
    `    script: ${JSON.stringify(j.script)}`,
    ...(j.more ?? []).map((l) => `    ${l}`),
  ]);
  return e.sb.write(`${run}.yaml`, ["jobs:", ...lines].join("\n") + "\n");
}

/** A file of a submission on the job host (absolute, for the test to read as root). */
export function hostJobFile(
  e: E2e,
  root: string,
  run: string,
  job: string,
  file: string,
  submit = 1,
): string {
  return e.onHost(root, run, "log", "job", job, String(submit).padStart(2, "0"), file);
}

/** A submission's file as Drover brought it home (logs are retrieved when a job ends); "" if absent. */
export function localJobFile(e: E2e, run: string, job: string, file: string, submit = 1): string {
  const p = path.join(e.sb.home, run, "log", "job", job, String(submit).padStart(2, "0"), file);
  return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "";
}

/** Runs `script` with bash as the job user on the runner host; never throws. */
export function asJobUser(e: E2e, script: string, timeoutMs = 30_000): { code: number | null; out: string } {
  const r = spawnSync("ssh", ["-F", e.hosts.sshConfig, RUNNER_HOST, "bash -s"], {
    input: script,
    encoding: "utf8",
    timeout: timeoutMs,
  });
  return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Resolves once `cond` holds (checked every `stepMs`); rejects after `ms`, naming `what` and `info()`. */
export async function waitFor(
  cond: () => boolean,
  ms: number,
  what: string,
  info: () => string = () => "",
  stepMs = 500,
): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${info()}`);
    await sleep(stepMs);
  }
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A run's status rows by job name, or an empty map while its store is still being made. */
export function statusOf(e: E2e, run: string): Map<string, Record<string, unknown>> {
  try {
    return e.status(run);
  } catch {
    return new Map();
  }
}

/** The run's events of `job` (all jobs when null) and `kind` (all kinds when absent). */
export function eventsOf(e: E2e, run: string, job: string | null, kind?: string): EventRow[] {
  return e
    .events(run)
    .filter((ev) => (job === null || ev.job === job) && (kind === undefined || ev.kind === kind));
}

/** The `a -> b` moves of a job's state events, in order (from texts like `x/01 running -> failed: ...`). */
export function movesOf(e: E2e, run: string, job: string): string[] {
  return eventsOf(e, run, job, "state").flatMap((ev) => {
    const m = / ([a-z-]+ -> [a-z-]+)/.exec(ev.text);
    return m ? [m[1] as string] : [];
  });
}

/** A job's state events with their evidence, one per line (for failure messages). */
export function evidenceOf(e: E2e, run: string, job: string): string {
  return eventsOf(e, run, job, "state")
    .map((ev) => `${ev.time} ${ev.text} ${ev.detail ?? ""}`)
    .join("\n");
}

/** A compact view of a run for failure messages: each job's state, reason and runner job ID. */
export function describeRun(e: E2e, run: string, live?: Live): string {
  const rows = [...statusOf(e, run).values()].map(
    (j) =>
      `${String(j.name)}/${String(j.submit_num)} ${String(j.state)} ${String(j.reason)} id=${String(j.runner_job_id)} runs=${String(j.run_count)}`,
  );
  const tail = live ? `\n--- drover output (tail) ---\n${live.output().slice(-3000)}` : "";
  return rows.join("\n") + tail;
}

/**
 * Ends what a failed test may have left running: every submission of `run` not final is cancelled
 * through its runner as the job user (scancel, qdel, atrm), and processes started from the run's
 * directory on the host are killed (at and background jobs). Never throws.
 */
export function cancelLeftovers(e: E2e, run: string, root: string): void {
  const cmds: string[] = [];
  for (const j of statusOf(e, run).values()) {
    if (["succeeded", "failed", "submit-failed"].includes(String(j.state))) continue;
    const m = /^([0-9]+)(?:;([A-Za-z0-9_-]+))?$/.exec(String(j.runner_job_id ?? ""));
    if (!m) continue;
    const tool = { slurm: `scancel${m[2] ? ` -M ${m[2]}` : ""}`, sge: "qdel", at: "atrm" }[String(j.runner)];
    if (tool) cmds.push(`${tool} ${m[1]} >/dev/null 2>&1`);
  }
  if (cmds.length > 0) asJobUser(e, `${cmds.join("; ")}; true`);
  spawnSync("pkill", ["-KILL", "-u", e.hosts.jobUser, "-f", e.onHost(root, run)], { stdio: "ignore" });
}

/**
 * Runs `steps` against a started Drover, then waits for its end (SIGKILL after `ms`). When a step
 * fails, Drover is stopped first (SIGINT) so the failure is reported without the long wait.
 */
export async function stepsThenFinish(
  live: Live,
  ms: number,
  steps: () => Promise<void>,
): Promise<{ code: number | null; out: string }> {
  try {
    await steps();
  } catch (err) {
    live.child.kill("SIGINT");
    await finish(live, 30_000);
    throw err;
  }
  return finish(live, ms);
}

/** Waits for a started Drover to end (SIGKILL after `ms`). */
export async function finish(live: Live, ms: number): Promise<{ code: number | null; out: string }> {
  const timer = setTimeout(() => live.child.kill("SIGKILL"), ms);
  try {
    const f = await live.exited;
    return { code: f.code, out: f.out };
  } finally {
    clearTimeout(timer);
  }
}
