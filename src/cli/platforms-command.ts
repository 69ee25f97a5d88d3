/**
 * `drover platforms [JOBSET] [--json]`: the platforms and groups a run can use: built-in localhost,
 * the user file (`$DROVER_PLATFORMS` or `~/.config/drover/platforms.yaml`) and, when given, a job
 * set's own sections (which win).
 */
import { UsageError } from "../errors.js";
import {
  checkJobPlatforms,
  loadJobSet,
  loadPlatformCatalog,
  userPlatformsPath,
  type PlatformCatalog,
  type PlatformSpec,
} from "../config/index.js";
import { parseArgs } from "./args.js";
import { formatTable } from "./format-table.js";
import type { Out } from "./out.js";

const USAGE = "usage: drover platforms [JOBSET] [--json]";

/** The JSON object of one platform: every setting, snake_case as in the platform file, times in seconds. */
export function platformJson(p: PlatformSpec) {
  return {
    name: p.name,
    hosts: p.hosts,
    selection: p.selection,
    runner: p.runner,
    install_target: p.installTarget,
    run_root: p.runRoot,
    ssh: p.ssh,
    shell: p.shell,
    rsync: p.rsync,
    install: p.installIncludes,
    retrieve_logs: p.retrieveLogs && {
      max_size_bytes: p.retrieveLogs.maxSizeBytes,
      retry_delays_s: p.retrieveLogs.retryDelaysS,
    },
    max_batch: p.maxBatch,
    max_sessions: p.maxSessions,
    max_active: p.maxActive,
    connect: p.connect,
    polling_s: {
      submission: p.polling.submission,
      execution: p.polling.execution,
      time_limit: p.polling.timeLimit,
    },
    max_polls_per_minute: p.maxPollsPerMinute,
    retries_s: p.retryDelays,
    bad_host_time_s: p.badHostS,
    connect_timeout_s: p.connectTimeoutS,
    batch_timeout_s: p.batchTimeoutS,
    unlisted_grace_s: p.unlistedGraceS,
    kill_grace_s: p.killGraceS,
    signals: { fail: p.failSignals, vacation: p.vacationSignals },
    origin: p.origin,
  };
}

/** Lists the platforms and groups; throws ConfigError or UsageError (main prints them). */
export async function platformsCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, { booleans: ["--json"] }, "platforms");
  if (a.positional.length > 1) throw new UsageError(USAGE);
  const file = a.positional[0];
  const jobSet = file === undefined ? undefined : loadJobSet(file);
  const catalog = loadPlatformCatalog({ jobSet });
  if (jobSet) checkJobPlatforms(jobSet, catalog);
  if (a.flags.has("--json")) {
    out.print(
      JSON.stringify({
        user_file: userPlatformsPath().path,
        platforms: [...catalog.platforms.values()].map(platformJson),
        groups: [...catalog.groups.values()],
      }),
    );
    return 0;
  }
  printTables(catalog, out);
  return 0;
}

function printTables(catalog: PlatformCatalog, out: Out): void {
  const rows = [...catalog.platforms.values()].map((p) => [
    p.name,
    p.hosts.join(","),
    p.runner,
    p.installTarget,
    // localhost runs in the run directory itself.
    p.runRoot === "" ? "(run dir)" : p.runRoot,
    p.ssh === null ? "local" : p.connect,
    p.origin,
  ]);
  out.print(
    formatTable(["PLATFORM", "HOSTS", "RUNNER", "INSTALL TARGET", "RUN ROOT", "CONNECT", "ORIGIN"], rows),
  );
  if (catalog.groups.size === 0) return;
  out.print("");
  const groups = [...catalog.groups.values()].map((g) => [g.name, g.platforms.join(","), g.origin]);
  out.print(formatTable(["GROUP", "PLATFORMS", "ORIGIN"], groups));
}
