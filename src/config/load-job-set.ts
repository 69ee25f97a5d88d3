/**
 * Loads a job set file: YAML (with lines) -> zod -> cross-job checks -> a normalised JobSet. Every
 * problem is a ConfigError naming the file, the line and the key path.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from "yaml";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { checkJobNeeds } from "./check-job-needs.js";
import { jobSchema, jobSetSchema, typeName, type JobSet, type JobSpec } from "./job-set-schema.js";
import { formatKeyPath, YamlLocator, type PathKey } from "./yaml-locator.js";

/** Largest job set file read: far above any real one, low enough to fail fast on a wrong path. */
export const JOB_SET_MAX_BYTES = 256 * 1024 * 1024;

const READ_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a parent is not a directory",
};

/** Reads and validates the job set at `path`. Throws ConfigError on any problem. */
export function loadJobSet(path: string): JobSet {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    throw new ConfigError(`cannot read ${path}: ${READ_ERRORS[code] ?? (err as Error).message}`);
  }
  if (bytes.length > JOB_SET_MAX_BYTES)
    throw new ConfigError(`file is ${bytes.length} bytes; at most ${JOB_SET_MAX_BYTES}`, { file: path });
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError("file is not valid UTF-8 text", { file: path });
  }
  return buildJobSet(text, path, sha256(bytes));
}

/** Validates job set text as if read from `path` (used for messages and to resolve the directory). */
export function parseJobSet(text: string, path: string): JobSet {
  return buildJobSet(text, path, sha256(Buffer.from(text, "utf8")));
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function buildJobSet(text: string, file: string, hash: string): JobSet {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines, prettyErrors: true });
  const where = new YamlLocator(doc, lines);
  // Annotated so the compiler knows a call to it ends the function.
  const fail: (message: string, path: PathKey[], line?: number) => never = (message, path, line) => {
    line ??= where.lineOf(path);
    throw new ConfigError(message, { file, line, keyPath: formatKeyPath(path) || undefined });
  };
  // Warnings (unresolved tags, stringified keys) are errors too: a config must mean what it says.
  const yamlError: YAMLError | undefined = doc.errors[0] ?? doc.warnings[0];
  if (yamlError) {
    const offset = yamlError.pos[0];
    const path = where.pathAt(offset);
    const text = (yamlError.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    const message =
      yamlError.code === "DUPLICATE_KEY" ? `duplicate key ${String(path.at(-1))}` : `YAML: ${text}`;
    fail(message, path, where.lineAt(offset));
  }
  if (doc.contents === null) fail("the file is empty: expected a mapping with a jobs key", [], 1);
  if (!isMap(doc.contents)) fail(`expected a mapping with a jobs key, got ${nodeKind(doc.contents)}`, []);
  const proto = findProtoKey(doc.contents, []);
  if (proto) fail("the key __proto__ is not allowed", proto);
  keepNumbersAsWritten(doc);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    fail(`YAML: ${(err as Error).message}`, []);
  }

  const parsed = jobSetSchema.safeParse(data, { errorMap });
  if (!parsed.success) {
    const first = firstIssue(parsed.error.issues, where);
    fail(first.message, first.path, first.line);
  }
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
  return { path, dir: dirname(path), hash, platform: body.platform, maxActive: body.max_active, jobs };
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

/** Path of a `__proto__` key anywhere (JS objects and zod would drop it silently), or null. */
function findProtoKey(node: unknown, path: PathKey[]): PathKey[] | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (key === "__proto__") return [...path, key];
      const found = findProtoKey(pair.value, [...path, key]);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = findProtoKey(item, [...path, i]);
      if (found) return found;
    }
  }
  return null;
}

function nodeKind(node: unknown): string {
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return typeName(node.value);
  return "something else";
}

/** Messages for the two zod issue kinds whose default wording is poor; others keep their own. */
const errorMap: z.ZodErrorMap = (issue, ctx) => {
  if (issue.code !== z.ZodIssueCode.invalid_type) return { message: ctx.defaultError };
  const key = issue.path[issue.path.length - 1];
  if (issue.received === "undefined") return { message: `missing required key ${String(key)}` };
  const expected: Record<string, string> = { object: "a mapping", array: "a list", boolean: "true or false" };
  // YAML reads `script: true` as a boolean: say how to write text.
  const quote =
    issue.expected === "string" && ["number", "boolean"].includes(issue.received) ? " (quote it)" : "";
  return {
    message: `expected ${expected[issue.expected] ?? `a ${issue.expected}`}, got ${typeName(ctx.data)}${quote}`,
  };
};

const ALLOWED_KEYS = {
  root: Object.keys(jobSetSchema.shape),
  job: Object.keys(jobSchema.innerType().shape),
  retries: ["submission", "execution"],
};

interface Located {
  path: PathKey[];
  message: string;
  line: number;
}

/** The zod issue that comes first in the file (zod reports in schema order, users read top down). */
function firstIssue(issues: readonly z.ZodIssue[], where: YamlLocator): Located {
  const located: Located[] = issues.flatMap((issue): Located[] => {
    if (issue.code !== z.ZodIssueCode.unrecognized_keys) {
      return [{ path: issue.path, message: issue.message, line: where.lineOf(issue.path) }];
    }
    const p = issue.path;
    const allowed =
      p.length === 0 ? ALLOWED_KEYS.root : p.length === 2 ? ALLOWED_KEYS.job : ALLOWED_KEYS.retries;
    return issue.keys.map((key) => ({
      path: [...p, key],
      message: `unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(", ")})`,
      line: where.lineOf([...p, key]),
    }));
  });
  // A missing key comes last: a misspelt key (reported as unknown) usually explains it.
  const missing = (l: Located) => (l.message.startsWith("missing required key") ? 1 : 0);
  // Stable sort: ties keep zod's order.
  return located.sort((a, b) => missing(a) - missing(b) || a.line - b.line)[0]!;
}
