/**
 * The job runner interface, documented in one place (DESIGN.md, "Runner interface (pure)").
 *
 * A runner is a pure module: it builds command specs (data) and parses the text those commands
 * printed. It never runs a process; the batch program in `src/remote/` turns specs into quoted
 * shell once, runs them on the host for every job of a batch, and hands each runner its own output
 * back. Adding slurm, sge, pbs, lsf or at means writing one folder of such functions and
 * registering it in `registry.ts`.
 *
 * Site runners implement this same interface outside Drover: a platform's `runner_module:` names
 * a module (a path relative to the platform's file, or a package) whose default export is a
 * Runner or a function returning one, or whose `createRunner(options)` returns one; it is loaded
 * at run start, shape-checked and registered by `load-site-runner.ts` (a name of its own, no
 * clusters). `examples/runners/tsp-runner.js` is one, in plain JavaScript. Every runner, built in
 * or not, passes the behavioural suite of `test/runners/conformance.test.ts`. Rules the suite
 * checks beyond the types: directive lines are one-line comments and never set a reserved
 * directive; each word of a submit spec is one line (the submit program carries a word per line);
 * parsers never throw, and a failed, empty or cut reply is an error, never "jobs gone".
 */
import { DroverError } from "../errors.js";
import type { AccountingAnswer, LookupAnswer, QueueAnswer } from "../job/verdict-input.js";
import type { HostPath, RunnerData } from "../remote/batch-types.js";

/** What a runner can do; the manager and the verdict function read these, never the runner name. */
export interface RunnerCapabilities {
  /** Jobs can be polled and killed only on the host that started them (background, at). */
  hostBound: boolean;
  /** A kill reaches the job's whole process group (children included). */
  killsGroup: boolean;
  /** Job IDs may name a cluster (`12345;cluster2`, Slurm `-M`). */
  clusters: boolean;
  /** The runner keeps terminal states after a job leaves its queue (sacct, qacct, ...). */
  accounting: boolean;
  /** The queue can be searched by job name (the token is in the name). */
  jobNames: boolean;
}

/** One word of a command: literal text, or a path on the host (`~/x` expands to the home there). */
export type CommandArg = string | { path: HostPath };

/** Facts a PID must still match before anything trusts or signals it (PID reuse guard). */
export interface ProcessGuard {
  pid: string;
  /** Field 22 of `/proc/<pid>/stat` when the job started (clock ticks since boot). */
  start: string;
  /** `/proc/sys/kernel/random/boot_id` when the job started. */
  boot: string;
}

/**
 * A command as data. The batch program quotes every word once; stdin defaults to `/dev/null`
 * (every command gets an explicit stdin); stdout and stderr are captured when not redirected.
 */
export interface CommandSpec {
  argv: CommandArg[];
  stdin?: HostPath;
  stdout?: HostPath;
  stderr?: HostPath;
  /** Start in the background under `set -m` (own process group); the job ID is its PID. */
  detach?: boolean;
  /** Run only while this process still matches (host-bound runners). */
  guard?: ProcessGuard;
  /** Submit specs that are not detached: POSIX ERE whose first group is the job ID in the output. */
  idPattern?: string;
}

/** What a runner needs to know about a job to build its directives. */
export interface DirectiveJob {
  /** `name/NN`. */
  key: string;
  /** Runner job name (carries the token where the runner has names). */
  jobName: string;
  /** Absolute (or `~/`) paths of the job's stdout and stderr files. */
  stdout: HostPath;
  stderr: HostPath;
  timeLimitS: number | null;
  cluster: string | null;
}

/** One job to hand to the runner. */
export interface SubmitTarget {
  key: string;
  token: string;
  /** The job script on the host. */
  scriptPath: HostPath;
  stdout: HostPath;
  stderr: HostPath;
  timeLimitS: number | null;
}

/** What the batch program reports for one submit call. */
export interface SubmitReply {
  /** Exit code of the runner call (0 = accepted). */
  rc: number;
  /** The job ID the host extracted (`$!` for detached specs, `idPattern` otherwise); "" if none. */
  id: string;
  /** Start time of the process `id` (detached specs), "" when unknown. */
  start: string;
  /** The host's boot id. */
  boot: string;
  /** The runner call's output (not detached specs). */
  output: string;
}

/** The runner's reading of a submit reply. */
export interface ParsedSubmit {
  jobId: string | null;
  runnerData: RunnerData;
  error: string | null;
}

/** A job Drover asks the runner about (poll, kill, accounting). */
export interface JobRef {
  key: string;
  jobId: string;
  runnerData: RunnerData;
}

/** The raw answer of one query as the batch program returned it. */
export interface QueryReply {
  rc: number;
  text: string;
  /** The host's boot id when the query ran. */
  boot: string;
}

/**
 * How the batch program asks the queue about many jobs at once: one runner command, or (host-bound
 * runners) its own read of `/proc/<pid>/stat`, printed as lines `<pid> <state> <start>`
 * (`<pid> - -` when absent).
 */
export type PollQuery = { kind: "command"; spec: CommandSpec } | { kind: "proc"; pids: string[] };

