/**
 * The platforms a run uses: built from the platform catalog (built-in localhost, the user's
 * platforms file, the job set's own section). Live platforms are cached per process by their
 * spec, so runs and commands of one process share transports (and SSH session limits).
 */
import { checkJobPlatforms, loadPlatformCatalog, platformChoices, type JobSet } from "../config/index.js";
import type { PlatformCatalog, PlatformSpec } from "../config/platform-types.js";
import { localhostSpec } from "../config/platform-defaults.js";
import { ConfigError } from "../errors.js";
import { loadSiteRunners } from "../runners/load-site-runner.js";
import { runnerNames } from "../runners/registry.js";
import { buildPlatform, type Platform } from "./platform.js";

/** Runners Drover can drive today. */
export const SUPPORTED_RUNNERS: ReadonlySet<string> = new Set([
  "background",
  "slurm",
  "sge",
  "at",
  "pbs",
  "lsf",
]);

const cache = new Map<string, Platform>();

/** True when Drover can drive the spec's runner: built in, or a site runner already loaded. */
function drivable(spec: PlatformSpec): boolean {
  if (spec.runnerModule === null) return SUPPORTED_RUNNERS.has(spec.runner);
  return runnerNames().includes(spec.runner);
}

/** The live platform of a spec (one per distinct spec in this process). */
export function platformFor(spec: PlatformSpec): Platform {
  const key = JSON.stringify({ ...spec, origin: "" });
  let p = cache.get(key);
  if (!p) {
    p = buildPlatform(spec);
    cache.set(key, p);
  }
  return p;
}

/** Just the built-in localhost (what a run without platform files uses). */
export function knownPlatforms(): Map<string, Platform> {
  return new Map([["localhost", platformFor(localhostSpec())]]);
}

/** The platforms and groups of one run. */
export interface RunPlatforms {
  platforms: Map<string, Platform>;
  /** Group name -> member platform names, in order. */
  groups: Map<string, string[]>;
}

/**
 * Loads the catalog for a job set, checks every job's platform, refuses runners not supported
 * yet (naming where the platform was defined), and builds the live platforms.
 */
export function runPlatforms(
  jobSet: JobSet,
  catalog: PlatformCatalog = loadPlatformCatalog({ jobSet }),
): RunPlatforms {
  checkJobPlatforms(jobSet, catalog);
  const platforms = new Map<string, Platform>();
  for (const spec of catalog.platforms.values()) {
    if (!drivable(spec)) continue;
    platforms.set(spec.name, platformFor(spec));
  }
  const groups = new Map(
    [...catalog.groups.values()].map((g) => [g.name, g.platforms.filter((m) => platforms.has(m))]),
  );
  for (const j of jobSet.jobs) {
    const members = groups.get(j.platform) ?? [j.platform];
    const unsupported = members.map((m) => catalog.platforms.get(m)).find((s) => s && !drivable(s));
    if (unsupported?.runnerModule && members.length === 1) {
      throw new ConfigError(
        `platform "${unsupported.name}" (${unsupported.origin}) uses site runner "${unsupported.runner}", whose runner_module was not loaded (see loadRunPlatforms)`,
        { file: jobSet.path, line: j.line, keyPath: `jobs.${j.name}.platform` },
      );
    }
    if (unsupported && members.length === 1) {
      throw new ConfigError(
        `platform "${unsupported.name}" (${unsupported.origin}) uses runner "${unsupported.runner}", which this Drover cannot drive yet (supported: ${[...SUPPORTED_RUNNERS].join(", ")})`,
        { file: jobSet.path, line: j.line, keyPath: `jobs.${j.name}.platform` },
      );
    }
    if (members.length === 0) {
      throw new ConfigError(`platform group "${j.platform}" has no platform this Drover can drive`, {
        file: jobSet.path,
        line: j.line,
        keyPath: `jobs.${j.name}.platform`,
      });
    }
  }
  return { platforms, groups };
}

/**
 * {@link runPlatforms} after loading the site runners (`runner_module:`) of the platforms the job
 * set's jobs may run on: what a run, and every command acting on one, calls first.
 */
export async function loadRunPlatforms(
  jobSet: JobSet,
  catalog: PlatformCatalog = loadPlatformCatalog({ jobSet }),
): Promise<RunPlatforms> {
  checkJobPlatforms(jobSet, catalog);
  const used = new Map<string, PlatformSpec>();
  for (const j of jobSet.jobs) for (const s of platformChoices(catalog, j.platform)) used.set(s.name, s);
  await loadSiteRunners(used.values());
  return runPlatforms(jobSet, catalog);
}

/** The platforms a job may run on: its platform, or the members of its group, in order. */
export function platformsOf(rp: RunPlatforms, platformOrGroup: string): Platform[] {
  return (rp.groups.get(platformOrGroup) ?? [platformOrGroup]).flatMap((p) => rp.platforms.get(p) ?? []);
}

/** The runner a job's first row records: its platform's, or the first group member's. */
export function runnerOf(rp: RunPlatforms, platformOrGroup: string): string {
  const name = rp.groups.get(platformOrGroup)?.[0] ?? platformOrGroup;
  return rp.platforms.get(name)?.runner ?? "background";
}
