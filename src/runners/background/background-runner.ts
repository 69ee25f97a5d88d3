/**
 * The background runner: jobs are plain processes started by the batch program under `set -m`.
 * The job ID is the PID of the outermost process, which is also its process group; its start time
 * and the host's boot id guard every later poll and kill against PID reuse.
 */
import type {
  CommandSpec,
  JobRef,
  ParsedLookup,
  ParsedPoll,
  ParsedSubmit,
  QueryReply,
  Runner,
} from "../runner.js";
import type { SubmitReply, SubmitTarget } from "../runner.js";
import type { QueueAnswer } from "../../job/verdict-input.js";
import { PID_PATTERN, isAlive, matchesRecord, parseProcLines } from "./proc-stat.js";

/** Options of the background runner. */
export interface BackgroundOptions {
  /** Seconds `timeout` waits after XCPU before KILL (`timeout -k GRACE`). */
  limitGraceS?: number;
}

/** Default grace between the time-limit signal and KILL. */
export const DEFAULT_LIMIT_GRACE_S = 30;

/** Builds the background runner. */
export function createBackgroundRunner(opts: BackgroundOptions = {}): Runner {
  const grace = opts.limitGraceS ?? DEFAULT_LIMIT_GRACE_S;
  if (!Number.isInteger(grace) || grace < 1)
    throw new RangeError("background: limitGraceS must be a positive integer");
  return {
    name: "background",
    capabilities: { hostBound: true, killsGroup: true, clusters: false, accounting: false, jobNames: false },
    directives: () => [],
    submitCommand: (job: SubmitTarget): CommandSpec => {
      const limit = job.timeLimitS;
      const head = limit === null ? [] : ["timeout", "-k", `${grace}s`, "--signal=XCPU", `${limit}s`];
      return {
        argv: [...head, "bash", { path: job.scriptPath }],
        stdin: "/dev/null",
        stdout: job.stdout,
        stderr: job.stderr,
        detach: true,
      };
    },
    parseSubmit: (r: SubmitReply): ParsedSubmit => {
      if (r.rc !== 0 || !PID_PATTERN.test(r.id)) {
        return {
          jobId: null,
          runnerData: {},
          error: `background start failed (rc=${r.rc}) ${r.output}`.trim(),
        };
      }
      return { jobId: r.id, runnerData: { start: r.start, boot: r.boot }, error: null };
    },
    pollQuery: (jobs) => ({ kind: "proc", pids: [...new Set(jobs.map((j) => j.jobId).filter(isPid))] }),
    parsePoll: (r: QueryReply, jobs: readonly JobRef[]): ParsedPoll => {
      if (r.rc !== 0) return { ok: false, error: `/proc check failed (rc=${r.rc}): ${r.text.slice(0, 500)}` };
      const facts = parseProcLines(r.text);
      if ("error" in facts) return { ok: false, error: facts.error };
      const answers = new Map<string, QueueAnswer>();
      for (const j of jobs) {
        if (!isPid(j.jobId)) {
          answers.set(j.key, { kind: "unlisted" });
          continue;
        }
        if (!facts.has(j.jobId)) return { ok: false, error: `no /proc answer for PID ${j.jobId}` };
        const hit = matchesRecord(facts.get(j.jobId), j.runnerData, r.boot);
        answers.set(j.key, hit ? { kind: "listed", runnerState: "running" } : { kind: "unlisted" });
      }
      return { ok: true, answers };
    },
    killAction: (j: JobRef) => {
      if (!isPid(j.jobId))
        return { kind: "refuse", reason: `not a background job ID: ${JSON.stringify(j.jobId)}` };
      const start = j.runnerData.start ?? "";
      if (start === "") return { kind: "refuse", reason: "no start time recorded: not signalled" };
      return { kind: "group", guard: { pid: j.jobId, start, boot: j.runnerData.boot ?? "" } };
    },
    lookupQuery: (job) => ({ kind: "proc-args", scriptPath: job.scriptPath }),
    parseLookup: (r: QueryReply): ParsedLookup => parseLookupLines(r),
  };
}

/** Reads `<pid> <pgid> <leader state> <leader start>` lines: the live group holding the script. */
function parseLookupLines(r: QueryReply): ParsedLookup {
  if (r.rc !== 0) return { ok: false, error: `ps failed (rc=${r.rc}): ${r.text.slice(0, 500)}` };
  const hits: { pid: string; pgid: string; state: string; start: string }[] = [];
  for (const line of r.text.split("\n")) {
    if (line === "") continue;
    const m = /^([0-9]+) ([0-9]+) (\S+) (\S+)$/.exec(line);
    if (!m) return { ok: false, error: `malformed lookup line: ${JSON.stringify(line.slice(0, 200))}` };
    hits.push({ pid: m[1] as string, pgid: m[2] as string, state: m[3] as string, start: m[4] as string });
  }
  // The group leader is the job ID; a live leader is required (a zombie group is a finished job).
  const live = hits.filter((h) => isAlive(h.state === "-" ? null : h));
  const best = live.find((h) => h.pid === h.pgid) ?? live[0];
  if (!best) return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
  return {
    ok: true,
    answer: { kind: "found", jobId: best.pgid },
    runnerData: { start: best.start, boot: r.boot },
  };
}

function isPid(s: string): boolean {
  return PID_PATTERN.test(s);
}

/** The background runner with default options. */
export const backgroundRunner: Runner = createBackgroundRunner();
