/**
 * The runner directives of a submission: Drover's own (job name with the run tag and the token,
 * output and error paths, time limit, cluster) and the job's raw ones, from the platform's runner.
 */
import type { JobSet, JobSpec } from "../config/index.js";
import { ConfigError, DroverError } from "../errors.js";
import { getRunner } from "../runners/registry.js";
import type { Platform } from "./platform.js";
import { hostRunDir } from "./platform.js";
import { jobLogRel } from "./run-paths.js";

/** The runner job name: `<run>.<job>.<token>`, so the queue can be searched by run and by token. */
export function runnerJobName(runName: string, job: string, token: string): string {
  return `${runName}.${job}.${token}`;
}

export interface DirectiveInput {
  runName: string;
  platform: Platform;
  spec: JobSpec;
  token: string;
  /** The run directory on the host. */
  runDir: string;
  logDir: string;
}

/** The directive lines for the job script header. */
export function jobDirectives(d: DirectiveInput): string[] {
  const runner = getRunner(d.platform.runnerKey);
  const base = `${d.runDir.replace(/\/+$/, "")}/${d.logDir}`;
  const job = {
    key: `${d.spec.name}`,
    jobName: runnerJobName(d.runName, d.spec.name, d.token),
    stdout: `${base}/job.out`,
    stderr: `${base}/job.err`,
    timeLimitS: d.spec.timeLimitS,
    cluster: d.platform.cluster,
    raw: d.spec.directives,
    attributes: d.spec.attributes,
  };
  return runner.directives(job);
}

/**
 * Builds every job's directives once at start with a sample token, so a directive the runner
 * refuses is a config error naming the job's line before anything is submitted.
 */
export function checkJobDirectives(
  jobSet: JobSet,
  runName: string,
  localRunDir: string,
  platformOf: (job: JobSpec) => Platform[],
): void {
  for (const spec of jobSet.jobs) {
    for (const platform of platformOf(spec)) {
      try {
        jobDirectives({
          runName,
          platform,
          spec,
          token: "0".repeat(24),
          runDir: hostRunDir(platform, runName, localRunDir),
          logDir: jobLogRel(spec.name, 1),
        });
      } catch (err) {
        if (!(err instanceof DroverError)) throw err;
        throw new ConfigError(
          `${err.message.replace(/^[^:]*:\d+: /, "")} (platform ${platform.name}, runner ${platform.runner})`,
          {
            file: jobSet.path,
            line: spec.line,
            keyPath: `jobs.${spec.name}.directives`,
          },
        );
      }
    }
  }
}
