/**
 * The three batch calls the manager makes on a host: submit, poll and kill many jobs with one
 * program each. Each call validates its request, builds the program (fresh nonce), runs it through
 * the transport and parses the reply; a failed call is in the result, never a rejection (only an
 * invalid request rejects, before anything is sent).
 */
import { getRunner } from "../runners/registry.js";
import type { JobRef, LookupJob, Runner } from "../runners/runner.js";
import { runnerTools } from "../runners/runner-tools.js";
import type { Transport } from "../transport/transport.js";
import type {
  KillBatchRequest,
  KillBatchResult,
  KillOutcome,
  PollBatchRequest,
  SubmitBatchRequest,
  SubmitBatchResult,
} from "./batch-types.js";
import { buildKillInput, type GuardedKill } from "./kill-program.js";
import { readKillReply } from "./kill-reply.js";
import { newNonce } from "./nonce.js";
import { buildQueryInput, type QuerySpec } from "./query-program.js";
import { readQueryReply, type QueryBatchResult } from "./query-reply.js";
import { mergeQueryAnswers, parseAccounting } from "./merge-queries.js";
import { explainNotStarted, transportShell, withCanary } from "./login-shell.js";
import type { CommandResult } from "../transport/command-result.js";
import type { BatchResultBase } from "./batch-types.js";
import { buildPollInput, type PollPlan } from "./poll-program.js";
import { readPollReply, type PollBatchOutcome } from "./poll-reply.js";
import { buildSubmitInput } from "./submit-program.js";
import { readSubmitReply } from "./submit-reply.js";
import * as v from "./validate.js";
import { parseStatusFile } from "../script/status-file.js";
import { exitSucceeded } from "../job/verdict-reason.js";

/** Writes the job files, starts every job and records them in the batch journal. */
export async function submitBatch(t: Transport, req: SubmitBatchRequest): Promise<SubmitBatchResult> {
  v.checkBase(req);
  v.checkBatchId(req.batchId);
  v.checkUniqueKeys(req.jobs.map((j) => j.key));
  for (const j of req.jobs) {
    v.checkRelPath(j.logDir, `logDir of ${j.key}`);
    v.checkToken(j.token);
    v.checkTimeLimit(j.timeLimitS);
    if (typeof j.script !== "string")
      throw new v.BatchRequestError(`batch request: script of ${j.key} is not text`);
  }
  const runner = getRunner(req.runner);
  const nonce = newNonce();
  const result = await runBatch(t, req.host, buildSubmitInput(req, runner, nonce), req.timeoutMs);
  return explained(t, readSubmitReply(req, runner, result, nonce));
}

/**
 * Reads status files, asks the runner, and answers journals and lookups, for all jobs at once.
 * Host-bound runners are asked inside the same program (`/proc`); runners with commands (squeue,
 * qstat, sacct...) are asked first in one query program, and the status files are read after
 * their answer (a job can end between the two reads).
 */
