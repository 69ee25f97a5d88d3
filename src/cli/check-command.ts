/**
 * `drover check PLATFORM [JOBSET] [--json]`: connects to every host of a platform (or of each
 * member of a group) and reports the tools the runner needs, the login shell, rsync on both ends,
 * the clock skew, a writable run root and whether that run root is this machine's, with the time
 * of each step. Exit 0 when every host passes (warnings allowed), 1 otherwise.
 */
import { loadJobSet, loadPlatformCatalog, platformChoices } from "../config/index.js";
import type { PlatformSpec } from "../config/platform-types.js";
import { DroverError, UsageError } from "../errors.js";
import { platformFor } from "../manager/platform-registry.js";
import { droverHome } from "../manager/run-paths.js";
import { getRunner } from "../runners/registry.js";
import { allRunnerTools } from "../runners/runner-tools.js";
import { parseArgs } from "./args.js";
import { checkPlatformHost, localRsyncVersion } from "./check-host-steps.js";
import { formatHostReport, hostJson, judgeHost, type HostFacts } from "./check-report.js";
import type { Out } from "./out.js";

const USAGE = "usage: drover check PLATFORM [JOBSET] [--json]";

/** What every runner's hosts need: the batch program's own tools. */
const COMMON_TOOLS: readonly string[] = ["bash", "awk", "ps", "mkdir", "rsync", "base64"];

/** What the background runner needs besides them: `timeout` for time limits. */
const BACKGROUND_TOOLS: readonly string[] = ["timeout"];

/**
 * The tools to check on a platform's hosts, and whether its runner's list is known (a built-in
 * runner, or a site runner that declares `tools`). A platform with run root "" (localhost) copies
 * no files, so it needs no rsync.
 */
export function requiredTools(spec: Pick<PlatformSpec, "runner" | "runRoot">): {
  tools: string[];
  known: boolean;
} {
  let own: readonly string[] | null = null;
  if (spec.runner === "background") own = BACKGROUND_TOOLS;
  else {
    try {
      const runner = getRunner(spec.runner);
      if (runner.tools) own = allRunnerTools(runner);
    } catch {
      // A site runner module is not loaded here: only the common tools are checked.
    }
  }
  // The runner's own tools go right after the shell tools it runs with (a stable order to read).
  const tools = [...new Set([...COMMON_TOOLS.slice(0, 3), ...(own ?? []), ...COMMON_TOOLS.slice(3)])];
  return {
    tools: spec.runRoot === "" ? tools.filter((t) => t !== "rsync") : tools,
    known: own !== null,
  };
}

/** Runs the check; resolves the exit code. Bad arguments and config throw (main prints them). */
export async function checkCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, { booleans: ["--json"] }, "check");
  const [name, file, extra] = a.positional;
  if (name === undefined || extra !== undefined) throw new UsageError(USAGE);
  const jobSet = file === undefined ? undefined : loadJobSet(file);
  const catalog = loadPlatformCatalog({ jobSet });
  const specs = platformChoices(catalog, name);
  if (specs.length === 0) {
    const known = [...catalog.platforms.keys(), ...catalog.groups.keys()].join(", ");
    throw new UsageError(`check: unknown platform "${name}" (known: ${known})`);
  }
  const localRsync = await localRsyncVersion();
  const jobs = specs.flatMap((spec) => spec.hosts.map((host) => checkOne(spec, host, localRsync)));
  const checked = (await Promise.all(jobs)).map((f) => ({ facts: f, problems: judgeHost(f) }));
  const passed = checked.filter((c) => !c.problems.some((p) => p.level === "fail")).length;
  const ok = passed === checked.length;
  if (a.flags.has("--json")) {
    out.print(
      JSON.stringify({ platform: name, ok, hosts: checked.map((c) => hostJson(c.facts, c.problems)) }),
    );
    return ok ? 0 : 1;
  }
  for (const c of checked) out.print(formatHostReport(c.facts, c.problems).join("\n") + "\n");
  out.print(`check ${name}: ${passed} of ${checked.length} host${checked.length === 1 ? "" : "s"} passed`);
  return ok ? 0 : 1;
}

/** One host's facts; an error thrown for bad input (a host name ssh refuses) becomes a failure. */
async function checkOne(spec: PlatformSpec, host: string, localRsync: string | null): Promise<HostFacts> {
  const { tools, known } = requiredTools(spec);
  const runRoot = spec.runRoot === "" ? droverHome() : spec.runRoot;
  try {
    const p = platformFor(spec);
    return await checkPlatformHost(p, host, { tools, runnerKnown: known, runRoot, localRsync });
  } catch (err) {
    if (!(err instanceof DroverError)) throw err;
    return {
      platform: spec.name,
      host,
      transport: spec.ssh ? "ssh" : "local",
      runRoot,
      tools,
      runnerKnown: known,
      runner: spec.runner,
      steps: [],
      connectError: err.message,
      check: null,
      localRsync,
      rsyncProbe: null,
      sharedBy: "marker",
    };
  }
}
