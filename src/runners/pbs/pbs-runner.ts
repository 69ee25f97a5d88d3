/**
 * The PBS runner (PBS Professional, OpenPBS, Torque): pure command specs and parsers.
 *
 * - submit: `qsub -o OUT -e ERR SCRIPT`; qsub prints the job ID (`1234.server`).
 * - poll: one command per host for all its jobs: `qstat` once per argv-budget chunk of IDs
 *   (`pbsPollChunks`), every chunk asked in the same command (common/chunked-query.ts):
 *   PBS Pro `qstat -x -f -F json IDS` (history included, so a finished job is seen as F with its
 *   Exit_status), Torque the plain `qstat IDS` table. A job is unlisted only when qstat names it
 *   ("Unknown Job Id") or shows it finished; a job missing without such a line is a poll error.
 * - kill: `qdel ID`. Accounting (PBS Pro): the same `qstat -x -f -F json`, Exit_status mapped in
 *   states.ts. Lookup by name: `qselect -x -N NAME` (PBS Pro; names hold the token), all of a
 *   poll's lookups in one command (pbs-lookups.ts).
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";
import type {
  CommandSpec,
  JobRef,
  LookupJob,
  ParsedPoll,
  ParsedSubmit,
  QueryReply,
  Runner,
  SubmitReply,
} from "../runner.js";
import {
  chunkJobs,
  clip,
  completeLines,
  queueAnswers,
  runnerJobName,
  type JobAttributes,
  type RawDirective,
} from "../common/batch-common.js";
import { chunkedQuerySpec, readChunks } from "../common/chunked-query.js";
import { PBS_JOB_NAME_MAX, pbsDirectives, type PbsFlavor } from "./directives.js";
import { parseQstatJson, parseQstatTable, pbsSeq, type QstatReading } from "./parse-qstat.js";
import { pbsTerminal } from "./states.js";
import { parsePbsLookups, pbsLookupsQuery } from "./pbs-lookups.js";

/** Options of one PBS runner (one per platform). */
export interface PbsOptions {
  /** Default "pbspro". */
  flavor?: PbsFlavor;
  /** The run tag that starts every runner job name; needed for lookups by name. */
  runTag?: string;
  /** Generic attributes applied to every job of the platform. */
  attributes?: JobAttributes;
  /** Raw `#PBS` directives passed through (reserved ones are refused). */
  directives?: RawDirective[];
  /** Longest job name; default by flavor (PBS_JOB_NAME_MAX). */
  jobNameMax?: number;
  /** Argv budget of one poll command (bytes of job IDs). */
  pollBudget?: number;
}

/** PBS job IDs as qsub prints them: sequence, optional array brackets, optional server. */
export const PBS_JOB_ID = /^[0-9]+(\[[0-9]*\])?(\.[A-Za-z0-9_-]+)*$/;

/** POSIX ERE for the batch program: the first group is the ID qsub printed at the start of a line. */
export const PBS_ID_PATTERN = "^([0-9]+(\\[[0-9]*\\])?(\\.[A-Za-z0-9_-]+)*)";

/** Token length Drover uses (12 random bytes, hex). */
const TOKEN_CHARS = 24;

