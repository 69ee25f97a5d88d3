/**
 * Reads `squeue -o '%i|%T|%r|%j'` output (with its header; with `-M` one `CLUSTER: name` line
 * before each cluster's header). Strict where a mistake would lose a job: every section needs its
 * header, every asked cluster its section, every row four fields; rows of jobs Drover did not ask
 * about are kept but never judged.
 */

/** The format every squeue call uses, and the header squeue prints for it. */
export const SQUEUE_FORMAT = "%i|%T|%r|%j";
export const SQUEUE_HEADER = "JOBID|STATE|REASON|NAME";

/** One squeue row. */
export interface SqueueRow {
  id: string;
  state: string;
  reason: string;
  name: string;
}

/** Rows by cluster ("" without `-M`) then by job ID. */
export type SqueueTable = Map<string, Map<string, SqueueRow>>;

/** Errors squeue prints when it could not ask the controller (rc may even be 0 for some). */
const FAILURE =
  /slurm_load_jobs error|Unable to contact slurm controller|munge|Socket timed out|Connection refused|Invalid user|Zero Bytes were transmitted/i;

/**
 * Parses the lines (end line already removed). `clusters`: the names passed to `-M`, [] without it.
 */
export function parseSqueue(
  lines: readonly string[],
  clusters: readonly string[],
): SqueueTable | { error: string } {
  const table: SqueueTable = new Map();
  let current: Map<string, SqueueRow> | null = clusters.length === 0 ? new Map() : null;
  if (current !== null) table.set("", current);
  let headerSeen = false;
  for (const line of lines) {
    // With -M, squeue prints a blank line between clusters.
    if (line === "" || /^[a-z_]+: warning: /i.test(line)) continue;
    const c = /^CLUSTER: (\S+)$/.exec(line);
    if (c) {
      if (clusters.length === 0) return { error: `squeue printed a CLUSTER line without -M: ${line}` };
      // A cluster line right after another one means the first cluster's header was lost.
      if (current !== null && !headerSeen) return { error: "squeue: a cluster section without its header" };
      current = new Map();
      table.set(c[1] as string, current);
      headerSeen = false;
      continue;
    }
    if (!headerSeen) {
      if (line.trim() !== SQUEUE_HEADER || current === null)
        return failure(line, `expected the header ${SQUEUE_HEADER}`);
      headerSeen = true;
      continue;
    }
    const m = /^([^|]+)\|([A-Z_]+)\|([^|]*)\|(.*)$/.exec(line);
    if (!m) return failure(line, "malformed row");
    current?.set(m[1] as string, {
      id: m[1] as string,
      state: m[2] as string,
      reason: m[3] as string,
      name: m[4] as string,
    });
  }
  if (!headerSeen) return { error: "squeue printed no header: the output is empty or cut" };
  for (const name of clusters)
    if (!table.has(name)) return { error: `squeue printed nothing for cluster ${name}` };
  return table;
}

/** An unexpected line: Slurm's own failure words make the message say so. */
function failure(line: string, what: string): { error: string } {
  const text = JSON.stringify(line.slice(0, 300));
  if (FAILURE.test(line)) return { error: `squeue could not reach Slurm: ${text}` };
  return { error: `squeue: ${what}, got ${text}` };
}
