/**
 * `drover run --dry-run`: what a run of a job set would hand to each runner, built by the same
 * functions a run uses (platforms, directives, the job script, the runner's submit command) with a
 * placeholder token, without creating the run, writing anything or contacting any host.
 */
import { join, resolve } from "node:path";
import { loadJobSet, type JobSpec } from "../config/index.js";
import { getRunner } from "../runners/registry.js";
import type { CommandSpec } from "../runners/runner.js";
import { generateJobScript } from "../script/job-script.js";
import { shellPath, shellQuote } from "../script/shell-quote.js";
import { checkJobDirectives, jobDirectives } from "./job-directives.js";
import { hostRunDir, type Platform } from "./platform.js";
import { loadRunPlatforms, platformsOf, type RunPlatforms } from "./platform-registry.js";
import { checkRunName, defaultRunName, droverHome, jobLogRel } from "./run-paths.js";

/** The token a dry run shows where a run would put a fresh random one (24 characters, as real ones). */
export const DRY_RUN_TOKEN = "DRYRUN000000000000000000";

/** What one job's first submission would be. */
export interface DryRunJob {
  name: string;
  /** The platform (the first of its group, as a run tries it first). */
  platform: string;
  /** The host a run would try first, and every host it may use. */
  host: string;
  hosts: string[];
  runner: string;
  directives: string[];
  /** The job script on the host, and its text. */
  scriptPath: string;
  script: string;
  /** The runner's submit command as the batch program would run it (shell text). */
  submit: string;
}

/** Everything a dry run shows. */
export interface DryRunResult {
  runName: string;
  jobSet: string;
  jobs: DryRunJob[];
}

/** Options of {@link dryRun}. */
export interface DryRunOptions {
  /** Run name (default: the file's base name). */
  name?: string;
  /** Runs directory (default `$DROVER_HOME` or `~/drover-run`). */
  home?: string;
}

/** A command spec as the shell text the batch program runs (words quoted once, `~/` expanded there). */
export function renderCommand(spec: CommandSpec): string {
  const words = spec.argv.map((a) => (typeof a === "string" ? shellQuote(a) : shellPath(a.path)));
  const redirect = (op: string, p: string | undefined) => (p === undefined ? [] : [`${op}${shellPath(p)}`]);
  return [
    ...words,
    ...redirect("<", spec.stdin ?? "/dev/null"),
    ...redirect(">", spec.stdout),
    ...redirect("2>", spec.stderr),
    ...(spec.detach ? ["&"] : []),
  ].join(" ");
}

/** The platform a job would be tried on first. */
function firstPlatform(rp: RunPlatforms, job: JobSpec): Platform {
  const name = rp.groups.get(job.platform)?.[0] ?? job.platform;
  const p = rp.platforms.get(name);
  if (!p) throw new Error(`job ${job.name}: platform ${name} was not built`);
  return p;
}

/** Loads the job set and its platforms and builds each job's first submission, sending nothing. */
export async function dryRun(file: string, o: DryRunOptions = {}): Promise<DryRunResult> {
  const path = resolve(file);
  const jobSet = loadJobSet(path);
  const rp = await loadRunPlatforms(jobSet);
  const runName = checkRunName(o.name ?? defaultRunName(path));
  const localRunDir = join(o.home ?? droverHome(), runName);
  // The same refusal a run gives, before anything is shown.
  checkJobDirectives(jobSet, runName, localRunDir, (spec) => platformsOf(rp, spec.platform));
  const jobs = jobSet.jobs.map((spec): DryRunJob => {
    const platform = firstPlatform(rp, spec);
    const runDir = hostRunDir(platform, runName, localRunDir);
    const logDir = jobLogRel(spec.name, 1);
    const dir = `${runDir.replace(/\/+$/, "")}/${logDir}`;
    const directives = jobDirectives({ runName, platform, spec, token: DRY_RUN_TOKEN, runDir, logDir });
    const script = generateJobScript({
      runName,
      runDir,
      jobName: spec.name,
      submitNum: 1,
      tryNum: 1,
      logDir,
      script: spec.script,
      env: spec.env,
      envExpand: spec.envExpand,
      directives,
      failSignals: platform.failSignals,
      vacationSignals: platform.vacationSignals,
    });
    const submit = getRunner(platform.runnerKey).submitCommand({
      key: `${spec.name}/01`,
      token: DRY_RUN_TOKEN,
      scriptPath: `${dir}/job`,
      stdout: `${dir}/job.out`,
      stderr: `${dir}/job.err`,
      timeLimitS: spec.timeLimitS,
    });
    return {
      name: spec.name,
      platform: platform.name,
      host: platform.hosts[0] ?? "",
      hosts: [...platform.hosts],
      runner: platform.runnerKey,
      directives,
      scriptPath: `${dir}/job`,
      script,
      submit: renderCommand(submit),
    };
  });
  return { runName, jobSet: path, jobs };
}