export async function pollBatch(t: Transport, req: PollBatchRequest): Promise<PollBatchOutcome> {
  v.checkBase(req);
  v.checkUniqueKeys(req.jobs.map((j) => j.key));
  const runner = getRunner(req.runner);
  const refs: JobRef[] = [];
  const plan: PollPlan = { pids: [], journals: [], lookups: [], status: [] };
  const queries: QuerySpec[] = [];
  const lookupIds = new Map<string, string>();
  const batches = new Set<string>();
  const batchedLookups = runner.lookupsQuery !== undefined && runner.parseLookups !== undefined;
  const batchedJobs: LookupJob[] = [];
  const named = req.runName === undefined ? {} : { runName: req.runName };
  for (const j of req.jobs) {
    v.checkRelPath(j.logDir, `logDir of ${j.key}`);
    plan.status.push({ key: j.key, path: v.joinHostPath(req.runDir, j.logDir, "job.status") });
    if (j.jobId) refs.push({ key: j.key, jobId: j.jobId, runnerData: j.runnerData ?? {} });
    if (j.batchId) {
      v.checkBatchId(j.batchId);
      if (!batches.has(j.batchId))
        plan.journals.push({ batchId: j.batchId, path: v.joinHostPath(req.runDir, "batches", j.batchId) });
      batches.add(j.batchId);
    }
    if (j.lookup) {
      const scriptPath = v.joinHostPath(req.runDir, j.logDir, "job");
      // Runners with a batched lookup ask once for all these jobs (below), not once per job.
      if (batchedLookups && j.token) {
        batchedJobs.push({ key: j.key, token: j.token, scriptPath, ...named });
        continue;
      }
      const q = runner.lookupQuery({
        key: j.key,
        scriptPath,
        ...(j.token ? { token: j.token } : {}),
        ...named,
      });
      if (q?.kind === "proc-args") plan.lookups.push({ key: j.key, scriptPath: q.scriptPath });
      else if (q) {
        const id = `lookup-${lookupIds.size}`;
        lookupIds.set(id, j.key);
        queries.push({ id, spec: q.spec, tools: runnerTools(runner, "lookup") });
      }
    }
  }
  const lookupChunks = new Map<string, readonly LookupJob[]>();
  if (batchedJobs.length > 0 && runner.lookupsQuery)
    for (const q of runner.lookupsQuery(batchedJobs)) {
      const id = `lookups-${lookupChunks.size}`;
      lookupChunks.set(id, q.jobs);
      queries.push({ id, spec: q.spec, tools: runnerTools(runner, "lookup") });
    }
  let commandPoll = false;
  if (refs.length > 0) {
    const q = runner.pollQuery(refs);
    if (q.kind === "proc") plan.pids = q.pids;
    else {
      commandPoll = true;
      queries.push({ id: "poll", spec: q.spec, tools: runnerTools(runner, "poll") });
    }
  }
  // A set, not a find per job: 10,000 jobs made that search 50 million comparisons (0.4 s).
  const wantAcct = new Set(req.jobs.filter((j) => j.accounting).map((j) => j.key));
  const acctRefs = refs.filter((r) => wantAcct.has(r.key));
  if (runner.accounting && acctRefs.length > 0)
    queries.push({
      id: "accounting",
      spec: runner.accounting.query(acctRefs),
      tools: runnerTools(runner, "accounting"),
    });
  const asked =
    queries.length > 0 ? await queryBatch(t, { host: req.host, timeoutMs: req.timeoutMs, queries }) : null;
  const nonce = newNonce();
  const result = await runBatch(t, req.host, buildPollInput(plan, nonce), req.timeoutMs);
  const out = explained(t, readPollReply(req, runner, commandPoll ? [] : refs, result, nonce));
  if (!asked) return out;
  const lookups = { single: lookupIds, batched: lookupChunks };
  const merged = mergeQueryAnswers(out, asked, runner, refs, acctRefs, lookups, commandPoll);
  return accountingForNewlyGone(t, req, runner, merged, refs, acctRefs);
}

/**
 * Asks accounting, in this same round, about jobs the queue has just reported gone (they were not
 * asked: the manager asks only for jobs already seen gone) unless they plainly succeeded. A job's EXIT line does not always say
 * why it ended (a `scancel` can reach the job's command before the wrapper: ERR|143), and its
 * final verdict is taken at once: without this, the runner's word (cancelled, walltime, oom...)
 * would come one round too late. A failed look is no answer (the verdict then goes without it).
 */
async function accountingForNewlyGone(
  t: Transport,
  req: PollBatchRequest,
  runner: Runner,
  out: PollBatchOutcome,
  refs: readonly JobRef[],
  acctRefs: readonly JobRef[],
): Promise<PollBatchOutcome> {
  if (!runner.accounting || !out.completed || out.queryError) return out;
  const done = new Set(acctRefs.map((r) => r.key));
  const gone = refs.filter(
    (r) =>
      !done.has(r.key) &&
      !out.accounting?.has(r.key) &&
      out.queue.get(r.key)?.kind === "unlisted" &&
      !cleanSuccess(out, r.key),
  );
  if (gone.length === 0) return out;
  const spec = runner.accounting.query(gone);
  const asked = await queryBatch(t, {
    host: req.host,
    timeoutMs: req.timeoutMs,
    queries: [{ id: "accounting", spec, tools: runnerTools(runner, "accounting") }],
  });
  const parsed = parseAccounting(runner, asked.answers.get("accounting"), gone, asked.bootId ?? "");
  return parsed ? { ...out, accounting: new Map([...(out.accounting ?? []), ...parsed]) } : out;
}