/** A poll's reading: answers per job key, or a failed query (never read as "jobs gone"). */
export type ParsedPoll =
  | {
      ok: true;
      answers: Map<string, QueueAnswer>;
      /** Terminal states the queue itself still showed (Slurm within MinJobAge): no accounting call needed. */
      accounting?: Map<string, AccountingAnswer>;
    }
  | { ok: false; error: string };

/**
 * How to kill one job: a runner command, a guarded group kill done by the batch program (TERM to
 * the group, KILL after the grace to survivors, only when the guard matches), or a refusal.
 */
export type KillAction =
  | { kind: "command"; spec: CommandSpec }
  | { kind: "group"; guard: ProcessGuard }
  | { kind: "refuse"; reason: string };

/**
 * How to find a job whose submit reply was lost: by runner job name (command), or (background) a
 * live process whose command line holds the job script path, read from `ps -eo pid=,pgid=,args=`
 * and printed as lines `<pid> <pgid> <leader state> <leader start>`.
 */
export type LookupQuery =
  { kind: "command"; spec: CommandSpec } | { kind: "proc-args"; scriptPath: HostPath };

/** A lookup's reading, with the runner data of a found job so it can be polled and killed. */
export type ParsedLookup =
  { ok: true; answer: LookupAnswer; runnerData: RunnerData } | { ok: false; error: string };

/** A job to look up, with others, after a lost submit reply (batched lookups). */
export interface LookupJob {
  /** `name/NN`. */
  key: string;
  /** The submission's token (in the runner job name, or in the job text for at). */
  token: string;
  /** The job script on the host. */
  scriptPath: HostPath;
  /** The run's name, which starts every runner job name (`<run>.<job>.<token>`). */
  runName?: string;
}

/** One batched lookup command and the jobs its reply answers (`parseLookups` is handed them). */
export interface LookupsQuery {
  spec: CommandSpec;
  jobs: readonly LookupJob[];
}

/**
 * A batched lookup's reading: per job key, found (with the runner data to poll and kill it) or
 * not found. A job left out of the map has no answer this round (its verdict waits); a failed,
 * cut or garbled reply is an error and answers no job: never "not found".
 */
export type ParsedLookups = Map<string, { answer: LookupAnswer; runnerData: RunnerData }> | { error: string };

/**
 * The commands a runner runs on its job hosts, per use (plain command names, looked up on the login
 * PATH). Checked before a batch starts; a missing one fails the batch naming it and the host.
 */
export interface RunnerTools {
  submit?: readonly string[];
  poll?: readonly string[];
  kill?: readonly string[];
  accounting?: readonly string[];
  lookup?: readonly string[];
}

/** One job runner: pure builders and parsers. */
export interface Runner {
  readonly name: string;
  readonly capabilities: RunnerCapabilities;
  /** Commands needed on the job hosts (optional: site runners may leave it out). */
  readonly tools?: RunnerTools;
  /** Directive lines for the job script header (none for background). */
  directives(job: DirectiveJob): string[];
  /** The command that hands one job to the runner. */
  submitCommand(job: SubmitTarget): CommandSpec;
  /** Reads the batch program's report of one submit call. */
  parseSubmit(reply: SubmitReply): ParsedSubmit;
  /** One query for all jobs of a host. */
  pollQuery(jobs: readonly JobRef[]): PollQuery;
  /** Reads the query's answer; unknown runner states are errors that keep the raw text. */
  parsePoll(reply: QueryReply, jobs: readonly JobRef[]): ParsedPoll;
  /** How to kill one job. */
  killAction(job: JobRef): KillAction;
  /** Looking a job up after a lost submit reply; null when the runner cannot. */
  lookupQuery(job: {
    key: string;
    scriptPath: HostPath;
    token?: string;
    runName?: string;
  }): LookupQuery | null;
  /** Reads a lookup answer. */
  parseLookup(reply: QueryReply): ParsedLookup;
  /**
   * Optional batched lookup (give both or neither): the queries that look up every job of a poll
   * at once, so a poll costs one lookup command per host however many jobs lost their submit reply
   * (a per-job `squeue -t all` + `sacct` made 40 such jobs outlast the batch timeout). Usually one
   * query listing the user's jobs, matched by token locally in `parseLookups`; runners that pass
   * names or tokens as arguments split them into argv-sized chunks, one query each. A job in no
   * query is not looked up this round. When absent, the poll asks `lookupQuery` once per job.
   */
  lookupsQuery?(jobs: readonly LookupJob[]): LookupsQuery[];
  /** Reads the reply of one `lookupsQuery` query for its `jobs`; never throws. */
  parseLookups?(reply: QueryReply, jobs: readonly LookupJob[]): ParsedLookups;
  /** Accounting for jobs gone from the queue; absent when `capabilities.accounting` is false. */
  accounting?: {
    query(jobs: readonly JobRef[]): CommandSpec;
    parse(reply: QueryReply, jobs: readonly JobRef[]): Map<string, AccountingAnswer> | { error: string };
  };
}

/** A runner printed a state or line Drover does not know: a typed error that keeps the raw output. */
export class RunnerOutputError extends DroverError {
  readonly runner: string;
  readonly raw: string;
  constructor(runner: string, message: string, raw: string) {
    super(`${runner}: ${message}`, { transient: true });
    this.name = "RunnerOutputError";
    this.runner = runner;
    this.raw = raw;
  }
}