/** Builds a PBS runner. */
export function createPbsRunner(opts: PbsOptions = {}): Runner {
  const flavor = opts.flavor ?? "pbspro";
  const nameMax = opts.jobNameMax ?? PBS_JOB_NAME_MAX[flavor];
  const budget = opts.pollBudget ?? undefined;
  // Lookups by name need the token whole in the (possibly cut) name, and the run's name.
  const canLookup = nameMax >= TOKEN_CHARS + 4;
  const tagOf = (j: { runName?: string }): string | undefined => j.runName ?? opts.runTag;
  const tagged = (jobs: readonly LookupJob[]): LookupJob[] => jobs.filter((j) => tagOf(j) !== undefined);
  const json = flavor === "pbspro";
  const valid = (j: JobRef): boolean => PBS_JOB_ID.test(j.jobId);
  // Every chunk is asked (one qstat each, in one command): no job goes unasked.
  const chunksOf = (jobs: readonly JobRef[]): JobRef[][] => chunkJobs(jobs.filter(valid), budget);
  const qstatSpec = (chunks: readonly JobRef[][]): CommandSpec =>
    chunkedQuerySpec(
      json ? ["qstat", "-x", "-f", "-F", "json"] : ["qstat"],
      chunks.map((c) => c.map((j) => j.jobId)),
    );
  const read = (r: QueryReply, n: number): QstatReading | { error: string } => {
    if (n === 0) return { records: new Map(), gone: new Map() };
    if (r.rc < 0) return { error: `qstat did not finish (rc=${r.rc}): ${clip(r.text)}` };
    const parsed = json ? parseQstatJson(r.text) : parseQstatTable(r.text);
    if ("error" in parsed) return { error: `${parsed.error} (rc=${r.rc})` };
    // A non-zero exit is normal only when qstat says why: some job is unknown or finished.
    if (r.rc !== 0 && parsed.gone.size === 0) return { error: `qstat failed (rc=${r.rc}): ${clip(r.text)}` };
    return parsed;
  };
  const readAll = (r: QueryReply, chunks: readonly JobRef[][]): QstatReading | { error: string } =>
    readChunks(
      r,
      chunks.map((c) => c.length),
      "qstat",
      read,
    );

  /** The runner job name of a job to look up (as its directives set it). */
  const nameOf = (j: { key: string; token: string; runName?: string }): string =>
    runnerJobName(tagOf(j) ?? "", j.key.split("/")[0] ?? j.key, j.token, nameMax);

  const runner: Runner = {
    name: "pbs",
    tools: {
      submit: ["qsub"],
      poll: ["qstat", "mktemp", "awk"],
      kill: ["qdel"],
      ...(json ? { accounting: ["qstat", "mktemp", "awk"] } : {}),
      ...(canLookup ? { lookup: ["qselect"] } : {}),
    },
    capabilities: {
      hostBound: false,
      killsGroup: true,
      clusters: false,
      accounting: json,
      jobNames: canLookup,
    },
    directives: (job) => pbsDirectives(job, flavor, opts.attributes, opts.directives, nameMax),
    submitCommand: (job) => ({
      argv: ["qsub", "-o", { path: job.stdout }, "-e", { path: job.stderr }, { path: job.scriptPath }],
      stdin: "/dev/null",
      idPattern: PBS_ID_PATTERN,
    }),
    parseSubmit: (r: SubmitReply): ParsedSubmit => {
      const id =
        r.id !== ""
          ? r.id
          : (r.output
              .split("\n")
              .find((l) => PBS_JOB_ID.test(l.trim()))
              ?.trim() ?? "");
      if (r.rc !== 0 || !PBS_JOB_ID.test(id))
        return { jobId: null, runnerData: {}, error: `qsub failed (rc=${r.rc}): ${clip(r.output.trim())}` };
      return { jobId: id, runnerData: {}, error: null };
    },
    pollQuery: (jobs) => ({ kind: "command", spec: qstatSpec(chunksOf(jobs)) }),
    parsePoll: (r, jobs): ParsedPoll => {
      const chunks = chunksOf(jobs);
      const reading = readAll(r, chunks);
      if ("error" in reading) return { ok: false, error: reading.error };
      return queueAnswers(jobs, chunks.flat(), reading, pbsSeq, valid, (rec) => rec.state);
    },
    killAction: (j) =>
      valid(j)
        ? { kind: "command", spec: { argv: ["qdel", j.jobId], stdin: "/dev/null" } }
        : { kind: "refuse", reason: `not a PBS job ID: ${JSON.stringify(j.jobId)}` },
    lookupQuery: (job) => {
      if (!canLookup || job.token === undefined || tagOf(job) === undefined) return null;
      const name = nameOf({ ...job, token: job.token });
      const argv = json ? ["qselect", "-x", "-N", name] : ["qselect", "-N", name];
      return { kind: "command", spec: { argv, stdin: "/dev/null" } };
    },
    parseLookup: (r) => {
      if (r.rc !== 0) return { ok: false, error: `qselect failed (rc=${r.rc}): ${clip(r.text)}` };
      const lines = completeLines(r.text);
      if ("error" in lines) return { ok: false, error: lines.error };
      const ids = lines.map((l) => l.trim()).filter((l) => l !== "");
      const bad = ids.find((l) => !PBS_JOB_ID.test(l));
      if (bad !== undefined)
        return { ok: false, error: `unexpected qselect line: ${JSON.stringify(clip(bad, 200))}` };
      const first = ids[0];
      if (first === undefined) return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
      return { ok: true, answer: { kind: "found", jobId: first }, runnerData: {} };
    },
  };
  if (canLookup) {
    runner.lookupsQuery = (jobs) => pbsLookupsQuery(tagged(jobs), nameOf, json, budget);
    runner.parseLookups = (r, jobs) => parsePbsLookups(r, tagged(jobs), nameOf, (id) => PBS_JOB_ID.test(id));
  }
  if (json)
    runner.accounting = {
      query: (jobs) => qstatSpec(chunksOf(jobs)),
      parse: (r, jobs) => pbsAccounting(readAll(r, chunksOf(jobs)), chunksOf(jobs).flat()),
    };
  return runner;
}

/** Accounting answers for the finished jobs of a reading; jobs still queued or unknown get none. */
function pbsAccounting(
  reading: QstatReading | { error: string },
  jobs: readonly JobRef[],
): Map<string, AccountingAnswer> | { error: string } {
  if ("error" in reading) return reading;
  const out = new Map<string, AccountingAnswer>();
  for (const j of jobs) {
    const rec = reading.records.get(pbsSeq(j.jobId));
    if (rec && (rec.state === "F" || rec.state === "X")) out.set(j.key, pbsTerminal(rec.exitStatus, rec.raw));
  }
  return out;
}

/** Chunks of jobs, each small enough for one poll command; the manager polls each chunk. */
export function pbsPollChunks(jobs: readonly JobRef[], budget?: number): JobRef[][] {
  return chunkJobs(
    jobs.filter((j) => PBS_JOB_ID.test(j.jobId)),
    budget,
  );
}

/** The PBS Pro runner with default options. */
export const pbsRunner: Runner = createPbsRunner();
