/**
 * Drover's real SSH test hosts (started by test/hosts/start-ssh-hosts.sh, as root) and the
 * mount namespace that keeps the scheduler side away from the job user's files.
 *
 * Hosts: `drover-test-a` (127.0.0.1:2222), `drover-test-b` (10.78.0.11, netns drv-b),
 * `drover-test-c` (10.78.0.12, netns drv-c); each `…-rsync` alias uses a key forced through
 * rrsync. All three share the job user's home (like an NFS home on a cluster).
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPTS = join(ROOT, "test", "hosts");

/** A test host's short name. */
export type HostName = "a" | "b" | "c";

/** What `hostCtl` can do to a host (see test/hosts/host-ctl.sh for each). */
export type HostAction = "stop" | "start" | "crash" | "cut" | "restore" | "rekey" | "unrekey";

const HOST_NAMES: readonly HostName[] = ["a", "b", "c"];
const HOST_ACTIONS: readonly HostAction[] = ["stop", "start", "crash", "cut", "restore", "rekey", "unrekey"];

/** The running test hosts: pass `sshConfig` with `ssh -F` and use the aliases as host names. */
export interface SshHosts {
  /** Absolute path of the generated ssh_config. */
  sshConfig: string;
  /** Full-login aliases (user drvjob, key-only, strict host keys, BatchMode). */
  hosts: Record<HostName, string>;
  /** Aliases whose key only runs rsync, confined to the job home by rrsync. */
  rsyncHosts: Record<HostName, string>;
  jobUser: string;
  jobHome: string;
  /** Absolute path of the checkout's .hosts/ folder (keys, known_hosts, logs). */
  hostsDir: string;
}

/** What a finished child process left. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of `runHidingJobHome`. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

const JOB_USER = "drvjob";
const JOB_HOME = "/home/drvjob";
const hostsDir = join(ROOT, ".hosts");
let started: SshHosts | undefined;

function runScript(script: string, args: string[], timeoutMs: number): RunResult {
  const r = spawnSync("bash", [join(SCRIPTS, script), ...args], { encoding: "utf8", timeout: timeoutMs });
  if (r.error) throw new Error(`${script} ${args.join(" ")} could not run: ${r.error.message}`);
  const result = { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  if (result.code !== 0) {
    throw new Error(
      `${script} ${args.join(" ")} failed (${result.code ?? result.signal}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result;
}

function requireRoot(): void {
  // The scripts create a user, namespaces and listeners: CI runs tests as root, so must we.
  if (process.getuid?.() !== 0) throw new Error("the SSH test hosts need root (tests run as root, like CI)");
}

/**
 * Starts the three SSH test hosts once per process (installing packages on a fresh machine) and
 * brings each to its normal state: up, not cut, original host key. Throws with the script's
 * output when they cannot start.
 */
export function ensureSshHosts(): SshHosts {
  if (started) return started;
  requireRoot();
  runScript("start-ssh-hosts.sh", [], 300_000);
  const alias = (suffix: string) => ({
    a: `drover-test-a${suffix}`,
    b: `drover-test-b${suffix}`,
    c: `drover-test-c${suffix}`,
  });
  started = {
    sshConfig: join(hostsDir, "ssh_config"),
    hosts: alias(""),
    rsyncHosts: alias("-rsync"),
    jobUser: JOB_USER,
    jobHome: JOB_HOME,
    hostsDir,
  };
  return started;
}

/** Stops, starts, cuts, restores, rekeys or unrekeys one host (test/hosts/host-ctl.sh). */
export function hostCtl(action: HostAction, name: HostName): void {
  // Callers may pass strings from test tables: check them before they reach a command line.
  if (!HOST_ACTIONS.includes(action)) throw new Error(`unknown host action: ${String(action)}`);
  if (!HOST_NAMES.includes(name)) throw new Error(`unknown test host: ${String(name)}`);
  requireRoot();
  runScript("host-ctl.sh", [action, name], 60_000);
}

/**
 * The argv that runs `argv` in a new mount namespace where the job user's home is an empty
 * tmpfs: the command (Drover) can reach the job files only through SSH or rsync, while the
 * sshds, in the original namespace, still serve the real home.
 */
export function hidingJobHomeArgv(argv: readonly string[]): string[] {
  if (argv.length === 0) throw new Error("hidingJobHomeArgv needs a command");
  for (const a of argv) {
    if (typeof a !== "string" || a.includes("\0")) throw new Error(`bad argument: ${JSON.stringify(a)}`);
  }
  // The command travels as "$@", never as shell text; unshare -m makes the mount private.
  const script = `mount -t tmpfs -o mode=0700 none ${JOB_HOME} && exec "$@"`;
  return ["unshare", "-m", "sh", "-c", script, "sh", ...argv];
}

/** Runs `argv` to completion with the job user's home hidden (see `hidingJobHomeArgv`). */
export function runHidingJobHome(argv: readonly string[], opts: RunOptions = {}): RunResult {
  const full = hidingJobHomeArgv(argv);
  const r = spawnSync("unshare", full.slice(1), {
    encoding: "utf8",
    cwd: opts.cwd,
    env: opts.env,
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
  });
  if (r.error && r.status === null && r.signal === null) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
