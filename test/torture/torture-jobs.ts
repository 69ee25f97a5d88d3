/**
 * The torture job set: N short jobs spread round-robin over three platforms (background jobs on the
 * SSH host, Slurm through the same host, background jobs on localhost), with a designed mix of
 * outcomes. Each job appends one line `name submit_num pid host` to its own side-effect file in the
 * run's share directory before anything else, so its runs can be counted afterwards.
 */

/** The three platforms of the torture, by name in the job set. */
export const TORTURE_PLATFORMS = ["ssh_bg", "slurm", "localhost"] as const;
export type TorturePlatform = (typeof TORTURE_PLATFORMS)[number];

/** What a job is designed to do. */
export type JobKind = "ok" | "exit3" | "selfterm" | "retry" | "chain" | "needfail";

/** One job of the plan and the outcome it must end with. */
export interface PlannedJob {
  name: string;
  platform: TorturePlatform;
  kind: JobKind;
  /** Seconds the job sleeps (0 to 2). */
  sleepS: number;
  needs: string | null;
  state: "succeeded" | "failed";
  reason: string;
  exitCode: number | null;
  /** How many submissions must have run (each exactly once). */
  runs: number;
}

/** The side-effect line every job writes first: name, submit number, its pid and its host. */
const RECORD_LINE =
  'echo "$DROVER_JOB_NAME $DROVER_SUBMIT_NUM $$ ${HOSTNAME:-?}" >> "$DROVER_SHARE_DIR/$DROVER_JOB_NAME"';

/** Picks a kind from the job's slot among the jobs of its platform (a fixed, repeating mix). */
function kindOf(slot: number): JobKind {
  // Period 20: 11 plain successes, 2 exit 3, 1 self-kill, 2 retries, a chain of 3 and a failed need.
  const mix: JobKind[] = [
    "ok",
    "ok",
    "ok",
    "exit3",
    "ok",
    "retry",
    "ok",
    "selfterm",
    "ok",
    "chain",
    "chain",
    "ok",
    "ok",
    "exit3",
    "needfail",
    "retry",
    "ok",
    "ok",
    "ok",
    "ok",
  ];
  return mix[slot % mix.length] as JobKind;
}

/** The plan of `n` jobs `t0..t<n-1>` (deterministic: the same `n` gives the same plan). */
export function planJobs(n: number): PlannedJob[] {
  if (!Number.isInteger(n) || n < 3) throw new Error(`a torture needs at least 3 jobs, not ${n}`);
  const plan: PlannedJob[] = [];
  for (let i = 0; i < n; i++) {
    const platform = TORTURE_PLATFORMS[i % 3] as TorturePlatform;
    const slot = Math.floor(i / 3);
    let kind = kindOf(slot);
    // Chains and failed needs lean on the job three places back (same platform, known outcome).
    const back = i >= 3 ? plan[i - 3] : undefined;
    if ((kind === "chain" && back?.state !== "succeeded") || (kind === "needfail" && back?.kind !== "exit3"))
      kind = "ok";
    const base = { name: `t${i}`, platform, kind, sleepS: ((i * 7) % 21) / 10, needs: null };
    const job: PlannedJob = { ...base, state: "succeeded", reason: "succeeded", exitCode: 0, runs: 1 };
    if (kind === "exit3") Object.assign(job, { state: "failed", reason: "exit(3)", exitCode: 3 });
    // The user script runs in its own bash: TERM ends it, and the wrapper reports its status 143.
    if (kind === "selfterm") Object.assign(job, { state: "failed", reason: "exit(143)", exitCode: 143 });
    if (kind === "retry") job.runs = 2;
    if (kind === "chain") job.needs = back?.name ?? null;
    if (kind === "needfail") {
      job.needs = back?.name ?? null;
      Object.assign(job, { state: "failed", reason: `need-failed(${job.needs})`, exitCode: null, runs: 0 });
    }
    plan.push(job);
  }
  return plan;
}

/** The bash script of a planned job. */
export function jobScript(j: PlannedJob): string {
  const tail: Record<JobKind, string> = {
    ok: "true",
    chain: "true",
    needfail: "true",
    exit3: "exit 3",
    selfterm: "kill -TERM $$; sleep 5",
    // The first try fails, the execution retry succeeds.
    retry: '[ "$DROVER_TRY" -ge 2 ] || exit 4',
  };
  return `${RECORD_LINE}; sleep ${j.sleepS}; ${tail[j.kind]}`;
}

/** The job set text: `platformLines` (a `platforms:` section) and every planned job. */
export function tortureJobSet(
  plan: readonly PlannedJob[],
  platformLines: readonly string[],
  maxActive: number,
): string {
  const lines = [`max_active: ${maxActive}`, ...platformLines, "jobs:"];
  for (const j of plan) {
    lines.push(`  ${j.name}:`, `    platform: ${j.platform}`, `    script: ${JSON.stringify(jobScript(j))}`);
    if (j.needs) lines.push(`    needs: [${j.needs}]`);
    // Submission retries: a submission found never to have been made is tried again soon.
    const execution = j.kind === "retry" ? "[PT1S]" : "[]";
    lines.push(`    retries: { submission: [PT1S, PT1S, PT1S], execution: ${execution} }`);
  }
  return `${lines.join("\n")}\n`;
}
