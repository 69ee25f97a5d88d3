/**
 * The runners Drover knows by name. Built-in runners register here; site runners (loaded by path
 * or package name) are added with `registerRunner` and must pass the same conformance suite.
 * A runner bound to a cluster is asked for as `NAME@CLUSTER` (`slurm@cluster2`): one instance per
 * cluster, made on first use.
 */
import { UsageError } from "../errors.js";
import { backgroundRunner } from "./background/background-runner.js";
import { createAtRunner } from "./at/at-runner.js";
import { createLsfRunner } from "./lsf/lsf-runner.js";
import { createPbsRunner } from "./pbs/pbs-runner.js";
import { createSgeRunner } from "./sge/sge-runner.js";
import { createSlurmRunner } from "./slurm/slurm-runner.js";
import type { Runner } from "./runner.js";

/** Built-in runners that take a cluster, by name. */
const WITH_CLUSTER: Record<string, (cluster: string) => Runner> = {
  slurm: (cluster) => createSlurmRunner({ cluster }),
};

const runners = new Map<string, Runner>([
  ["background", backgroundRunner],
  ["slurm", createSlurmRunner()],
  ["sge", createSgeRunner()],
  ["at", createAtRunner()],
  ["pbs", createPbsRunner()],
  ["lsf", createLsfRunner()],
]);

/** The runner called `name` (or `name@cluster`); a UsageError naming the known runners otherwise. */
export function getRunner(name: string): Runner {
  const known = runners.get(name);
  if (known) return known;
  const at = name.indexOf("@");
  const make = at > 0 ? WITH_CLUSTER[name.slice(0, at)] : undefined;
  if (make) {
    const r = make(name.slice(at + 1));
    runners.set(name, r);
    return r;
  }
  throw new UsageError(
    `unknown job runner ${JSON.stringify(name)} (known: ${[...runners.keys()].filter((n) => !n.includes("@")).join(", ")})`,
  );
}

/** The registry key of a platform's runner: `NAME`, or `NAME@CLUSTER` when it names a cluster. */
export function runnerKey(runner: string, cluster: string | null): string {
  if (cluster === null) return runner;
  if (!WITH_CLUSTER[runner])
    throw new UsageError(`runner ${runner} does not take a cluster (cluster: ${cluster})`);
  return `${runner}@${cluster}`;
}

/** Adds (or replaces) a runner under its own name. */
export function registerRunner(runner: Runner): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(runner.name))
    throw new UsageError(`bad runner name ${JSON.stringify(runner.name)}`);
  runners.set(runner.name, runner);
}

/** Names of the registered runners. */
export function runnerNames(): string[] {
  return [...runners.keys()].filter((n) => !n.includes("@"));
}
