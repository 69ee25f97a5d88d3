/**
 * The Slurm runner: `sbatch --parsable [-M cluster]` submits; one `squeue` of the user's jobs in
 * every state (`-t all`, so jobs ended within MinJobAge read as ended, not as vanished) answers a
 * whole poll, whatever the number of jobs, and is filtered by job ID here; `sacct` gives the
 * terminal state of jobs Slurm has forgotten; `scancel` kills. Job IDs are `id;cluster` when a
 * cluster is set, and every call about them passes `-M cluster`. Every query ends with an end line
 * (query-output.ts), so a cut reply is a poll error, never "jobs gone". Jobs whose submit reply was
 * lost are looked up all at once (slurm-lookups.ts).
 */
import { ConfigError } from "../../errors.js";
import type { AccountingAnswer, QueueAnswer } from "../../job/verdict-input.js";
import type {
  CommandArg,
  CommandSpec,
  JobRef,
  ParsedLookup,
  ParsedPoll,
  ParsedSubmit,
  QueryReply,
  Runner,
} from "../runner.js";
import type { SubmitReply, SubmitTarget } from "../runner.js";
import { DEFAULT_SIGNAL_LEAD_S, slurmDirectives } from "./directives.js";
import { SACCT_FIELDS, parseSacct } from "./parse-sacct.js";
import { SQUEUE_FORMAT, parseSqueue } from "./parse-squeue.js";
import { chunkIds, clip, queryLines, shQuery } from "../common/query-output.js";
import { slurmState } from "./states.js";
import { parseSlurmLookups, slurmLookupsQuery } from "./slurm-lookups.js";

/** States in which Slurm waits to start a job (again): a started job seen here was requeued. */
const PENDING_STATES: ReadonlySet<string> = new Set(["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED"]);

/** Options of one Slurm platform. */
export interface SlurmOptions {
  /** Cluster for `-M` (IDs then read `id;cluster`); null or absent: the local cluster. */
  cluster?: string | null;
  /** Seconds between the XCPU signal and the time-limit kill (default 60, Slurm's resolution). */
  signalLeadS?: number;
  /** slurmdbd keeps accounting (`sacct`); default true. Without it, jobs past MinJobAge vanish. */
  accounting?: boolean;
}

const CLUSTER = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const ID = /^([0-9]{1,12})(?:;([A-Za-z0-9_][A-Za-z0-9_-]{0,63}))?$/;

/** A Slurm job ID `id` or `id;cluster`, split; null when it is not one. */
export function splitSlurmId(jobId: string): { id: string; cluster: string | null } | null {
  const m = ID.exec(jobId);
  return m ? { id: m[1] as string, cluster: m[2] ?? null } : null;
}

