/**
 * Pieces of the Slurm benchmark that touch the host: the job set with its own Slurm platform, the
 * bare `sbatch` floor, waiting for the floor's jobs to leave the queue, slurmctld's RPC counters
 * (`sdiag`); all sent through the platform's own transport (the warm master).
 */
import { shellQuote } from "../src/script/shell-quote.js";
import type { Transport } from "../src/transport/transport.js";
import { jobSetText, runRemote, type BenchHost } from "./ssh-setup.js";

/** Where and how the benchmark reaches its host (run root `~/drover-bench-slurm-<hex>`). */
export type SlurmBenchHost = BenchHost;

/** Name of the benchmark's platform. */
export const SLURM_PLATFORM = "bench_slurm";

/** A job set of `jobs` no-op jobs `j0..` on a Slurm platform of its own, polled every second. */
export function slurmJobSetText(h: SlurmBenchHost, jobs: number): string {
  return jobSetText(h, {
    jobs,
    retrieveLogs: true,
    platform: SLURM_PLATFORM,
    settings: ["    runner: slurm"],
  });
}

/**
 * The floor: ONE call running a bare loop of `n` `sbatch --parsable --wrap true -o /dev/null`
 * under job name `name`; checks that `n` job IDs came back. Returns its wall time in seconds.
 */
export async function sbatchFloor(t: Transport, host: string, n: number, name: string): Promise<number> {
  const program = `main() {
  local i
  for ((i = 0; i < ${n}; i++)); do
    sbatch --parsable -J ${shellQuote(name)} -o /dev/null --wrap true </dev/null || return
  done
}
main; exit $?
`;
  const r = await runRemote(t, host, program, "sbatch floor");
  const ids = r.result.stdout.split("\n").filter((l) => /^[0-9]+$/.test(l));
  if (ids.length !== n) throw new Error(`sbatch floor: ${ids.length} job IDs of ${n}`);
  return r.seconds;
}

/** Waits (on the host, up to 5 min) until no job named `name` of the job user is alive in Slurm. */
export async function drainQueue(t: Transport, host: string, name: string): Promise<void> {
  const program = `main() {
  local i out
  for ((i = 0; i < 600; i++)); do
    out=$(squeue -h -u "$(id -un)" -n ${shellQuote(name)} -t PD,CF,R,CG,S -o %i </dev/null) || return
    [[ -z $out ]] && return 0
    sleep 0.5 </dev/null
  done
  echo "jobs named "${shellQuote(name)}" still alive after 5 min" >&2; return 1
}
main; exit $?
`;
  await runRemote(t, host, program, `waiting for ${name} to leave the queue`);
}

/** slurmctld's RPC counts by message type (`sdiag`; cumulative since its last reset). */
export async function sdiagCounts(t: Transport, host: string): Promise<Map<string, number>> {
  const r = await runRemote(t, host, "sdiag </dev/null\n", "sdiag");
  const counts = new Map<string, number>();
  for (const line of r.result.stdout.split("\n")) {
    const m = /^\s*([A-Z_]+)\s+\(\s*\d+\)\s+count:(\d+)/.exec(line);
    // The "by message type" table comes first; a name seen again belongs to another table.
    if (m && !counts.has(m[1] as string)) counts.set(m[1] as string, Number(m[2]));
  }
  if (counts.size === 0) throw new Error(`sdiag printed no RPC counts: ${r.result.stdout.slice(0, 500)}`);
  return counts;
}

/** Job-listing RPCs (what squeue sends) between two sdiag snapshots. */
export function jobInfoRpcs(before: Map<string, number>, after: Map<string, number>): number {
  const kinds = ["REQUEST_JOB_USER_INFO", "REQUEST_JOB_INFO", "REQUEST_JOB_INFO_SINGLE"];
  return kinds.reduce((sum, k) => sum + (after.get(k) ?? 0) - (before.get(k) ?? 0), 0);
}
