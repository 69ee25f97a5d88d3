/**
 * `#BSUB` directive lines for a job: Drover's own (job name, run limit) and the generic attributes
 * (slots, memory, queue, project), then raw site directives, which may not touch what Drover owns.
 * bsub reads these lines because the script reaches it on stdin (`bsub < script`). Output and error
 * paths go on the bsub command line (a directive cannot expand `~`).
 */
import { ConfigError } from "../../errors.js";
import type { DirectiveJob } from "../runner.js";
import {
  checkAttributes,
  renderRawDirectives,
  type JobAttributes,
  type RawDirective,
} from "../common/batch-common.js";

/** LSF job names may be 4094 characters long: Drover's names always fit whole. */
export const LSF_JOB_NAME_MAX = 4094;

/** Why a raw `#BSUB` directive is Drover's, or null when it may pass through. */
export function lsfReserved(key: string): string | null {
  if (key === "-J") return "the job name carries Drover's run tag and token";
  if (["-o", "-oo", "-e", "-eo"].includes(key)) return "output and error paths are Drover's job files";
  if (key === "-W") return "the run limit comes from the job's time limit";
  if (key === "-wa" || key === "-wt") return "the time-limit warning signal is Drover's";
  if (key === "-clusters") return "clusters are not supported by this runner";
  return null;
}

/** Renders the directive lines for one job. Throws ConfigError for bad attributes or directives. */
export function lsfDirectives(
  job: DirectiveJob,
  attrs: JobAttributes = {},
  raw: readonly RawDirective[] = [],
): string[] {
  const a = checkAttributes(attrs);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(job.jobName) || job.jobName.length > LSF_JOB_NAME_MAX)
    throw new ConfigError(
      `job ${job.key}: runner job name ${JSON.stringify(job.jobName)} cannot be an LSF job name`,
    );
  const out = [`#BSUB -J ${job.jobName}`];
  // -W takes minutes: round up so the job never gets less than its limit.
  if (job.timeLimitS !== null) out.push(`#BSUB -W ${Math.max(1, Math.ceil(job.timeLimitS / 60))}`);
  const nodes = a.nodes ?? 1;
  if (a.cpus !== undefined || a.nodes !== undefined) {
    out.push(`#BSUB -n ${(a.cpus ?? 1) * nodes}`);
    out.push(nodes === 1 ? `#BSUB -R "span[hosts=1]"` : `#BSUB -R "span[ptile=${a.cpus ?? 1}]"`);
  }
  if (a.memoryBytes !== undefined) {
    // Units given explicitly: LSF_UNIT_FOR_LIMITS differs between sites (KB by default).
    // rusage[mem] is reserved per slot; -M bounds the job's processes by the node's share.
    const mb = Math.ceil(a.memoryBytes / (1024 * 1024));
    out.push(`#BSUB -R "rusage[mem=${Math.ceil(mb / (a.cpus ?? 1))}MB]"`, `#BSUB -M ${mb}MB`);
  }
  if (a.queue !== undefined) out.push(`#BSUB -q ${a.queue}`);
  if (a.account !== undefined) out.push(`#BSUB -P ${a.account}`);
  return [...out, ...renderRawDirectives("#BSUB", raw, (k) => lsfReserved(k))];
}
