/**
 * `#SBATCH` lines for a job. Drover's own: job name, output and error paths (appended to, so a
 * requeued run does not wipe the first run's output), the time limit, and the time-limit signal:
 * `--signal=B:XCPU@LEAD` sends XCPU to the batch shell (the wrapper, which records it: walltime)
 * LEAD seconds before Slurm's own kill, and `--time` is the job's limit plus twice LEAD, so the
 * job gets at least the time it asked for even when the signal comes early. Slurm checks signals once a minute (sbatch(1), --signal: "may be sent up
 * to 60 seconds earlier than specified"), hence the 60 s default lead. The cluster is not a
 * directive: it goes on the sbatch command line (`-M`), since every later call needs it too.
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

/** Options Slurm's own directives read; raw directives must not set these either. */
export const SLURM_EXTRA_RESERVED: readonly string[] = [
  "-t",
  "--time",
  "--open-mode",
  "-D",
  "--chdir",
  "--parsable",
  "-W",
  "--wait",
];

/** Default seconds between the XCPU signal and Slurm's kill at the limit. */
export const DEFAULT_SIGNAL_LEAD_S = 60;

/** `#SBATCH` lines for `job`; generic attributes and raw directives when given (DirectiveJobExtras). */
export function slurmDirectives(job: DirectiveJob & Partial<DirectiveJobExtras>, leadS: number): string[] {
  const name = checkJobName("slurm", job.jobName);
  const out = [
    `#SBATCH --job-name=${name}`,
    `#SBATCH --output=${outputPath(job.stdout)}`,
    `#SBATCH --error=${outputPath(job.stderr)}`,
    "#SBATCH --open-mode=append",
  ];
  if (job.timeLimitS !== null) {
    if (!(Number.isSafeInteger(job.timeLimitS) && job.timeLimitS > 0))
      throw new ConfigError(`slurm: bad time limit ${job.timeLimitS}`);
    // Slurm keeps limits in whole minutes: round up so the job never gets less than asked.
    // Twice the lead: the signal may come up to a minute early and must not cut the limit asked for.
    out.push(`#SBATCH --time=${Math.ceil((job.timeLimitS + 2 * leadS) / 60)}`);
    out.push(`#SBATCH --signal=B:XCPU@${leadS}`);
  }
  const a = job.attributes ?? {};
  checkAttributes("slurm", a);
  if (a.memoryBytes !== undefined) out.push(`#SBATCH --mem=${mebibytes(a.memoryBytes)}M`);
  if (a.cpus !== undefined) out.push(`#SBATCH --cpus-per-task=${a.cpus}`);
  if (a.nodes !== undefined) out.push(`#SBATCH --nodes=${a.nodes}`);
  if (a.queue !== undefined) out.push(`#SBATCH --partition=${a.queue}`);
  if (a.account !== undefined) out.push(`#SBATCH --account=${a.account}`);
  for (const [key, value] of rawEntries("slurm", job.raw, SLURM_EXTRA_RESERVED)) {
    // sbatch reads "#SBATCH" lines as its own options: long ones take "=value", short ones " value".
    if (value === "") out.push(`#SBATCH ${key}`);
    else out.push(key.startsWith("--") ? `#SBATCH ${key}=${value}` : `#SBATCH ${key} ${value}`);
  }
  return out;
}

/**
 * A path for `--output`/`--error`: Slurm expands no `~`, but resolves relative paths against the
 * job's working directory, which the submit command sets to the home (`-D ~/.`) for `~/` paths.
 */
function outputPath(p: string): string {
  if (/[\r\n\0]/.test(p) || p.includes("%") || /\s/.test(p))
    throw new ConfigError(`slurm: output path ${JSON.stringify(p)} has characters sbatch would change`);
  if (p.startsWith("~/")) return p.slice(2);
  if (!p.startsWith("/")) throw new ConfigError(`slurm: output path ${JSON.stringify(p)} is not absolute`);
  return p;
}