/** The job's status file ends its last run with SUCCEEDED|0: nothing accounting could add. */
function cleanSuccess(out: PollBatchOutcome, key: string): boolean {
  const text = out.status.get(key);
  const exit = text ? parseStatusFile(text).exit : null;
  return exit !== null && exitSucceeded(exit);
}

/**
 * Kills jobs: guarded group kills for host-bound runners (TERM, then KILL after the grace), the
 * runner's kill command (scancel, qdel...) for the others.
 */
export async function killBatch(t: Transport, req: KillBatchRequest): Promise<KillBatchResult> {
  v.checkBase(req);
  v.checkUniqueKeys(req.jobs.map((j) => j.key));
  if (!(Number.isFinite(req.graceS) && req.graceS >= 0 && req.graceS <= 3600)) {
    throw new v.BatchRequestError(`batch request: graceS ${req.graceS} is not valid`);
  }
  const runner = getRunner(req.runner);
  const guarded: GuardedKill[] = [];
  const refused = new Map<string, KillOutcome>();
  const pids = new Map<string, string>();
  const commands: QuerySpec[] = [];
  const commandKeys: string[] = [];
  for (const j of req.jobs) {
    const action = runner.killAction({ key: j.key, jobId: j.jobId, runnerData: j.runnerData ?? {} });
    if (action.kind === "group") {
      guarded.push({ key: j.key, guard: action.guard });
      pids.set(j.key, action.guard.pid);
    } else if (action.kind === "command") {
      commands.push({ id: `kill-${commands.length}`, spec: action.spec, tools: runnerTools(runner, "kill") });
      commandKeys.push(j.key);
    } else {
      refused.set(j.key, { key: j.key, outcome: "failed", output: action.reason });
    }
  }
  if (commands.length === 0) return guardedKills(t, req, guarded, pids, refused);
  // Runner kill commands (scancel, qdel, bkill, atrm): one query program, one section each. The
  // guard program runs too only when some job needs a group kill: no empty login per kill round.
  const out = guarded.length > 0 ? await guardedKills(t, req, guarded, pids, refused) : null;
  const { answers, ...asked } = await queryBatch(t, {
    host: req.host,
    timeoutMs: req.timeoutMs,
    queries: commands,
  });
  const outcomes = new Map(out?.outcomes ?? refused);
  commands.forEach((q, i) => {
    const key = commandKeys[i] as string;
    const a = answers.get(q.id);
    const output = a ? (a.stdout + a.stderr).trim() : (asked.error ?? "no answer");
    outcomes.set(key, { key, outcome: a && a.rc === 0 ? "signalled" : "failed", output });
  });
  return { ...(out ?? asked), outcomes };
}

/** Runs the guard program: group kills checked against their guards (refusals ride along). */
async function guardedKills(
  t: Transport,
  req: KillBatchRequest,
  guarded: readonly GuardedKill[],
  pids: Map<string, string>,
  refused: Map<string, KillOutcome>,
): Promise<KillBatchResult> {
  const nonce = newNonce();
  const result = await runBatch(t, req.host, buildKillInput(guarded, req.graceS, nonce), req.timeoutMs);
  return explained(t, readKillReply(`kill on ${req.host}`, result, nonce, pids, refused));
}

export type { PollBatchOutcome } from "./poll-reply.js";

/** Sends a batch program with the login-shell canary in front of it. */
function runBatch(t: Transport, host: string, input: string, timeoutMs: number): Promise<CommandResult> {
  return t.runProgram(host, withCanary(input), { timeoutMs });
}

/** A batch that never started gets the clearest reason: the login shell, ssh, a missing tool. */
function explained<T extends BatchResultBase>(t: Transport, res: T): T {
  if (res.started) return res;
  const why = explainNotStarted(res.result, transportShell(t));
  return why ? { ...res, error: why } : res;
}

/** Runs runner commands (queue queries, accounting, lookups, kills) on a host, one section each. */
async function queryBatch(
  t: Transport,
  req: { host: string; timeoutMs: number; queries: QuerySpec[] },
): Promise<QueryBatchResult> {
  const nonce = newNonce();
  const result = await runBatch(t, req.host, buildQueryInput(req.queries, nonce), req.timeoutMs);
  return explained(t, readQueryReply(result, nonce));
}
