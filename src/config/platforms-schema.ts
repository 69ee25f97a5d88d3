/**
 * The `platforms:` and `platform_groups:` sections (user platform file and job set) as zod schemas:
 * strict, snake_case, every key optional; defaults are applied later by applyPlatformDefaults.
 * Checks needing other files (group members defined elsewhere) are load-platforms.ts's.
 */
import { z } from "zod";
import { BUILTIN_RUNNERS, LOCALHOST, LOCALHOST_TUNING_KEYS, SITE_RUNNER_NAME } from "./platform-defaults.js";
import type { PollingSpec } from "./platform-types.js";
import * as v from "./platform-value-schemas.js";
import { delaysSchema, durationSchema, nameSchema, typeName } from "./schema-parts.js";
import type { PathKey } from "./yaml-locator.js";

/** One platform as written, keys renamed; undefined means "not given" (the default applies). */
export interface PlatformInput {
  hosts?: string[];
  selection?: "definition-order" | "random";
  runner?: string;
  runnerModule?: string;
  cluster?: string;
  installTarget?: string;
  runRoot?: string;
  ssh?: { command?: string[]; options?: string[] } | null;
  shell?: string[];
  rsync?: { command?: string[]; options?: string[] };
  installIncludes?: string[];
  retrieveLogs?: { maxSizeBytes?: number; retryDelaysS?: number[] } | null;
  maxBatch?: number;
  maxSessions?: number;
  maxActive?: number | null;
  connect?: "auto" | "manual";
  polling?: Partial<PollingSpec>;
  maxPollsPerMinute?: number;
  retryDelays?: { submission?: number[]; execution?: number[] };
  badHostS?: number;
  connectTimeoutS?: number;
  batchTimeoutS?: number;
  unlistedGraceS?: number;
  killGraceS?: number;
  signals?: { fail?: string[]; vacation?: string[] };
}

/** A platform as the schema returns it: its input and the YAML keys written. */
export interface ParsedPlatform {
  keys: string[];
  input: PlatformInput;
}

/** A group as the schema returns it; `isList` false when written as one name. */
export interface ParsedGroup {
  members: string[];
  isList: boolean;
}

const platformShape = () => ({
  hosts: v.hostsSchema,
  selection: v.enumSchema("selection", ["definition-order", "random"]),
  // Known names are checked on the whole platform: a `runner_module` may provide another one.
  runner: z.string(),
  cluster: nameSchema("cluster"),
  install_target: nameSchema("install target"),
  run_root: v.runRootSchema,
  ssh: v.sshSchema,
  shell: v.shellSchema,
  rsync: v.programSchema("rsync.command"),
  install: z.array(v.installEntrySchema).max(100, "at most 100 install entries"),
  retrieve_logs: v.retrieveLogsSchema,
  max_batch: v.wholeSchema("max_batch", 100_000),
  max_sessions: v.wholeSchema("max_sessions", 1000),
  max_active: v.wholeSchema("max_active", 10_000_000).nullable(),
  connect: v.enumSchema("connect", ["auto", "manual"]),
  polling: z
    .object({
      submission: v.intervalsSchema("submission polling interval"),
      execution: v.intervalsSchema("execution polling interval"),
      time_limit: v.intervalsSchema("time limit polling interval"),
    })
    .partial()
    .strict(),
  max_polls_per_minute: v.wholeSchema("max_polls_per_minute", 100_000),
  retries: z
    .object({
      submission: delaysSchema("submission retry delay"),
      execution: delaysSchema("execution retry delay"),
    })
    .partial()
    .strict(),
  bad_host_time: durationSchema("bad_host_time", false),
  connect_timeout: durationSchema("connect_timeout", true),
  batch_timeout: durationSchema("batch_timeout", true),
  unlisted_grace: durationSchema("unlisted_grace", false),
  kill_grace: durationSchema("kill_grace", false),
  signals: v.signalsSchema,
  runner_module: v.runnerModuleSchema,
});

/** The keys a platform may have, in the order of the docs. */
export const PLATFORM_KEYS: readonly string[] = Object.keys(platformShape());

/** One platform as written (every key optional), validated against the `runners` known. */
export function platformSchema(runners: readonly string[] = BUILTIN_RUNNERS) {
  return z
    .object(platformShape())
    .partial()
    .strict()
    .superRefine((p, ctx) => checkRunnerName(p.runner, p.runner_module, runners, ctx))
    .transform((p): ParsedPlatform => ({
      keys: Object.keys(p).filter((k) => p[k as keyof typeof p] !== undefined),
      input: {
        hosts: p.hosts,
        selection: p.selection,
        runner: p.runner,
        runnerModule: p.runner_module,
        cluster: p.cluster,
        installTarget: p.install_target,
        runRoot: p.run_root,
        ssh: p.ssh,
        shell: p.shell,
        rsync: p.rsync,
        installIncludes: p.install,
        retrieveLogs: p.retrieve_logs,
        maxBatch: p.max_batch,
        maxSessions: p.max_sessions,
        maxActive: p.max_active,
        connect: p.connect,
        polling: p.polling && {
          submission: p.polling.submission,
          execution: p.polling.execution,
          timeLimit: p.polling.time_limit,
        },
        maxPollsPerMinute: p.max_polls_per_minute,
        retryDelays: p.retries,
        badHostS: p.bad_host_time,
        connectTimeoutS: p.connect_timeout,
        batchTimeoutS: p.batch_timeout,
        unlistedGraceS: p.unlisted_grace,
        killGraceS: p.kill_grace,
        signals: p.signals,
      },
    }));
}

