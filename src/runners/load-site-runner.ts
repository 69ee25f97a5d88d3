/**
 * Site runners: a platform's `runner_module:` names a module (a path relative to the file that
 * defines the platform, an absolute path, or a package name) whose default export is a Runner or a
 * function returning one, or whose named export `createRunner(options)` returns one. It is loaded
 * with a dynamic import at run start, checked for the Runner shape (runner.ts) and registered
 * under its own name, which the platform's `runner:` names. Every failure is a ConfigError naming
 * the platform's file and line.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SITE_RUNNER_NAME } from "../config/platform-defaults.js";
import type { PlatformSpec } from "../config/platform-types.js";
import { ConfigError } from "../errors.js";
import { registerRunner, runnerNames } from "./registry.js";
import type { Runner } from "./runner.js";

/** What Drover passes to a module's `createRunner(options)` (or default-exported factory). */
export interface SiteRunnerOptions {
  /** The platform that named the module first (one runner instance serves every platform). */
  platform: string;
}

/** The functions every runner has (runner.ts). */
const RUNNER_FUNCTIONS = [
  "directives",
  "submitCommand",
  "parseSubmit",
  "pollQuery",
  "parsePoll",
  "killAction",
  "lookupQuery",
  "parseLookup",
] as const;

const CAPABILITIES = ["hostBound", "killsGroup", "clusters", "accounting", "jobNames"] as const;

/** Loads in flight or done, by resolved module: a module is imported and registered once. */
const loaded = new Map<string, Promise<Runner>>();
/** Which module provides each site runner name. */
const providers = new Map<string, string>();

/** What is wrong with `value` as a Runner (empty when nothing is): the shape, not the behaviour. */
export function runnerShapeProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null) return [`expected a runner object, got ${typeof value}`];
  const r = value as Record<string, unknown>;
  const out: string[] = [];
  if (typeof r.name !== "string" || !SITE_RUNNER_NAME.test(r.name))
    out.push(`name must be lower-case letters, digits, _ and - (got ${JSON.stringify(r.name)})`);
  const caps = r.capabilities as Record<string, unknown> | undefined;
  if (typeof caps !== "object" || caps === null) out.push("capabilities is missing");
  else
    for (const c of CAPABILITIES)
      if (typeof caps[c] !== "boolean") out.push(`capabilities.${c} must be true or false`);
  for (const f of RUNNER_FUNCTIONS) if (typeof r[f] !== "function") out.push(`${f} is not a function`);
  // The batched lookup is optional, but a query without its parser (or the reverse) is half a feature.
  const batched = [r.lookupsQuery, r.parseLookups].map((f) => f !== undefined);
  if (batched[0] !== batched[1]) out.push("lookupsQuery and parseLookups must be given together");
  for (const f of ["lookupsQuery", "parseLookups"])
    if (r[f] !== undefined && typeof r[f] !== "function") out.push(`${f} is not a function`);
  const acct = r.accounting as Record<string, unknown> | undefined;
  const wantsAcct = typeof caps === "object" && caps !== null && caps.accounting === true;
  if (acct === undefined) {
    if (wantsAcct) out.push("capabilities.accounting is true but accounting is missing");
  } else if (
    typeof acct !== "object" ||
    acct === null ||
    typeof acct.query !== "function" ||
    typeof acct.parse !== "function"
  )
    out.push("accounting must have query and parse functions");
  else if (!wantsAcct) out.push("accounting is given but capabilities.accounting is false");
  return out;
}

/** The file and line a platform was defined at (origin `file:line`). */
function originOf(spec: PlatformSpec): { file: string | undefined; line: number | undefined } {
  const m = /^(.*):(\d+)$/.exec(spec.origin);
  return m ? { file: m[1], line: Number(m[2]) } : { file: undefined, line: undefined };
}

function fail(spec: PlatformSpec, message: string): never {
  const { file, line } = originOf(spec);
  throw new ConfigError(message, { file, line, keyPath: `platforms.${spec.name}.runner_module` });
}

/**
 * Where a module is imported from: a `file:` URL for paths (relative ones against the directory of
 * `definingFile`), else the package name as resolved from that directory, else as written (resolved
 * from Drover's own install). `~/` means the home directory of the user running Drover.
 */
