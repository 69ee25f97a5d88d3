/**
 * The platform catalog of a run: built-in localhost, then the user file
 * (`~/.config/drover/platforms.yaml`, or `$DROVER_PLATFORMS`), then the job set's own sections; a
 * later definition replaces an earlier one of the same name whole. Errors name file:line and key path.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isMap } from "yaml";
import { ConfigError } from "../errors.js";
import type { JobSet } from "./job-set-schema.js";
import {
  configErrorMap,
  documentData,
  failFirstIssue,
  parseConfigDocument,
  readConfigFile,
  nodeKind,
} from "./parse-yaml-config.js";
import { BUILTIN_RUNNERS, LOCALHOST, localhostSpec } from "./platform-defaults.js";
import type { PlatformCatalog, PlatformGroupSpec, PlatformSpec } from "./platform-types.js";
import { platformAllowedKeysAt, platformFileSchema } from "./platforms-schema.js";
import {
  keepPlatformNamesAsWritten,
  readPlatformSection,
  type PlatformSection,
} from "./read-platform-section.js";
import { formatKeyPath, type PathKey } from "./yaml-locator.js";

/** How {@link loadPlatformCatalog} finds its inputs. */
export interface LoadPlatformCatalogOptions {
  /** The user file: a path, null for none, or (undefined) `$DROVER_PLATFORMS` else the default path. */
  userFile?: string | null;
  /** The job set whose `platforms:` and `platform_groups:` win over the user file. */
  jobSet?: Pick<JobSet, "path" | "hash" | "platforms">;
  /** Runner names accepted (default: the built-in ones). */
  runners?: readonly string[];
  /** Environment read for `$DROVER_PLATFORMS` (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Where the user platform file is: `$DROVER_PLATFORMS` if set (explicit: it must exist), else `~/.config/drover/platforms.yaml`. */
export function userPlatformsPath(env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } {
  const set = env.DROVER_PLATFORMS;
  if (set) return { path: set, explicit: true };
  return { path: join(env.HOME || homedir(), ".config", "drover", "platforms.yaml"), explicit: false };
}

/** One file's definitions, and how to find the line of a key path in it for later messages. */
interface Source extends PlatformSection {
  file: string;
  lineOf: (path: readonly PathKey[]) => number | undefined;
}

/** Parses a platform file's text (as read from `file`): only `platforms:` and `platform_groups:`. */
export function parsePlatformFile(text: string, file: string, runners = BUILTIN_RUNNERS): PlatformSection {
  const { specs, groups } = parseSource(text, file, runners);
  return { specs, groups };
}

function parseSource(text: string, file: string, runners: readonly string[]): Source {
  const cd = parseConfigDocument(text, file);
  const lineOf = (path: readonly PathKey[]) =>
    cd.where.nodeAt(path) === undefined ? undefined : cd.where.lineOf(path);
  // A file of comments only is an empty catalog, not an error: the user may comment everything out.
  if (cd.doc.contents === null) return { file, specs: [], groups: [], lineOf };
  if (!isMap(cd.doc.contents))
    cd.fail(`expected a mapping with platforms and platform_groups, got ${nodeKind(cd.doc.contents)}`, []);
  keepPlatformNamesAsWritten(cd.doc);
  const parsed = platformFileSchema(runners).safeParse(documentData(cd), { errorMap: configErrorMap });
  if (!parsed.success)
    failFirstIssue(
      parsed.error.issues,
      cd,
      (p) => platformAllowedKeysAt(p) ?? ["platforms", "platform_groups"],
    );
  return { file, ...readPlatformSection(cd, parsed.data, file), lineOf };
}

/** A job set's section, with lines found again from the file only when a message needs one. */
function jobSetSource(jobSet: Pick<JobSet, "path" | "hash" | "platforms">): Source {
  return { file: jobSet.path, ...jobSet.platforms, lineOf: (path) => lineInJobSet(jobSet, path) };
}

/**
 * Line of a key path in the job set file, or undefined when the file is gone or has changed since it
 * was loaded (its hash differs). Read only on the error path: the loaded JobSet keeps no YAML tree.
 */
export function lineInJobSet(
  jobSet: Pick<JobSet, "path" | "hash">,
  path: readonly PathKey[],
): number | undefined {
  try {
    const { bytes, text } = readConfigFile(jobSet.path);
    if (createHash("sha256").update(bytes).digest("hex") !== jobSet.hash) return undefined;
    const cd = parseConfigDocument(text, jobSet.path);
    return cd.where.nodeAt(path) === undefined && path.length > 0 ? undefined : cd.where.lineOf(path);
  } catch {
    return undefined;
  }
}

const originLine = (origin: string) => Number(/:(\d+)$/.exec(origin)?.[1] ?? "") || undefined;

/** Builds the catalog; throws ConfigError naming file:line and key path on any problem. */
export function loadPlatformCatalog(opts: LoadPlatformCatalogOptions = {}): PlatformCatalog {
  const runners = opts.runners ?? BUILTIN_RUNNERS;
  const sources: Source[] = [];
  const user =
    opts.userFile === undefined
      ? userPlatformsPath(opts.env)
      : opts.userFile && { path: opts.userFile, explicit: true };
  // The default file is optional; a file named on purpose must exist.
  if (user && (user.explicit || existsSync(user.path)))
    sources.push(parseSource(readConfigFile(user.path).text, user.path, runners));
  if (opts.jobSet) sources.push(jobSetSource(opts.jobSet));

  const platforms = new Map<string, PlatformSpec>([[LOCALHOST, localhostSpec()]]);
  const groups = new Map<string, { group: PlatformGroupSpec; source: Source }>();
  for (const source of sources) {
    // Within a file, names are already distinct; across files the later file's definition wins.
    for (const spec of source.specs) {
      platforms.set(spec.name, spec);
      groups.delete(spec.name);
    }
    for (const group of source.groups) {
      platforms.delete(group.name);
      groups.set(group.name, { group, source });
    }
  }
  for (const { group, source } of groups.values()) checkMembers(group, source, platforms, groups);
  return { platforms, groups: new Map([...groups].map(([name, g]) => [name, g.group])) };
}

function checkMembers(
  group: PlatformGroupSpec,
  source: Source,
  platforms: Map<string, PlatformSpec>,
  groups: Map<string, unknown>,
): void {
  group.platforms.forEach((member, i) => {
    if (platforms.has(member)) return;
    const at = (...path: PathKey[]) => source.lineOf(["platform_groups", group.name, ...path]);
    // Written as a list unless the file shows one name (or, changed since, the group has one member).
    const listed = at(i) !== undefined || (at() === undefined && group.platforms.length > 1);
    const path = ["platform_groups", group.name, ...(listed ? [i] : [])];
    const message = groups.has(member)
      ? `${member} is a group: a group lists platforms, not groups`
      : `unknown platform ${JSON.stringify(member)} (known: ${[...platforms.keys()].join(", ")})`;
    throw new ConfigError(message, {
      file: source.file,
      line: source.lineOf(path) ?? originLine(group.origin),
      keyPath: formatKeyPath(path),
    });
  });
}

/** The platforms a job's `platform:` may run on: the platform itself, or a group's members in order. */
export function platformChoices(catalog: PlatformCatalog, name: string): PlatformSpec[] {
  const spec = catalog.platforms.get(name);
  if (spec) return [spec];
  return (catalog.groups.get(name)?.platforms ?? []).flatMap((m) => catalog.platforms.get(m) ?? []);
}

/**
 * Checks that the job set's default platform and every job's platform name a platform or a group of
 * the catalog; a ConfigError naming the job set file, the line and the key path otherwise.
 */
export function checkJobPlatforms(
  jobSet: Pick<JobSet, "path" | "hash" | "platform" | "jobs">,
  catalog: PlatformCatalog,
): void {
  const known = (name: string) => catalog.platforms.has(name) || catalog.groups.has(name);
  const fail = (name: string, path: PathKey[], fallbackLine: number | undefined): never => {
    const groups = [...catalog.groups.keys()];
    throw new ConfigError(
      `unknown platform ${JSON.stringify(name)} (platforms: ${[...catalog.platforms.keys()].join(", ")}${groups.length ? `; groups: ${groups.join(", ")}` : ""})`,
      { file: jobSet.path, line: lineInJobSet(jobSet, path) ?? fallbackLine, keyPath: formatKeyPath(path) },
    );
  };
  if (!known(jobSet.platform)) fail(jobSet.platform, ["platform"], undefined);
  // With the default known, an unknown job platform was written in the job itself.
  for (const job of jobSet.jobs)
    if (!known(job.platform)) fail(job.platform, ["jobs", job.name, "platform"], job.line);
}
