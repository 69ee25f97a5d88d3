/**
 * Drover's real job-runner test hosts: two Slurm 22.05 clusters with slurmdbd, Grid Engine 8.1.9
 * and atd, started as root by the scripts in test/hosts/ and used as the job user `drvjob`
 * through the SSH test host `drover-test-a` (see test/helpers/hosts.ts).
 *
 * Cluster `drvslurm` runs on this machine with a short MinJobAge (finished jobs leave squeue
 * within MinJobAge plus slurmctld's purge pass, at most 60 s more; then only sacct knows them);
 * `drvslurm2` runs in host b's network namespace and is reached with `-M drvslurm2`.
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSshHosts, type SshHosts } from "./hosts.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPTS = join(ROOT, "test", "hosts");

/** The two Slurm clusters, in the order `clusters` lists them. */
export type SlurmCluster = "drvslurm" | "drvslurm2";

/** What `runnerCtl` can do (see test/hosts/runner-ctl.sh for each). */
export type RunnerAction =
  | "munge-stop"
  | "munge-start"
  | "slurmctld-stop"
  | "slurmctld-start"
  | "status"
  | "stop-slurm"
  | "stop-sge"
  | "stop-atd"
  | "stop-all";

const RUNNER_ACTIONS: readonly RunnerAction[] = [
  "munge-stop",
  "munge-start",
  "slurmctld-stop",
  "slurmctld-start",
  "status",
  "stop-slurm",
  "stop-sge",
  "stop-atd",
  "stop-all",
];
const CLUSTERS: readonly SlurmCluster[] = ["drvslurm", "drvslurm2"];

/** Where the runner hosts are reached from: the SSH test host, as the job user. */
interface RunnerHostBase {
  /** The SSH test hosts (config path, aliases, job user). */
  ssh: SshHosts;
  /** The alias to run the runner's commands on: `drover-test-a`. */
  host: string;
}

/** The running Slurm clusters. */
export interface SlurmHosts extends RunnerHostBase {
  /** Both cluster names; the first is the default one of `drover-test-a` (no `-M`). */
  clusters: readonly ["drvslurm", "drvslurm2"];
  /** MinJobAge of `drvslurm` in seconds: how long a finished job stays in squeue at least. */
  minJobAgeS: 10;
  /** MinJobAge per cluster (drvslurm2 keeps finished jobs for an hour). */
  minJobAge: Record<SlurmCluster, number>;
  /** slurmctld purges finished jobs in a pass every 60 s: the most a job outstays MinJobAge. */
  purgeIntervalS: 60;
  /** Each cluster's single partition (the default) and node. */
  partitions: Record<SlurmCluster, string>;
  nodes: Record<SlurmCluster, string>;
  /** CPUs per node (more than the machine has: ~20 one-CPU jobs run at once). */
  cpus: number;
  /** The accounting account the job user submits under on both clusters. */
  account: string;
  /** Seconds a requeued job waits before it may start again (credential lifetime). */
  requeueDelayS: number;
}

/** The running Grid Engine cell. */
export interface SgeHost extends RunnerHostBase {
  sgeRoot: string;
  sgeCell: string;
  queue: string;
  slots: number;
}

/** The running atd. */
export interface AtHost extends RunnerHostBase {
  /** at's queue letter for `at`; `=` in atq marks a running job. */
  queue: "a";
}

let slurm: SlurmHosts | undefined;
let sge: SgeHost | undefined;
let atd: AtHost | undefined;

function requireRoot(): void {
  // The scripts start daemons and install packages: CI runs tests as root, so must we.
  if (process.getuid?.() !== 0)
    throw new Error("the runner test hosts need root (tests run as root, like CI)");
}

/** Runs one script of test/hosts/; throws with its output when it fails. Returns stdout. */
function runScript(script: string, args: string[], timeoutMs: number): string {
  const r = spawnSync("bash", [join(SCRIPTS, script), ...args], { encoding: "utf8", timeout: timeoutMs });
  if (r.error) throw new Error(`${script} ${args.join(" ")} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${script} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

/** Starts (once per process) munge, MariaDB, slurmdbd and both clusters; installs what is missing. */
export function ensureSlurm(): SlurmHosts {
  if (slurm) return slurm;
  requireRoot();
  runScript("start-slurm-hosts.sh", [], 600_000);
  const ssh = ensureSshHosts();
  slurm = {
    ssh,
    host: ssh.hosts.a,
    clusters: ["drvslurm", "drvslurm2"],
    minJobAgeS: 10,
    minJobAge: { drvslurm: 10, drvslurm2: 3600 },
    purgeIntervalS: 60,
    partitions: { drvslurm: "drv1", drvslurm2: "drv2" },
    nodes: { drvslurm: "drv1n1", drvslurm2: "drv2n1" },
    cpus: 24,
    account: "drover",
    requeueDelayS: 10,
  };
  return slurm;
}

/** Starts (once per process) sge_qmaster and sge_execd with queue all.q; installs what is missing. */
export function ensureSge(): SgeHost {
  if (sge) return sge;
  requireRoot();
  runScript("start-sge-host.sh", [], 600_000);
  const ssh = ensureSshHosts();
  sge = {
    ssh,
    host: ssh.hosts.a,
    sgeRoot: "/var/lib/gridengine",
    sgeCell: "default",
    queue: "all.q",
    slots: 24,
  };
  return sge;
}

/** Starts (once per process) atd with `-b 0 -l 10`; installs `at` when missing. */
export function ensureAtd(): AtHost {
  if (atd) return atd;
  requireRoot();
  runScript("start-atd.sh", [], 600_000);
  const ssh = ensureSshHosts();
  atd = { ssh, host: ssh.hosts.a, queue: "a" };
  return atd;
}

/**
 * Breaks, mends or reports on the runner hosts (test/hosts/runner-ctl.sh); `cluster` picks the
 * slurmctld for `slurmctld-stop`/`-start` (default drvslurm). Returns the script's output.
 */
export function runnerCtl(action: RunnerAction, cluster: SlurmCluster = "drvslurm"): string {
  // Callers may pass strings from test tables: check them before they reach a command line.
  if (!RUNNER_ACTIONS.includes(action)) throw new Error(`unknown runner action: ${String(action)}`);
  if (!CLUSTERS.includes(cluster)) throw new Error(`unknown Slurm cluster: ${String(cluster)}`);
  requireRoot();
  return runScript("runner-ctl.sh", [action, cluster], 120_000);
}
