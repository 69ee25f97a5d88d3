/**
 * Reads `sacct -X -P -o JobID,Cluster,State,ExitCode` output: one header per sacct call (one call
 * per chunk of job IDs), then `id|cluster|STATE[ by uid]|exit:signal` rows. Only terminal states
 * become accounting answers; a job still running or pending there has none yet.
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";
import { slurmState } from "./states.js";
import { signalName } from "../common/signal-name.js";

export const SACCT_FIELDS = "JobID,Cluster,State,ExitCode";
export const SACCT_HEADER = "JobID|Cluster|State|ExitCode";

/** Terminal answers keyed `id;cluster` and, for lookups without a cluster, `id`. */
export type SacctAnswers = Map<string, AccountingAnswer>;

/** Parses the lines (end line removed); `calls` is how many sacct calls printed (each a header). */
export function parseSacct(lines: readonly string[], calls: number): SacctAnswers | { error: string } {
  const out: SacctAnswers = new Map();
  let headers = 0;
  for (const line of lines) {
    if (/accounting storage is disabled/i.test(line))
      return { error: "sacct: Slurm accounting storage is disabled on this cluster (no slurmdbd)" };
    if (/^[a-z_]+: warning: /i.test(line) || line === "") continue;
    if (line === SACCT_HEADER) {
      headers++;
      continue;
    }
    if (headers === 0)
      return {
        error: `sacct: expected the header ${SACCT_HEADER}, got ${JSON.stringify(line.slice(0, 300))}`,
      };
    const m = /^([0-9]+)\|([^|]*)\|([^|]+)\|([0-9]+):([0-9]+)$/.exec(line);
    if (!m) {
      // Array, heterogeneous and step rows are not Drover's jobs: skip them, reject anything else.
      if (/^[0-9]+[_+.][^|]*\|/.test(line)) continue;
      return { error: `sacct: malformed row ${JSON.stringify(line.slice(0, 300))}` };
    }
    const [, id, cluster, state, code, sig] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const meaning = slurmState(state);
    if (meaning === undefined)
      return { error: `sacct: unknown job state ${JSON.stringify(state)} of job ${id}` };
    if (meaning.listed) continue;
    const exitCode = Number(sig) > 0 ? 128 + Number(sig) : Number(code);
    const signal = signalName(Number(sig));
    const answer: AccountingAnswer = {
      terminal: meaning.terminal,
      exitCode,
      ...(signal === null ? {} : { signal }),
      raw: line.slice(0, 300),
    };
    // The last record wins: sacct lists a requeued job's latest run last.
    out.set(`${id};${cluster}`, answer);
    out.set(id, answer);
  }
  if (headers < calls) return { error: `sacct printed ${headers} of ${calls} headers: the output is cut` };
  return out;
}
