/**
 * Counting a torture run: every submission the store records against the jobs' own side effects
 * (one line per run) and Slurm's accounting (one record per sbatch, found by the job name that
 * embeds the run name and the submission's token). Pure: the caller reads the files and runs sacct.
 */
import type { PlannedJob, TorturePlatform } from "./torture-jobs.js";

/** One submission as the store holds it. */
export interface StoredSubmission {
  name: string;
  submit_num: number;
  state: string;
  reason: string | null;
  exit_code: number | null;
  runner_job_id: string | null;
  token: string | null;
  started_at: string | null;
}

/** One sacct record: `JobName|JobIDRaw|State|ExitCode`. */
export interface SacctRecord {
  jobName: string;
  jobId: string;
  state: string;
}

/** What the count found. */
export interface TortureCount {
  jobs: number;
  submissions: number;
  /** Runs counted from the side-effect files, per platform. */
  runsPerPlatform: Record<TorturePlatform, number>;
  sacctRecords: number;
  /** Submissions the store ended as submit-failed (each must not have run; the job was retried). */
  submitFailed: number;
  /** Their reasons (the kind of evidence that decided it), counted. */
  submitFailedReasons: Record<string, number>;
  /** Jobs not final, or whose run left no trace. */
  lost: number;
  /** Submissions that ran more than once, or Slurm records beyond one per submission. */
  duplicated: number;
  /** Final state, reason, exit code or number of runs other than designed. */
  wrong: number;
  /** Every problem, one line each (empty when all is right). */
  problems: string[];
}

const FINAL = new Set(["succeeded", "failed", "submit-failed"]);

/** Counts equal strings. */
function tally(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** Parses side-effect lines (`name submit pid host`) into runs per submit number. */
export function runsBySubmit(text: string): Map<number, number> {
  const runs = new Map<number, number>();
  for (const line of text.split("\n")) {
    const m = /^\S+ (\d+) \d+ \S+$/.exec(line);
    if (m) runs.set(Number(m[1]), (runs.get(Number(m[1])) ?? 0) + 1);
  }
  return runs;
}

/** Parses `sacct -X -n -P -o JobName,JobIDRaw,State` output, keeping the records of `runName`. */
export function parseSacct(out: string, runName: string): SacctRecord[] {
  return out.split("\n").flatMap((line) => {
    const [jobName, jobId, state] = line.split("|");
    return jobName?.startsWith(`${runName}.`) && jobId && state ? [{ jobName, jobId, state }] : [];
  });
}

/**
 * Compares the plan with the store's submissions, each job's side-effect text (by job name; "" when
 * it never ran), the run's sacct records and the INIT lines of each submission's job.status (by
 * `name/NN`: the wrapper writes one per start).
 */
export function countTorture(
  runName: string,
  plan: readonly PlannedJob[],
  subs: readonly StoredSubmission[],
  sideEffects: ReadonlyMap<string, string>,
  sacct: readonly SacctRecord[],
  inits: ReadonlyMap<string, number>,
): TortureCount {
  const problems: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let wrong = 0;
  const runsPerPlatform: Record<TorturePlatform, number> = { ssh_bg: 0, slurm: 0, localhost: 0 };
  const byName = new Map<string, StoredSubmission[]>();
  for (const s of subs) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const sacctByName = new Map<string, SacctRecord[]>();
  for (const r of sacct) sacctByName.set(r.jobName, [...(sacctByName.get(r.jobName) ?? []), r]);
  for (const j of plan) {
    const mine = (byName.get(j.name) ?? []).sort((a, b) => a.submit_num - b.submit_num);
    const runs = runsBySubmit(sideEffects.get(j.name) ?? "");
    const total = [...runs.values()].reduce((a, b) => a + b, 0);
    runsPerPlatform[j.platform] += total;
    const last = mine[mine.length - 1];
    if (!last || !FINAL.has(last.state)) {
      lost++;
      problems.push(`${j.name}: not final (${last ? `${last.submit_num} ${last.state}` : "no row"})`);
      continue;
    }
    for (const [num, n] of runs) {
      if (n > 1) {
        duplicated++;
        problems.push(`${j.name}/${num}: ran ${n} times`);
      }
      if (!mine.some((s) => s.submit_num === num)) {
        duplicated++;
        problems.push(`${j.name}/${num}: ran, but the store has no such submission`);
      }
    }
    for (const s of mine) {
      // A submission that started must have run; one the store calls submit-failed must not have.
      const started = s.started_at !== null || (s.state === "failed" && s.exit_code !== null);
      const ran = runs.get(s.submit_num) ?? 0;
      if (started && ran === 0) {
        lost++;
        problems.push(`${j.name}/${s.submit_num}: ${s.state} ${s.reason ?? ""} but it left no run`);
      }
      const init = inits.get(`${s.name}/${String(s.submit_num).padStart(2, "0")}`) ?? 0;
      if (init !== ran) {
        wrong++;
        problems.push(`${j.name}/${s.submit_num}: ${init} INIT lines in job.status, ${ran} runs`);
      }
      if (s.state === "submit-failed" && ran > 0) {
        duplicated++;
        problems.push(`${j.name}/${s.submit_num}: submit-failed, yet it ran`);
      }
      if (j.platform === "slurm" && s.token) {
        const recs = sacctByName.get(`${runName}.${j.name}.${s.token}`) ?? [];
        if (recs.length > 1) {
          duplicated++;
          problems.push(
            `${j.name}/${s.submit_num}: ${recs.length} Slurm jobs (${recs.map((r) => r.jobId).join(",")})`,
          );
        }
        if (ran > 0 && recs.length === 0)
          problems.push(`${j.name}/${s.submit_num}: ran, but sacct has no record`);
        const id = s.runner_job_id?.split(";")[0];
        if (recs.length === 1 && id && recs[0]?.jobId !== id) {
          wrong++;
          problems.push(`${j.name}/${s.submit_num}: store job ID ${id}, sacct ${recs[0]?.jobId}`);
        }
      }
    }
    const slurmNames = [...sacctByName.keys()].filter((k) => k.startsWith(`${runName}.${j.name}.`));
    if (j.platform === "slurm" && slurmNames.some((k) => !mine.some((s) => k.endsWith(`.${s.token}`)))) {
      duplicated++;
      problems.push(`${j.name}: a Slurm job with a token the store never recorded`);
    }
    const got = last ? `${last.state} ${last.reason ?? "-"} ${last.exit_code ?? "-"}` : "no row";
    const want = `${j.state} ${j.reason} ${j.exitCode ?? "-"}`;
    if (got !== want || total !== j.runs) {
      wrong++;
      problems.push(`${j.name} (${j.kind}): ${got}, ${total} runs; designed ${want}, ${j.runs} runs`);
    }
  }
  return {
    jobs: plan.length,
    submissions: subs.length,
    runsPerPlatform,
    sacctRecords: sacct.length,
    submitFailed: subs.filter((s) => s.state === "submit-failed").length,
    submitFailedReasons: tally(subs.filter((s) => s.state === "submit-failed").map((s) => s.reason ?? "-")),
    lost,
    duplicated,
    wrong,
    problems,
  };
}
