/**
 * The LSF runner (IBM Spectrum LSF 10.1+): pure command specs and parsers.
 *
 * - submit: `bsub -o OUT -e ERR` with the job script as stdin, so bsub reads its `#BSUB` lines;
 *   bsub prints `Job <1234> is submitted to queue <normal>.`
 * - poll: one `bjobs -a -json -o "jobid stat exit_code exit_reason" IDS` per host for all its jobs
 *   (once per argv-budget chunk of IDs, see `lsfPollChunks`, all chunks in one command). A job is unlisted when bjobs shows it DONE or EXIT,
 *   or says "Job <N> is not found"; a job missing without such evidence is a poll error.
 * - kill: `bkill ID`. Accounting: the same bjobs query, which keeps DONE/EXIT jobs with their exit
 *   code and TERM_* reason for CLEAN_PERIOD (1 h by default); older jobs have no accounting answer
 *   (bhist would reach further; not done). Lookup by name: `bjobs -a -json -o "jobid stat job_name"
 *   -J NAME` (names hold the token); a poll's lookups list the user's jobs once (lsf-lookups.ts).
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";
import type { CommandSpec, JobRef, ParsedPoll, QueryReply, Runner } from "../runner.js";
import {
  chunkJobs,
  clip,
  queueAnswers,
  runnerJobName,
  type JobAttributes,
  type RawDirective,
} from "../common/batch-common.js";
import { chunkedQuerySpec, readChunks } from "../common/chunked-query.js";
import { LSF_JOB_NAME_MAX, lsfDirectives } from "./directives.js";
import { parseBjobsJson, type BjobsReading } from "./parse-bjobs.js";
import { lsfTerminal } from "./states.js";
import { lsfLookupsQuery, parseLsfLookups } from "./lsf-lookups.js";

/** Options of one LSF runner (one per platform). */
export interface LsfOptions {
  /** The run tag that starts every runner job name; needed for lookups by name. */
  runTag?: string;
  /** Generic attributes applied to every job of the platform. */
  attributes?: JobAttributes;
  /** Raw `#BSUB` directives passed through (reserved ones are refused). */
  directives?: RawDirective[];
  /** Argv budget of one poll command (bytes of job IDs). */
  pollBudget?: number;
}

/** LSF job IDs (Drover submits no arrays). */
export const LSF_JOB_ID = /^[1-9][0-9]{0,18}$/;

/** POSIX ERE for the batch program: the first group is the ID in bsub's reply. */
export const LSF_ID_PATTERN = "Job <([0-9]+)> is submitted";

/** The fields every poll and accounting query asks for. */
export const BJOBS_FIELDS = "jobid stat exit_code exit_reason";