/** Builds the Slurm runner. */
export function createSlurmRunner(opts: SlurmOptions = {}): Runner {
  const home = opts.cluster ?? null;
  if (home !== null && !CLUSTER.test(home))
    throw new ConfigError(`slurm: bad cluster name ${JSON.stringify(home)}`);
  const lead = opts.signalLeadS ?? DEFAULT_SIGNAL_LEAD_S;
  if (!(Number.isSafeInteger(lead) && lead >= 1 && lead <= 3600))
    throw new ConfigError("slurm: signalLeadS must be an integer from 1 to 3600");
  const withAccounting = opts.accounting ?? true;
  const clusterArgs = (c: string | null): string[] => (c === null ? [] : ["-M", c]);
  /** The cluster a job lives on: its ID's, else the platform's. */
  const where = (j: JobRef) => {
    const s = splitSlurmId(j.jobId);
    return s === null ? null : { id: s.id, cluster: s.cluster ?? home };
  };

  const runner: Runner = {
    name: "slurm",
    tools: {
      submit: ["sbatch"],
      poll: ["squeue", "id"],
      kill: ["scancel"],
      ...(withAccounting ? { accounting: ["sacct"] } : {}),
      lookup: withAccounting ? ["squeue", "sacct", "id"] : ["squeue", "id"],
    },
    capabilities: {
      hostBound: false,
      killsGroup: true,
      clusters: true,
      accounting: withAccounting,
      jobNames: true,
    },
    directives: (job) => slurmDirectives(job, lead),
    submitCommand: (job: SubmitTarget): CommandSpec => {
      // Relative --output paths (from `~/` paths) resolve against the job's working directory.
      const chdir: CommandArg[] = [job.stdout, job.stderr].some((p) => p.startsWith("~/"))
        ? ["-D", { path: "~" }]
        : [];
      return {
        argv: ["sbatch", "--parsable", ...clusterArgs(home), ...chdir, { path: job.scriptPath }],
        stdin: "/dev/null",
        idPattern: "([0-9]+(;[A-Za-z0-9_-]+)?)[[:space:]]*$",
      };
    },
    parseSubmit: (r: SubmitReply): ParsedSubmit => {
      const s = splitSlurmId(r.id.trim());
      if (r.rc !== 0 || s === null)
        return {
          jobId: null,
          runnerData: {},
          error: `sbatch failed (rc=${r.rc}): ${r.output.trim().slice(0, 2000)}`,
        };
      const cluster = s.cluster ?? home;
      return { jobId: cluster === null ? s.id : `${s.id};${cluster}`, runnerData: {}, error: null };
    },
    pollQuery: (jobs) => {
      const clusters = [...new Set(jobs.map(where).flatMap((w) => (w?.cluster ? [w.cluster] : [])))].sort();
      const m = clusters.length > 0 ? ["-M", clusters.join(",")] : [];
      return { kind: "command", spec: shQuery(`squeue -u "$(id -un)" -t all -o '${SQUEUE_FORMAT}' "$@"`, m) };
    },
    parsePoll: (r: QueryReply, jobs: readonly JobRef[]): ParsedPoll => {
      const out = queryLines(r, "squeue");
      if ("error" in out) return { ok: false, error: out.error };
      const located = jobs.map((j) => ({ j, w: where(j) }));
      const clusters = [...new Set(located.flatMap(({ w }) => (w?.cluster ? [w.cluster] : [])))];
      if (clusters.length > 0 && located.some(({ w }) => w !== null && w.cluster === null))
        return {
          ok: false,
          error: "slurm: jobs with and without a cluster on one host and no platform cluster",
        };
      const table = parseSqueue(out.lines, clusters);
      if ("error" in table) return { ok: false, error: table.error };
      const answers = new Map<string, QueueAnswer>();
      // A terminal state squeue still shows is the runner's own word on how the job ended.
      const ended = new Map<string, AccountingAnswer>();
      for (const { j, w } of located) {
        const row = w === null ? undefined : table.get(w.cluster ?? "")?.get(w.id);
        if (row === undefined) {
          answers.set(j.key, { kind: "unlisted" });
          continue;
        }
        const meaning = slurmState(row.state);
        if (meaning === undefined)
          return {
            ok: false,
            error: `slurm: unknown job state ${JSON.stringify(row.state)} of job ${j.jobId}`,
          };
        const why = row.reason === "" || row.reason === "None" ? "" : ` (${row.reason})`;
        if (!meaning.listed)
          ended.set(j.key, { terminal: meaning.terminal, exitCode: null, raw: `squeue: ${row.state}${why}` });
        answers.set(
          j.key,
          meaning.listed
            ? { kind: "listed", runnerState: `${row.state}${why}`, pending: PENDING_STATES.has(row.state) }
            : { kind: "unlisted" },
        );
      }
      return { ok: true, answers, accounting: ended };
    },
    killAction: (j: JobRef) => {
      const w = where(j);
      if (w === null) return { kind: "refuse", reason: `not a Slurm job ID: ${JSON.stringify(j.jobId)}` };
      return {
        kind: "command",
        spec: { argv: ["scancel", ...clusterArgs(w.cluster), w.id], stdin: "/dev/null" },
      };
    },
    lookupQuery: (job) => {
      if (job.token === undefined || !TOKEN.test(job.token)) return null;
      const acct = withAccounting
        ? `\necho '@@sacct'\nsacct -X -P -u "$u" -S now-7days -o JobID,Cluster,JobName "$@" || exit`
        : "";
      // The reply names the token and cluster it answers: parseLookup is handed the reply alone.
      const body = `echo "@@lookup $1 $2"\nshift 2\nu=$(id -un) || exit\nsqueue -u "$u" -t all -o '${SQUEUE_FORMAT}' "$@" || exit${acct}`;
      return { kind: "command", spec: shQuery(body, [job.token, home ?? "-", ...clusterArgs(home)]) };
    },
    parseLookup: (r) => parseSlurmLookup(r),
    lookupsQuery: (jobs) => slurmLookupsQuery(jobs, home, withAccounting),
    parseLookups: (r, jobs) => parseSlurmLookups(r, jobs, home, withAccounting),
  };
  if (withAccounting)
    runner.accounting = {
      query: (jobs) => {
        const { words } = chunkIds(jobs.flatMap((j) => where(j)?.id ?? []));
        const clusters = [...new Set(jobs.flatMap((j) => where(j)?.cluster ?? []))].sort().join(",");
        const body = `m=$1\nshift\nfor ids; do sacct -X -P -o ${SACCT_FIELDS} \${m:+-M "$m"} -j "$ids" || exit; done`;
        return shQuery(body, [clusters, ...words]);
      },
      parse: (r, jobs) => {
        const out = queryLines(r, "sacct");
        if ("error" in out) return { error: out.error };
        const { words, asked } = chunkIds(jobs.flatMap((j) => where(j)?.id ?? []));
        const answers = parseSacct(out.lines, words.length);
        if ("error" in answers) return answers;
        const result = new Map<string, AccountingAnswer>();
        for (const j of jobs) {
          const w = where(j);
          if (w === null || !asked.has(w.id)) continue;
          // Not there (yet): slurmdbd may lag; no answer keeps the verdict waiting for it.
          const a = answers.get(w.cluster === null ? w.id : `${w.id};${w.cluster}`);
          if (a !== undefined) result.set(j.key, a);
        }
        return result;
      },
    };
  return runner;
}

