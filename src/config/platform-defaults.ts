/**
 * The built-in `localhost` platform and the defaults of every other platform, and how a platform
 * as written (every key optional) becomes a full PlatformSpec.
 *
 * Remote defaults, chosen for shared HPC login nodes and batch schedulers:
 * - polling: a new submission is looked at after 10 s (most submit-time failures show at once),
 *   then every minute; a running job after 10 s, 1 min, then every 5 min (messages from jobs make
 *   polling a safety net, and schedulers dislike tight query loops); once a job's time limit has
 *   passed, after 10 s, 30 s, then every minute (the runner ends it within its grace).
 * - retries: submissions 30 s, 2 min, 10 min (a busy controller or a dropped login usually
 *   recovers); executions none (a failing job reruns only when its job set asks).
 * - logs: copied back when a job ends, files up to 10 MiB whole, retried after 5 s, 30 s, 60 s.
 * - 100 jobs per batch call, 8 SSH sessions per host (stock sshd allows 10), hosts marked bad for
 *   1 min, SSH connect timeout 10 s, a batch call cut after 5 min, a job unlisted without an exit
 *   line judged after 10 s (queues and NFS lag), 10 s between TERM and KILL.
 * - at most 30 runner queries per host and minute (a shared controller serves many users), raised
 *   to two per shortest polling interval when a platform asks for faster polling itself.
 */
import type { PlatformSpec, PollingSpec } from "./platform-types.js";
import type { PlatformInput } from "./platforms-schema.js";

/** Runner names the schema accepts without a `runner_module`. */
export const BUILTIN_RUNNERS: readonly string[] = ["background", "at", "slurm", "sge", "pbs", "lsf"];

/** Names a site runner (`runner_module:`) may have: what the runner registry accepts. */
export const SITE_RUNNER_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Where runs live on a remote host unless `run_root` says otherwise. */
export const DEFAULT_RUN_ROOT = "~/drover-run";

/** Name of the built-in platform. */
export const LOCALHOST = "localhost";

/** The only keys a platform file may set for `localhost` (YAML spelling): its tuning. */
export const LOCALHOST_TUNING_KEYS: readonly string[] = [
  "polling",
  "max_active",
  "max_batch",
  "retries",
  "unlisted_grace",
  "kill_grace",
  "batch_timeout",
  "signals",
  "max_polls_per_minute",
];

/** Runner queries per host and minute unless the platform's own polling asks for more. */
export const DEFAULT_MAX_POLLS_PER_MINUTE = 30;

/**
 * The default query ceiling for a polling schedule: 30 a minute, or two per shortest interval when
 * that is more (a platform polling every second asked for it; the ceiling then caps bursts).
 */
export function defaultPollCeiling(polling: PollingSpec): number {
  const all = [...polling.submission, ...polling.execution, ...polling.timeLimit];
  const shortest = Math.max(0.05, Math.min(...all, 60));
  return Math.max(DEFAULT_MAX_POLLS_PER_MINUTE, Math.ceil((2 * 60) / shortest));
}

const DEFAULT_SIGNALS = { fail: ["ERR", "TERM", "XCPU", "INT", "HUP"], vacation: ["USR1"] };

/** The settings every platform shares unless it says otherwise (remote defaults). */
function commonDefaults(): Omit<PlatformSpec, "name" | "hosts" | "installTarget" | "origin"> {
  return {
    selection: "definition-order",
    runner: "background",
    runnerModule: null,
    cluster: null,
    runRoot: DEFAULT_RUN_ROOT,
    ssh: { command: ["ssh"], options: [] },
    shell: ["bash", "-l", "-s"],
    rsync: { command: ["rsync"], options: [] },
    installIncludes: ["bin", "lib", "etc"],
    retrieveLogs: { maxSizeBytes: 10 * 1024 * 1024, retryDelaysS: [5, 30, 60] },
    maxBatch: 100,
    maxSessions: 8,
    maxActive: null,
    connect: "auto",
    polling: { submission: [10, 60], execution: [10, 60, 300], timeLimit: [10, 30, 60] },
    maxPollsPerMinute: DEFAULT_MAX_POLLS_PER_MINUTE,
    retryDelays: { submission: [30, 120, 600], execution: [] },
    badHostS: 60,
    connectTimeoutS: 10,
    batchTimeoutS: 300,
    unlistedGraceS: 10,
    killGraceS: 10,
    failSignals: [...DEFAULT_SIGNALS.fail],
    vacationSignals: [...DEFAULT_SIGNALS.vacation],
  };
}