/** Builds an LSF runner. */
export function createLsfRunner(opts: LsfOptions = {}): Runner {
  const valid = (j: JobRef): boolean => LSF_JOB_ID.test(j.jobId);
  // Every chunk is asked (one bjobs each, in one command): no job goes unasked.
  const chunksOf = (jobs: readonly JobRef[]): JobRef[][] => chunkJobs(jobs.filter(valid), opts.pollBudget);
  const bjobsSpec = (chunks: readonly JobRef[][]): CommandSpec =>
    chunkedQuerySpec(
      ["bjobs", "-a", "-json", "-o", BJOBS_FIELDS],
      chunks.map((c) => c.map((j) => j.jobId)),
    );
  const read = (r: QueryReply, n: number): BjobsReading | { error: string } => {
    if (n === 0) return { records: new Map(), gone: new Map() };
    if (r.rc < 0) return { error: `bjobs did not finish (rc=${r.rc}): ${clip(r.text)}` };
    const parsed = parseBjobsJson(r.text);
    if ("error" in parsed) return { error: `${parsed.error} (rc=${r.rc})` };
    // A non-zero exit is normal only when bjobs says why: some job is not found.
    if (r.rc !== 0 && parsed.gone.size === 0) return { error: `bjobs failed (rc=${r.rc}): ${clip(r.text)}` };
    return parsed;
  };
  const readAll = (r: QueryReply, chunks: readonly JobRef[][]): BjobsReading | { error: string } =>
    readChunks(
      r,
      chunks.map((c) => c.length),
      "bjobs",
      read,
    );
  const same = (id: string): string => id;

  const runner: Runner = {
    name: "lsf",
    tools: {
      submit: ["bsub"],
      poll: ["bjobs", "mktemp", "awk"],
      kill: ["bkill"],
      accounting: ["bjobs", "mktemp", "awk"],
      lookup: ["bjobs"],
    },
    capabilities: {
      hostBound: false,
      killsGroup: true,
      clusters: false,
      accounting: true,
      jobNames: true,
    },
    directives: (job) => lsfDirectives(job, opts.attributes, opts.directives),
    submitCommand: (job) => ({
      argv: ["bsub", "-o", { path: job.stdout }, "-e", { path: job.stderr }],
      stdin: job.scriptPath,
      idPattern: LSF_ID_PATTERN,
    }),
    parseSubmit: (r) => {
      const id = r.id !== "" ? r.id : (/Job <([0-9]+)> is submitted/.exec(r.output)?.[1] ?? "");
      if (r.rc !== 0 || !LSF_JOB_ID.test(id))
        return { jobId: null, runnerData: {}, error: `bsub failed (rc=${r.rc}): ${clip(r.output.trim())}` };
      return { jobId: id, runnerData: {}, error: null };
    },
    pollQuery: (jobs) => ({ kind: "command", spec: bjobsSpec(chunksOf(jobs)) }),
    parsePoll: (r, jobs): ParsedPoll => {
      const chunks = chunksOf(jobs);
      const reading = readAll(r, chunks);
      if ("error" in reading) return { ok: false, error: reading.error };
      return queueAnswers(jobs, chunks.flat(), reading, same, valid, (rec) => rec.stat);
    },
    killAction: (j) =>
      valid(j)
        ? { kind: "command", spec: { argv: ["bkill", j.jobId], stdin: "/dev/null" } }
        : { kind: "refuse", reason: `not an LSF job ID: ${JSON.stringify(j.jobId)}` },
    lookupQuery: (job) => {
      const tag = job.runName ?? opts.runTag;
      if (tag === undefined || job.token === undefined) return null;
      const name = runnerJobName(tag, job.key.split("/")[0] ?? job.key, job.token, LSF_JOB_NAME_MAX);
      return {
        kind: "command",
        spec: { argv: ["bjobs", "-a", "-json", "-o", "jobid stat job_name", "-J", name], stdin: "/dev/null" },
      };
    },
    parseLookup: (r) => {
      if (r.rc < 0) return { ok: false, error: `bjobs did not finish (rc=${r.rc})` };
      const parsed = parseBjobsJson(r.text);
      if ("error" in parsed) return { ok: false, error: parsed.error };
      const found = [...parsed.records.values()][0];
      if (found) return { ok: true, answer: { kind: "found", jobId: found.id }, runnerData: {} };
      // No record: only a clear "not found" (or a clean empty answer) means not found.
      if (r.rc === 0 || parsed.gone.size > 0)
        return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
      return { ok: false, error: `bjobs failed (rc=${r.rc}): ${clip(r.text)}` };
    },
    accounting: {
      query: (jobs) => bjobsSpec(chunksOf(jobs)),
      parse: (r, jobs) => lsfAccounting(readAll(r, chunksOf(jobs)), chunksOf(jobs).flat()),
    },
  };
  // Same availability as the lookup by name: the manager reads `jobNames` (names hold the token).
  // The batched lookup matches names to tokens on this side: it needs no run name.
  runner.lookupsQuery = (jobs) => lsfLookupsQuery(jobs);
  runner.parseLookups = (r, jobs) => parseLsfLookups(r, jobs);
  return runner;
}

/** Accounting answers for DONE and EXIT jobs; jobs still held or no longer known get none. */
function lsfAccounting(
  reading: BjobsReading | { error: string },
  jobs: readonly JobRef[],
): Map<string, AccountingAnswer> | { error: string } {
  if ("error" in reading) return reading;
  const out = new Map<string, AccountingAnswer>();
  for (const j of jobs) {
    const rec = reading.records.get(j.jobId);
    if (rec && !rec.listed) out.set(j.key, lsfTerminal(rec.stat, rec.exitCode, rec.exitReason, rec.raw));
  }
  return out;
}

/** Chunks of jobs, each small enough for one poll command; the manager polls each chunk. */
export function lsfPollChunks(jobs: readonly JobRef[], budget?: number): JobRef[][] {
  return chunkJobs(
    jobs.filter((j) => LSF_JOB_ID.test(j.jobId)),
    budget,
  );
}

/** The LSF runner with default options. */
export const lsfRunner: Runner = createLsfRunner();
