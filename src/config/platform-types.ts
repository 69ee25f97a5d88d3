/**
 * Platforms as configured (pure data): the user-wide platforms file and a job set's `platforms:`
 * section produce these; the manager builds live platforms (with transports) from them.
 */

/** Polling intervals in seconds; the last value of each list repeats. */
export interface PollingSpec {
  submission: number[];
  execution: number[];
  /** After a job's time limit has passed. */
  timeLimit: number[];
}

export interface PlatformSpec {
  name: string;
  /** One or more job hosts (ssh destinations as the user's ssh knows them); ["localhost"] for local. */
  hosts: string[];
  selection: "definition-order" | "random";
  /** Job runner: a built-in name, or the name of the runner `runnerModule` provides. */
  runner: string;
  /**
   * A site runner module (`runner_module:`): a path (relative to the file that defines the
   * platform) or a package name, loaded at run start; null for the built-in runners.
   */
  runnerModule: string | null;
  /** The runner's cluster (Slurm `-M`): every submit, poll, kill and accounting call names it. */
  cluster: string | null;
  /** Platforms with the same install target share a filesystem; default: the platform name. */
  installTarget: string;
  /** Where runs live on the hosts: absolute or `~/...`; default `~/drover-run`. */
  runRoot: string;
  /** How to reach the hosts: null = local processes (no SSH). */
  ssh: { command: string[]; options: string[] } | null;
  /** The login shell that reads the batch program: default ["bash", "-l", "-s"]. */
  shell: string[];
  rsync: { command: string[]; options: string[] };
  /** Folders beside the job set installed on each install target: default ["bin", "lib", "etc"]. */
  installIncludes: string[];
  /** Job logs copied back when a job ends; null = never (a shared filesystem needs none). */
  retrieveLogs: { maxSizeBytes: number; retryDelaysS: number[] } | null;
  /** Jobs per batch call; default 100. */
  maxBatch: number;
  /** SSH sessions in flight per host (below sshd's MaxSessions, 10 by default); default 8. */
  maxSessions: number;
  /** Live jobs at once on this platform; null = the default (localhost: CPUs x 4; else 100). */
  maxActive: number | null;
  /** auto: Drover opens the SSH master itself; manual: only `drover connect` does. */
  connect: "auto" | "manual";
  polling: PollingSpec;
  /**
   * Ceiling of runner queries (poll batches) per host and minute; due jobs beyond it wait for the
   * next slot. Default 30, raised to two per shortest polling interval when that asks for more.
   */
  maxPollsPerMinute: number;
  /** Default retry delays of jobs on this platform (a job's own `retries` win). */
  retryDelays: { submission: number[]; execution: number[] };
  /** Seconds a host stays marked bad after a failed connection; default 60. */
  badHostS: number;
  /** Seconds of SSH connect timeout; default 10. */
  connectTimeoutS: number;
  /** Seconds a batch call may take before it is cut; default 300. */
  batchTimeoutS: number;
  /** Seconds a job may stay unlisted with no exit line before a verdict; default 2 local, 10 remote. */
  unlistedGraceS: number;
  /** Seconds between TERM and KILL when Drover kills a job; default 10. */
  killGraceS: number;
  /** Fail and vacation signals the job wrapper traps. */
  failSignals: string[];
  vacationSignals: string[];
  /** Where the spec was defined, for error messages: "file:line" or "built-in". */
  origin: string;
}

export interface PlatformGroupSpec {
  name: string;
  platforms: string[];
  origin: string;
}

/** All platforms and groups known to a run: built-in localhost, user file, job set (job set wins). */
export interface PlatformCatalog {
  platforms: Map<string, PlatformSpec>;
  groups: Map<string, PlatformGroupSpec>;
}
