/**
 * `#PBS` directive lines for a job: Drover's own (job name, time limit) and the generic attributes
 * (nodes, CPUs, memory, queue, account), then raw site directives, which may not touch what Drover
 * owns. Output and error paths are given on the qsub command line instead (see pbs-runner.ts): a
 * directive line cannot expand `~` or carry a path with spaces.
 */
import { ConfigError } from "../../errors.js";
import type { DirectiveJob } from "../runner.js";
import {
  checkAttributes,
  renderRawDirectives,
  runnerJobName,
  type JobAttributes,
  type RawDirective,
} from "../common/batch-common.js";

/** PBS flavours: PBS Professional / OpenPBS (select syntax, JSON qstat) or Torque (nodes=N:ppn=C). */
export type PbsFlavor = "pbspro" | "torque";

/**
 * Longest job name: PBS Pro and OpenPBS accept 236 characters (PBS_MAXJOBNAME); old Torque and
 * OpenPBS 2.3 cut at 15, which cannot hold the token, so lookups by name are off there.
 */
export const PBS_JOB_NAME_MAX: Readonly<Record<PbsFlavor, number>> = { pbspro: 236, torque: 15 };

/** Why a raw `#PBS` directive is Drover's, or null when it may pass through. */
export function pbsReserved(key: string, value: string): string | null {
  if (key === "-N") return "the job name carries Drover's run tag and token";
  if (key === "-o" || key === "-e" || key === "-j" || key === "-k")
    return "output and error paths are Drover's job files";
  if (key === "-l" && /(^|,)\s*walltime\s*=/.test(value))
    return "the time limit comes from the job's time limit";
  if (key === "-W" && /(^|,)\s*kill_delay\s*=/.test(value)) return "the time-limit signal grace is Drover's";
  if (key === "-q" && value.includes("@"))
    return "a queue on another server is a cluster choice, not supported";
  return null;
}

/** `HH:MM:SS` for a limit in seconds (hours may exceed 24). */
export function walltime(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

/** Fits a runner job name to `max`, keeping its first part (run tag) and its last (token). */
export function fitPbsJobName(name: string, max: number): string {
  if (name.length <= max) return name;
  const first = name.indexOf(".");
  const last = name.lastIndexOf(".");
  if (first < 0 || first === last) return name.slice(0, max);
  return runnerJobName(name.slice(0, first), name.slice(first + 1, last), name.slice(last + 1), max);
}

/** Renders the directive lines for one job. Throws ConfigError for bad attributes or directives. */
export function pbsDirectives(
  job: DirectiveJob,
  flavor: PbsFlavor,
  attrs: JobAttributes = {},
  raw: readonly RawDirective[] = [],
  nameMax = PBS_JOB_NAME_MAX[flavor],
): string[] {
  const a = checkAttributes(attrs);
  // The name goes into a script line: only name characters, never a space or a newline.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(job.jobName))
    throw new ConfigError(
      `job ${job.key}: runner job name ${JSON.stringify(job.jobName)} has characters PBS cannot take`,
    );
  const out = [`#PBS -N ${fitPbsJobName(job.jobName, nameMax)}`];
  if (job.timeLimitS !== null) out.push(`#PBS -l walltime=${walltime(job.timeLimitS)}`);
  const memKb = a.memoryBytes === undefined ? undefined : Math.ceil(a.memoryBytes / 1024);
  if (flavor === "pbspro") {
    // One chunk per node: memory and CPUs are per chunk.
    if (a.nodes !== undefined || a.cpus !== undefined || memKb !== undefined) {
      const chunk = [String(a.nodes ?? 1)];
      if (a.cpus !== undefined) chunk.push(`ncpus=${a.cpus}`);
      if (memKb !== undefined) chunk.push(`mem=${memKb}kb`);
      out.push(`#PBS -l select=${chunk.join(":")}`);
      if ((a.nodes ?? 1) > 1) out.push("#PBS -l place=scatter");
    }
  } else {
    if (a.nodes !== undefined || a.cpus !== undefined)
      out.push(`#PBS -l nodes=${a.nodes ?? 1}:ppn=${a.cpus ?? 1}`);
    // Torque's mem is the job's total.
    if (memKb !== undefined) out.push(`#PBS -l mem=${memKb * (a.nodes ?? 1)}kb`);
  }
  if (a.queue !== undefined) out.push(`#PBS -q ${a.queue}`);
  if (a.account !== undefined) out.push(`#PBS -A ${a.account}`);
  return [...out, ...renderRawDirectives("#PBS", raw, pbsReserved)];
}
