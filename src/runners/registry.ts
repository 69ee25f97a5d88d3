/**
 * The runners Drover knows by name. Built-in runners register here; site runners (loaded by path
 * or package name) are added with `registerRunner` and must pass the same conformance suite.
 */
import { UsageError } from "../errors.js";
import { backgroundRunner } from "./background/background-runner.js";
import type { Runner } from "./runner.js";

const runners = new Map<string, Runner>([["background", backgroundRunner]]);

/** The runner called `name`; a UsageError naming the known runners when there is none. */
export function getRunner(name: string): Runner {
  const r = runners.get(name);
  if (!r)
    throw new UsageError(
      `unknown job runner ${JSON.stringify(name)} (known: ${[...runners.keys()].join(", ")})`,
    );
  return r;
}

/** Adds (or replaces) a runner under its own name. */
export function registerRunner(runner: Runner): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(runner.name))
    throw new UsageError(`bad runner name ${JSON.stringify(runner.name)}`);
  runners.set(runner.name, runner);
}

/** Names of the registered runners. */
export function runnerNames(): string[] {
  return [...runners.keys()];
}
