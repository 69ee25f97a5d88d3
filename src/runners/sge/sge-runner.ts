/**
 * The Grid Engine runner: `qsub -terse` submits (it prints the job ID alone); one `qstat -u USER`
 * answers a whole poll and is filtered by job ID here; `qacct -j` gives the terminal state of
 * finished jobs (they leave qstat at once); `qdel` kills. Every query ends with an end line
 * (query-output.ts): qstat prints nothing at all for no jobs, so a cut reply could not be told
 * from an empty queue otherwise.
 */
import { ConfigError } from "../../errors.js";
import type { AccountingAnswer, QueueAnswer } from "../../job/verdict-input.js";
import type {
  CommandSpec,
  JobRef,
  ParsedLookup,
  ParsedPoll,
  ParsedSubmit,
  QueryReply,
  Runner,
  SubmitReply,
} from "../runner.js";
import { clip, queryLines, shQuery } from "../common/query-output.js";
import { sgeDirectives } from "./directives.js";
import { parseQacctCalls, qacctRecords } from "./parse-qacct.js";
import { parseQstat } from "./parse-qstat.js";
import { parseSgeLookups, sgeLookupsQuery } from "./sge-lookups.js";

/** Options of one Grid Engine platform. */
export interface SgeOptions {
  /** Parallel environment for jobs asking for more than one CPU (sites name their own; default "smp"). */
  parallelEnv?: string;
  /** Jobs per accounting query: each qacct call reads the whole accounting file (default 50). */
  accountingBatch?: number;
}

const ID = /^[0-9]{1,12}$/;
const TOKEN = /^[A-Za-z0-9_-]{6,128}$/;

/** Builds the Grid Engine runner. */
export function createSgeRunner(opts: SgeOptions = {}): Runner {
  const pe = opts.parallelEnv ?? "smp";
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(pe))
    throw new ConfigError(`sge: bad parallel environment ${JSON.stringify(pe)}`);
  const batch = opts.accountingBatch ?? 50;
  if (!(Number.isSafeInteger(batch) && batch >= 1 && batch <= 1000))
    throw new ConfigError("sge: accountingBatch must be an integer from 1 to 1000");
  /** The job IDs one accounting query asks about (the same list for query and parse). */
  const asked = (jobs: readonly JobRef[]) =>
    [...new Set(jobs.map((j) => j.jobId).filter((id) => ID.test(id)))].slice(0, batch);

  return {
    name: "sge",
    tools: {
      submit: ["qsub"],
      poll: ["qstat", "id"],
      kill: ["qdel"],
      accounting: ["qacct"],
      lookup: ["qstat", "qacct", "id"],
    },
    capabilities: { hostBound: false, killsGroup: true, clusters: false, accounting: true, jobNames: true },
    directives: (job) => sgeDirectives(job, pe),
    submitCommand: (job): CommandSpec => ({
      argv: ["qsub", "-terse", { path: job.scriptPath }],
      stdin: "/dev/null",
      idPattern: "([0-9]+)[[:space:]]*$",
    }),
    parseSubmit: (r: SubmitReply): ParsedSubmit => {
      const id = r.id.trim();
      if (r.rc !== 0 || !ID.test(id))
        return {
          jobId: null,
          runnerData: {},
          error: `qsub failed (rc=${r.rc}): ${r.output.trim().slice(0, 2000)}`,
        };
      return { jobId: id, runnerData: {}, error: null };
    },
    pollQuery: () => ({ kind: "command", spec: shQuery(`qstat -u "$(id -un)"`, []) }),
    parsePoll: (r: QueryReply, jobs: readonly JobRef[]): ParsedPoll => {
      const out = queryLines(r, "qstat");
      if ("error" in out) return { ok: false, error: out.error };
      const table = parseQstat(out.lines);
      if ("error" in table) return { ok: false, error: table.error };
      const answers = new Map<string, QueueAnswer>();
      for (const j of jobs) {
        const row = ID.test(j.jobId) ? table.get(j.jobId) : undefined;
        answers.set(
          j.key,
          row === undefined ? { kind: "unlisted" } : { kind: "listed", runnerState: row.state },
        );
      }
      return { ok: true, answers };
    },
    killAction: (j) =>
      ID.test(j.jobId)
        ? { kind: "command", spec: { argv: ["qdel", j.jobId], stdin: "/dev/null" } }
        : { kind: "refuse", reason: `not a Grid Engine job ID: ${JSON.stringify(j.jobId)}` },
    lookupQuery: (job) => {
      if (job.token === undefined || !TOKEN.test(job.token)) return null;
      const body = `echo "@@lookup $1"\nu=$(id -un) || exit\nqstat -u "$u" -r || exit\necho '@@qacct'\nqacct -j "*.$1"\necho "@@rc $?"`;
      return { kind: "command", spec: shQuery(body, [job.token]) };
    },
    parseLookup: (r) => parseSgeLookup(r),
    lookupsQuery: (jobs) => sgeLookupsQuery(jobs),
    parseLookups: (r, jobs) => parseSgeLookups(r, jobs),
    accounting: {
      query: (jobs) =>
        shQuery(`for id; do echo "@@job $id"; qacct -j "$id"; echo "@@rc $?"; done`, asked(jobs)),
      parse: (r, jobs) => {
        const out = queryLines(r, "qacct");
        if ("error" in out) return { error: out.error };
        const ids = asked(jobs);
        const byId = parseQacctCalls(out.lines, ids);
        if ("error" in byId) return byId;
        const result = new Map<string, AccountingAnswer>();
        for (const j of jobs) {
          const a = byId.get(j.jobId);
          if (a !== undefined) result.set(j.key, a);
        }
        return result;
      },
    },
  };
}

/** Reads a lookup reply: a queued job whose full name ends in `.<token>`, else a finished one in qacct. */
export function parseSgeLookup(r: QueryReply): ParsedLookup {
  const out = queryLines(r, "sge lookup");
  if ("error" in out) return { ok: false, error: out.error };
  const head = /^@@lookup ([A-Za-z0-9_-]+)$/.exec(out.lines[0] ?? "");
  const cut = out.lines.indexOf("@@qacct");
  const rc = /^@@rc ([0-9]+)$/.exec(out.lines[out.lines.length - 1] ?? "");
  if (!head || cut < 0 || !rc) return { ok: false, error: `sge lookup: unexpected reply ${clip(r.text)}` };
  const token = head[1] as string;
  const hit = (name: string | undefined) =>
    name !== undefined && (name === token || name.endsWith(`.${token}`));
  const found = (jobId: string): ParsedLookup => ({
    ok: true,
    answer: { kind: "found", jobId },
    runnerData: {},
  });
  const queue = parseQstat(out.lines.slice(1, cut));
  if ("error" in queue) return { ok: false, error: queue.error };
  for (const job of queue.values()) if (hit(job.name)) return found(job.id);
  const acct = out.lines.slice(cut + 1, -1);
  if (rc[1] !== "0") {
    // qacct exits 1 when nothing matches (or no job has finished yet): not found, not an error.
    if (/not found|unable to open|no such file/i.test(acct.join(" ")))
      return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
    return { ok: false, error: `qacct failed (rc=${rc[1]}): ${clip(acct.join("\n"))}` };
  }
  const recs = qacctRecords(acct);
  if ("error" in recs) return { ok: false, error: recs.error };
  for (const rec of recs) {
    const id = rec.get("jobnumber") ?? "";
    if (hit(rec.get("jobname")) && ID.test(id)) return found(id);
  }
  return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
}
