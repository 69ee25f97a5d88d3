/**
 * What every config file shares: reading it (size, UTF-8), parsing YAML with lines, refusing YAML
 * warnings and `__proto__`, and turning zod issues into one ConfigError naming file:line and key path.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from "yaml";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { typeName } from "./schema-parts.js";
import { formatKeyPath, YamlLocator, type PathKey } from "./yaml-locator.js";

/** Largest config file read: far above any real one, low enough to fail fast on a wrong path. */
export const CONFIG_MAX_BYTES = 256 * 1024 * 1024;

const READ_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a parent is not a directory",
};

/** Reads a config file's bytes and text; ConfigError when unreadable, too big or not UTF-8. */
export function readConfigFile(path: string): { bytes: Buffer; text: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    throw new ConfigError(`cannot read ${path}: ${READ_ERRORS[code] ?? (err as Error).message}`);
  }
  if (bytes.length > CONFIG_MAX_BYTES)
    throw new ConfigError(`file is ${bytes.length} bytes; at most ${CONFIG_MAX_BYTES}`, { file: path });
  try {
    return { bytes, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    throw new ConfigError("file is not valid UTF-8 text", { file: path });
  }
}

/** Throws a ConfigError at a key path (its line looked up unless given). */
export type Fail = (message: string, path: readonly PathKey[], line?: number) => never;

/** A parsed config document: the YAML tree, its locator and a `fail` bound to the file. */
export interface ConfigDocument {
  doc: Document;
  where: YamlLocator;
  fail: Fail;
}

/** Parses YAML text; YAML errors and warnings become ConfigErrors. `contents` may still be null. */
export function parseConfigDocument(text: string, file: string): ConfigDocument {
  const lines = new LineCounter();
  // Duplicate keys are found below with one Set per mapping: the yaml option compares every pair
  // of keys (3 s of a 10,000-job file's 4 s parse).
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines, prettyErrors: true });
  const where = new YamlLocator(doc, lines);
  const fail: Fail = (message, path, line) => {
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
  const bad = findBadKey(doc.contents, []);
  if (bad?.kind === "proto") fail("the key __proto__ is not allowed", bad.path);
  if (bad?.kind === "duplicate")
    fail(
      `duplicate key ${String(bad.path.at(-1))}`,
      bad.path,
      bad.offset === null ? undefined : where.lineAt(bad.offset),
    );
  return { doc, where, fail };
}

/** The document as plain JS (aliases expanded, within limits). */
export function documentData(cd: ConfigDocument): unknown {
  try {
    return cd.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return cd.fail(`YAML: ${(err as Error).message}`, []);
  }
}

/** A key no config may hold: `__proto__`, or one a mapping already has. */
interface BadKey {
  kind: "proto" | "duplicate";
  path: PathKey[];
  /** Where the offending key starts in the text, when known. */
  offset: number | null;
}

/**
 * The first bad key anywhere, depth first, or null: `__proto__` (JS objects and zod would drop it
 * silently) or a duplicate (YAML says keys are unique; the last would silently win).
 */
function findBadKey(node: unknown, path: PathKey[]): BadKey | null {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? null) : null;
      if (key === "__proto__") return { kind: "proto", path: [...path, key], offset };
      if (isScalar(pair.key)) {
        if (seen.has(key)) return { kind: "duplicate", path: [...path, key], offset };
        seen.add(key);
      }
      const found = findBadKey(pair.value, [...path, key]);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = findBadKey(item, [...path, i]);
      if (found) return found;
    }
  }
  return null;
}

/** "a list", "a string": what a top-level node is, for messages. */
export function nodeKind(node: unknown): string {
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return typeName(node.value);
  return "something else";
}

/** Messages for the two zod issue kinds whose default wording is poor; others keep their own. */
export const configErrorMap: z.ZodErrorMap = (issue, ctx) => {
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

interface Located {
  path: PathKey[];
  message: string;
  line: number;
}

/**
 * Fails with the zod issue that comes first in the file (zod reports in schema order, users read
 * top down). `allowedKeysAt` names the keys allowed in the mapping at a path, for unknown keys.
 */
export function failFirstIssue(
  issues: readonly z.ZodIssue[],
  cd: ConfigDocument,
  allowedKeysAt: (path: readonly PathKey[]) => readonly string[],
): never {
  const located: Located[] = issues.flatMap((issue): Located[] => {
    if (issue.code !== z.ZodIssueCode.unrecognized_keys) {
      return [{ path: issue.path, message: issue.message, line: cd.where.lineOf(issue.path) }];
    }
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      message: `unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(", ")})`,
      line: cd.where.lineOf([...issue.path, key]),
    }));
  });
  // A missing key comes last: a misspelt key (reported as unknown) usually explains it.
  const missing = (l: Located) => (l.message.startsWith("missing required key") ? 1 : 0);
  // Stable sort: ties keep zod's order.
  const first = located.sort((a, b) => missing(a) - missing(b) || a.line - b.line)[0]!;
  return cd.fail(first.message, first.path, first.line);
}