/**
 * `runner:` names a known runner, or, with `runner_module:`, the runner that module provides: a
 * new name (a module cannot replace a built-in runner other platforms use), given explicitly.
 */
function checkRunnerName(
  runner: string | undefined,
  module: string | undefined,
  runners: readonly string[],
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (module === undefined) {
    if (runner !== undefined && !runners.includes(runner))
      issue(
        "runner",
        `unknown runner ${JSON.stringify(runner)} (known: ${runners.join(", ")}); a site runner also needs runner_module`,
      );
    return;
  }
  if (runner === undefined)
    issue("runner_module", "runner_module needs runner: naming the runner the module provides");
  else if (runners.includes(runner))
    issue("runner", `runner ${runner} is built in: a runner_module must provide a runner of another name`);
  else if (!SITE_RUNNER_NAME.test(runner))
    issue(
      "runner",
      `bad runner name ${JSON.stringify(runner)}: use lower-case letters, digits, _ and - (starting with a letter)`,
    );
}

const groupSchema = v
  .byForm<ParsedGroup>((g) =>
    Array.isArray(g)
      ? z
          .array(nameSchema("platform name"))
          .min(1, "a group needs a platform")
          .transform((members) => ({ members, isList: true }))
      : typeof g === "string" || typeof g === "number"
        ? nameSchema("platform name").transform((m) => ({ members: [m], isList: false }))
        : `a group must be a platform name or a list of them, got ${typeName(g)}`,
  )
  .superRefine((g, ctx) => {
    g.members.forEach((m, i) => {
      if (g.members.indexOf(m) < i)
        ctx.addIssue({ code: "custom", path: g.isList ? [i] : [], message: `platform ${m} is listed twice` });
    });
  });

/** A section that may be absent or left empty (`platforms:` with everything commented out). */
const optionalRecord = <T extends z.ZodTypeAny>(key: z.ZodType<string>, value: T) =>
  z
    .record(key, value)
    .nullish()
    .transform((r): Record<string, z.output<T>> => r ?? {});

/** The two top-level keys a job set and the user platform file share. */
export function platformSectionShape(runners: readonly string[] = BUILTIN_RUNNERS) {
  return {
    platforms: optionalRecord(nameSchema("platform name"), platformSchema(runners)).superRefine(
      (all, ctx) => {
        for (const [name, p] of Object.entries(all)) {
          if (name === LOCALHOST) {
            for (const key of p.keys.filter((k) => !LOCALHOST_TUNING_KEYS.includes(k)))
              ctx.addIssue({
                code: "custom",
                path: [name, key],
                message: `localhost is built in: only its tuning keys may be set (${LOCALHOST_TUNING_KEYS.join(", ")}); define another platform for other hosts or settings`,
              });
          } else if (!p.keys.includes("hosts"))
            ctx.addIssue({ code: "custom", path: [name, "hosts"], message: "missing required key hosts" });
        }
      },
    ),
    platform_groups: optionalRecord(nameSchema("group name"), groupSchema),
  };
}

/** What {@link platformSectionShape} yields once parsed. */
export interface ParsedSection {
  platforms: Record<string, ParsedPlatform>;
  platform_groups: Record<string, ParsedGroup>;
}

/** Checks within one file: a group shadows no platform of that file, and holds no group of it. */
export function checkSection(section: ParsedSection, ctx: z.RefinementCtx): void {
  for (const [name, group] of Object.entries(section.platform_groups)) {
    if (name === LOCALHOST || Object.hasOwn(section.platforms, name))
      ctx.addIssue({
        code: "custom",
        path: ["platform_groups", name],
        message: `group ${name} has the name of a platform${name === LOCALHOST ? " (the built-in one)" : ""}`,
      });
    group.members.forEach((m, i) => {
      if (Object.hasOwn(section.platform_groups, m))
        ctx.addIssue({
          code: "custom",
          path: ["platform_groups", name, ...(group.isList ? [i] : [])],
          message: `${m} is a group: a group lists platforms, not groups`,
        });
    });
  }
}

/** The user platform file: only the two sections. */
export function platformFileSchema(runners: readonly string[] = BUILTIN_RUNNERS) {
  return z.object(platformSectionShape(runners)).strict().superRefine(checkSection);
}

const NESTED_KEYS: Record<string, readonly string[]> = {
  ssh: ["command", "options"],
  rsync: ["command", "options"],
  retrieve_logs: ["max_size", "retry_delays"],
  polling: ["submission", "execution", "time_limit"],
  retries: ["submission", "execution"],
  signals: ["fail", "vacation"],
};

/** Keys allowed in the mapping at `path` inside `platforms:`, or undefined for other paths. */
export function platformAllowedKeysAt(path: readonly PathKey[]): readonly string[] | undefined {
  if (path[0] !== "platforms") return undefined;
  if (path.length === 2) return PLATFORM_KEYS;
  if (path.length === 3) return NESTED_KEYS[String(path[2])];
  return undefined;
}
