/**
 * `#$` lines for a Grid Engine job. Drover's own: job name, output and error paths (`~/` becomes
 * `$HOME/`, which qsub expands), `-j n`, `-S /bin/bash` (the wrapper is bash; the queue's shell
 * may not be), and the time limit as `h_rt`. Grid Engine's soft limit `s_rt` sends SIGUSR1, which
 * the wrapper reads as a vacation (preemption), so no soft limit is set: at h_rt Grid Engine kills
 * with SIGKILL and `qacct` (ru_wallclock against the category's h_rt) gives the walltime reason.
 * Generic attributes: memory as `h_vmem` per slot (the total divided by the CPUs, rounded up, since
 * Grid Engine multiplies consumables by slots), CPUs as `-pe <parallel environment> N`, queue as
 * `-q`, account as `-A`. Grid Engine has no node count: asking for nodes is a config error.
 */
import { ConfigError } from "../../errors.js";
import type { DirectiveJob } from "../runner.js";
import {
  checkAttributes,
  checkJobName,
  mebibytes,
  rawEntries,
  type DirectiveJobExtras,
} from "../common/job-attributes.js";

/** Options Drover sets on the qsub command line or in its own lines. */
export const SGE_EXTRA_RESERVED: readonly string[] = ["-S", "-terse", "-sync", "-b", "-shell", "-notify"];

/** `#$` lines for `job`; `pe` names the parallel environment for CPUs > 1. */
export function sgeDirectives(job: DirectiveJob & Partial<DirectiveJobExtras>, pe: string): string[] {
  const out = [
    `#$ -N ${checkJobName("sge", job.jobName)}`,
    `#$ -o ${outputPath(job.stdout)}`,
    `#$ -e ${outputPath(job.stderr)}`,
    "#$ -j n",
    "#$ -S /bin/bash",
  ];
  if (job.timeLimitS !== null) {
    if (!(Number.isSafeInteger(job.timeLimitS) && job.timeLimitS > 0))
      throw new ConfigError(`sge: bad time limit ${job.timeLimitS}`);
    out.push(`#$ -l h_rt=${job.timeLimitS}`);
  }
  const a = job.attributes ?? {};
  checkAttributes("sge", a);
  if (a.nodes !== undefined && a.nodes > 1)
    throw new ConfigError(
      "sge: Grid Engine has no node count; use a parallel environment as a raw directive (-pe)",
      {
        keyPath: "attributes.nodes",
      },
    );
  const slots = a.cpus ?? 1;
  if (a.memoryBytes !== undefined) out.push(`#$ -l h_vmem=${Math.ceil(mebibytes(a.memoryBytes) / slots)}M`);
  if (a.cpus !== undefined && a.cpus > 1) out.push(`#$ -pe ${pe} ${a.cpus}`);
  if (a.queue !== undefined) out.push(`#$ -q ${a.queue}`);
  if (a.account !== undefined) out.push(`#$ -A ${a.account}`);
  for (const [key, value] of rawEntries("sge", job.raw, SGE_EXTRA_RESERVED))
    out.push(value === "" ? `#$ ${key}` : `#$ ${key} ${value}`);
  return out;
}

/** A path for `-o`/`-e`: `$HOME/` for `~/`; no spaces (qsub splits the line) and no `:` (host:path). */
function outputPath(p: string): string {
  if (/[\s\0:$]/.test(p))
    throw new ConfigError(`sge: output path ${JSON.stringify(p)} has characters qsub would change`);
  if (p.startsWith("~/")) return `$HOME/${p.slice(2)}`;
  if (!p.startsWith("/")) throw new ConfigError(`sge: output path ${JSON.stringify(p)} is not absolute`);
  return p;
}