/** A remote platform of that name with every default (hosts still to be given). */
export function remoteDefaults(name: string): PlatformSpec {
  return { name, hosts: [], installTarget: name, ...commonDefaults(), origin: "built-in" };
}

/**
 * The built-in localhost: local processes (no SSH), background runner, no install step, no log
 * retrieval; run root "" means the run directory itself. Polls are cheap locally, hence seconds;
 * maxActive null lets the manager apply CPUs x 4.
 */
export function localhostSpec(): PlatformSpec {
  return {
    ...commonDefaults(),
    name: LOCALHOST,
    hosts: [LOCALHOST],
    installTarget: LOCALHOST,
    runRoot: "",
    ssh: null,
    installIncludes: [],
    retrieveLogs: null,
    polling: { submission: [1, 2, 5], execution: [1, 1, 2, 3, 5, 10], timeLimit: [1, 2, 5] },
    maxPollsPerMinute: 120,
    retryDelays: { submission: [], execution: [] },
    unlistedGraceS: 2,
    origin: "built-in",
  };
}

const given = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);

/**
 * A full spec from a platform as written: the keys given replace the defaults (localhost's own for
 * `localhost`), nested lists one by one. The schema has already refused what may not be set.
 */
export function applyPlatformDefaults(name: string, input: PlatformInput, origin: string): PlatformSpec {
  const base = name === LOCALHOST ? localhostSpec() : remoteDefaults(name);
  const logs = input.retrieveLogs;
  const baseLogs = base.retrieveLogs ?? commonDefaults().retrieveLogs!;
  const polling: PollingSpec = {
    submission: given(input.polling?.submission, base.polling.submission),
    execution: given(input.polling?.execution, base.polling.execution),
    timeLimit: given(input.polling?.timeLimit, base.polling.timeLimit),
  };
  return {
    name,
    hosts: given(input.hosts, base.hosts),
    selection: given(input.selection, base.selection),
    runner: given(input.runner, base.runner),
    runnerModule: given(input.runnerModule, base.runnerModule),
    cluster: given(input.cluster, base.cluster),
    installTarget: given(input.installTarget, base.installTarget),
    runRoot: given(input.runRoot, base.runRoot),
    ssh:
      input.ssh === undefined || input.ssh === null
        ? given(input.ssh, base.ssh)
        : { command: given(input.ssh.command, ["ssh"]), options: given(input.ssh.options, []) },
    shell: given(input.shell, base.shell),
    rsync: {
      command: given(input.rsync?.command, base.rsync.command),
      options: given(input.rsync?.options, base.rsync.options),
    },
    installIncludes: given(input.installIncludes, base.installIncludes),
    retrieveLogs:
      logs === undefined || logs === null
        ? given(logs, base.retrieveLogs)
        : {
            maxSizeBytes: given(logs.maxSizeBytes, baseLogs.maxSizeBytes),
            retryDelaysS: given(logs.retryDelaysS, baseLogs.retryDelaysS),
          },
    maxBatch: given(input.maxBatch, base.maxBatch),
    maxSessions: given(input.maxSessions, base.maxSessions),
    maxActive: given(input.maxActive, base.maxActive),
    connect: given(input.connect, base.connect),
    polling,
    // The ceiling follows the schedule actually used, unless given.
    maxPollsPerMinute: given(input.maxPollsPerMinute, defaultPollCeiling(polling)),
    retryDelays: {
      submission: given(input.retryDelays?.submission, base.retryDelays.submission),
      execution: given(input.retryDelays?.execution, base.retryDelays.execution),
    },
    badHostS: given(input.badHostS, base.badHostS),
    connectTimeoutS: given(input.connectTimeoutS, base.connectTimeoutS),
    batchTimeoutS: given(input.batchTimeoutS, base.batchTimeoutS),
    unlistedGraceS: given(input.unlistedGraceS, base.unlistedGraceS),
    killGraceS: given(input.killGraceS, base.killGraceS),
    failSignals: given(input.signals?.fail, base.failSignals),
    vacationSignals: given(input.signals?.vacation, base.vacationSignals),
    origin,
  };
}