export function resolveRunnerModule(module: string, definingFile: string | undefined): string {
  const base = definingFile === undefined ? process.cwd() : dirname(resolve(definingFile));
  if (module.startsWith("file:")) return module;
  if (module.startsWith("~/")) return pathToFileURL(join(process.env.HOME ?? "/", module.slice(2))).href;
  if (
    isAbsolute(module) ||
    module.startsWith("./") ||
    module.startsWith("../") ||
    module === "." ||
    module === ".."
  )
    return pathToFileURL(resolve(base, module)).href;
  try {
    // A package installed beside the site's config wins over one beside Drover.
    return pathToFileURL(createRequire(join(base, "noop.js")).resolve(module)).href;
  } catch {
    return module;
  }
}

/** Picks the runner out of a loaded module (default export or `createRunner`), or null. */
function runnerFromModule(mod: Record<string, unknown>, options: SiteRunnerOptions): unknown {
  const pick = mod.default ?? mod.createRunner;
  if (pick === undefined || pick === null) return null;
  return typeof pick === "function" ? (pick as (o: SiteRunnerOptions) => unknown)(options) : pick;
}

async function importRunner(spec: PlatformSpec, module: string, target: string): Promise<Runner> {
  const where = `runner_module ${JSON.stringify(module)}`;
  if (target.startsWith("file:") && !existsSync(new URL(target)))
    fail(spec, `${where}: no such file ${new URL(target).pathname}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ERR_MODULE_NOT_FOUND" && !target.startsWith("file:"))
      fail(spec, `${where}: no such module or package (not installed beside the platform file or Drover)`);
    fail(spec, `${where} failed to load: ${e.message.split("\n")[0]}`);
  }
  let value: unknown;
  try {
    value = await runnerFromModule(mod, { platform: spec.name });
  } catch (err) {
    fail(spec, `${where}: making the runner failed: ${(err as Error).message}`);
  }
  if (value === null || value === undefined)
    fail(
      spec,
      `${where} exports no runner: expected a default export (a runner, or a function returning one) or createRunner(options)`,
    );
  const problems = runnerShapeProblems(value);
  // A runner instance per cluster (slurm@c2) exists only for built-in runners.
  if (problems.length === 0 && (value as Runner).capabilities.clusters)
    problems.push("capabilities.clusters: a site runner cannot take a cluster");
  if (problems.length > 0) fail(spec, `${where} is not a valid runner: ${problems.join("; ")}`);
  return value as Runner;
}

/**
 * Loads, checks and registers the runner of a platform with `runnerModule`; resolves to it. A
 * module is imported once per process; its runner must have the name the platform's `runner:` says.
 */
export async function loadSiteRunner(spec: PlatformSpec): Promise<Runner> {
  const module = spec.runnerModule;
  if (module === null) fail(spec, `platform ${spec.name} has no runner_module`);
  const target = resolveRunnerModule(module, originOf(spec).file);
  let pending = loaded.get(target);
  if (!pending) {
    pending = importRunner(spec, module, target);
    loaded.set(target, pending);
    // A failed load is tried again next time (the file may have been fixed).
    pending.catch(() => loaded.delete(target));
  }
  const runner = await pending;
  if (runner.name !== spec.runner)
    fail(
      spec,
      `runner_module ${JSON.stringify(module)} provides runner "${runner.name}", but the platform names runner "${spec.runner}"`,
    );
  const other = providers.get(runner.name);
  if (other !== undefined && other !== target)
    fail(spec, `runner "${runner.name}" is provided by two modules: ${other} and ${target}`);
  if (other === undefined && runnerNames().includes(runner.name))
    fail(spec, `runner "${runner.name}" is already a runner of Drover: a site runner needs its own name`);
  if (other === undefined) {
    registerRunner(runner);
    providers.set(runner.name, target);
  }
  return runner;
}

/** Loads the site runners of `specs` (those with a `runnerModule`), one module at a time. */
export async function loadSiteRunners(specs: Iterable<PlatformSpec>): Promise<Runner[]> {
  const out: Runner[] = [];
  for (const spec of specs) if (spec.runnerModule !== null) out.push(await loadSiteRunner(spec));
  return out;
}
