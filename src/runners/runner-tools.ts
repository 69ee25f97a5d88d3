/**
 * The commands each runner needs on its job hosts, declared by the runner itself (`Runner.tools`)
 * rather than read from a command's first word, which is `sh` for the wrapped queries. The batch
 * programs check them before their start marker, so a host lacking `squeue` fails the batch with
 * a message naming the tool and the host instead of a confusing query failure.
 */
import type { Runner, RunnerTools } from "./runner.js";

/** The uses a runner's tools are declared for. */
export type ToolUse = keyof RunnerTools;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,99}$/;

/**
 * The tools `runner` declares for `use`; for "submit", every tool the runner declares (a job that
 * could be submitted but never polled or killed is better refused at once). Names that are not
 * plain command names are dropped (site runners are not trusted to send shell text).
 */
export function runnerTools(runner: Pick<Runner, "tools">, use: ToolUse): string[] {
  const t = runner.tools;
  if (!t) return [];
  const lists = use === "submit" ? Object.values(t) : [t[use]];
  const out = new Set<string>();
  for (const list of lists) for (const name of list ?? []) if (NAME.test(name)) out.add(name);
  return [...out];
}

/** Every tool `runner` declares, for `drover check`. */
export function allRunnerTools(runner: Pick<Runner, "tools">): string[] {
  return runnerTools(runner, "submit");
}
