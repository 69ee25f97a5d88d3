/**
 * Loads a job set file: YAML (with lines) -> zod -> cross-job checks -> a normalised JobSet. Every
 * problem is a ConfigError naming the file, the line and the key path. The job set's own
 * `platforms:` and `platform_groups:` are validated here; job platforms against the whole catalog
 * by checkJobPlatforms (load-platforms.ts), once the user file is known too.
 */
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, isSeq, type Document } from "yaml";
import { checkJobNeeds } from "./check-job-needs.js";
import { JOB_SET_KEYS, jobSchema, makeJobSetSchema, type JobSet, type JobSpec } from "./job-set-schema.js";
import {
  CONFIG_MAX_BYTES,
  configErrorMap,
  documentData,
  failFirstIssue,
  type Fail,
  nodeKind,
  parseConfigDocument,
  readConfigFile,
} from "./parse-yaml-config.js";
import { platformAllowedKeysAt } from "./platforms-schema.js";
import { keepPlatformNamesAsWritten, readPlatformSection } from "./read-platform-section.js";
import type { PathKey } from "./yaml-locator.js";

/** Largest job set file read: far above any real one, low enough to fail fast on a wrong path. */
export const JOB_SET_MAX_BYTES = CONFIG_MAX_BYTES;

/** Options of the loaders: runner names a job set's platforms may use (default: the built-in ones). */
export interface LoadJobSetOptions {
  runners?: readonly string[];
}

/** Reads and validates the job set at `path`. Throws ConfigError on any problem. */
export function loadJobSet(path: string, opts: LoadJobSetOptions = {}): JobSet {
  const { bytes, text } = readConfigFile(path);
  return buildJobSet(text, path, sha256(bytes), opts);
}

/** Validates job set text as if read from `path` (used for messages and to resolve the directory). */
export function parseJobSet(text: string, path: string, opts: LoadJobSetOptions = {}): JobSet {
  return buildJobSet(text, path, sha256(Buffer.from(text, "utf8")), opts);
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function buildJobSet(text: string, file: string, hash: string, opts: LoadJobSetOptions): JobSet {
  const cd = parseConfigDocument(text, file);
  const { doc, where } = cd;
  // Annotated so the compiler knows a call to it ends the function.
  const fail: Fail = cd.fail;
  if (doc.contents === null) fail("the file is empty: expected a mapping with a jobs key", [], 1);
  if (!isMap(doc.contents)) fail(`expected a mapping with a jobs key, got ${nodeKind(doc.contents)}`, []);
  keepNumbersAsWritten(doc);
  keepPlatformNamesAsWritten(doc);
  const data = documentData(cd);

  const parsed = makeJobSetSchema(opts.runners).safeParse(data, { errorMap: configErrorMap });
  if (!parsed.success) failFirstIssue(parsed.error.issues, cd, allowedKeysAt);
  const body = parsed.data;

  // File order and lines come from the document: JS objects put integer-like keys ("1", "2") first.
  const jobsNode = doc.getIn(["jobs"], true);
  const keys = isMap(jobsNode) ? jobsNode.items.map((p) => p.key) : [];
  const order = keys.map((key) => {
    if (!isScalar(key)) {
      const at = (key as { range?: [number, number, number] } | null)?.range?.[0];
      fail(
        "a job name must be plain text (not an alias or a collection)",
        ["jobs"],
        at === undefined ? undefined : where.lineAt(at),
      );
    }
    return { name: String(key.value), line: key.range ? where.lineAt(key.range[0]) : 1 };
  });
  const rawJobs = (data as { jobs: Record<string, { needs?: unknown }> }).jobs;
  const problem = checkJobNeeds(
    order.map(({ name }) => ({
      name,
      needs: body.jobs[name]!.needs,
      needsIsList: Array.isArray(rawJobs[name]?.needs),
    })),
  );
  if (problem) fail(problem.message, problem.path);

  const jobs: JobSpec[] = order.map(({ name, line }) => {
    const job = body.jobs[name]!;
    return { name, ...job, platform: job.platform ?? body.platform, line };
  });
  const path = resolve(file);
  const platforms = readPlatformSection(cd, body, path);
  return {
    path,
    dir: dirname(path),
    hash,
    platform: body.platform,
    maxActive: body.max_active,
    jobs,
    platforms,
  };
}

/** Scalars where a number or boolean is really text (`SIZE: 1.0`, `needs: [1]`, a job named `007`, `script: true`) keep their source. */
function keepNumbersAsWritten(doc: Document): void {
  const asWritten = (node: unknown) => {
    if (isScalar(node) && (typeof node.value === "number" || typeof node.value === "boolean"))
      node.value = node.source ?? String(node.value);
  };
  const jobs = doc.getIn(["jobs"], true);
  if (!isMap(jobs)) return;
  for (const pair of jobs.items) {
    asWritten(pair.key);
    if (!isMap(pair.value)) continue;
    for (const key of ["env", "directives"]) {
      const map = pair.value.get(key, true);
      if (isMap(map)) for (const p of map.items) asWritten(p.value);
    }
    // `script: true` is the shell's no-op, not a boolean.
    asWritten(pair.value.get("script", true));
    const needs = pair.value.get("needs", true);
    if (isSeq(needs)) needs.items.forEach(asWritten);
    else asWritten(needs);
  }
}

const JOB_KEYS = Object.keys(jobSchema.innerType().shape);

/** Keys allowed in the mapping at a path, for unknown-key messages. */
function allowedKeysAt(p: readonly PathKey[]): readonly string[] {
  if (p.length === 0) return JOB_SET_KEYS;
  if (p[0] === "jobs") return p.length === 2 ? JOB_KEYS : ["submission", "execution"];
  return platformAllowedKeysAt(p) ?? [];
}