const TOKEN = /^[A-Za-z0-9_-]{6,128}$/;

/**
 * Reads a lookup reply: the job whose name is the token or ends in `.<token>`, in squeue first,
 * then in sacct (jobs Slurm already forgot). Found: `id`, or `id;cluster` with a cluster.
 */
export function parseSlurmLookup(r: QueryReply): ParsedLookup {
  const out = queryLines(r, "slurm lookup");
  if ("error" in out) return { ok: false, error: out.error };
  const head = /^@@lookup ([A-Za-z0-9_-]+) (\S+)$/.exec(out.lines[0] ?? "");
  if (!head) return { ok: false, error: `slurm lookup: no @@lookup line: ${clip(r.text)}` };
  const token = head[1] as string;
  const cluster = head[2] === "-" ? null : (head[2] as string);
  const rest = out.lines.slice(1);
  const cut = rest.indexOf("@@sacct");
  const queue = parseSqueue(cut < 0 ? rest : rest.slice(0, cut), cluster === null ? [] : [cluster]);
  if ("error" in queue) return { ok: false, error: queue.error };
  const hit = (name: string) => name === token || name.endsWith(`.${token}`);
  const found = (id: string): ParsedLookup => ({
    ok: true,
    answer: { kind: "found", jobId: cluster === null ? id : `${id};${cluster}` },
    runnerData: {},
  });
  for (const rows of queue.values())
    for (const row of rows.values()) if (hit(row.name) && /^[0-9]+$/.test(row.id)) return found(row.id);
  for (const line of cut < 0 ? [] : rest.slice(cut + 1)) {
    const m = /^([0-9]+)\|[^|]*\|(.*)$/.exec(line);
    if (m && hit(m[2] as string)) return found(m[1] as string);
  }
  return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
}
