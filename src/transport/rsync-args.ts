/**
 * Pure helpers for rsync calls: quoting an ssh argv for rsync's `-e`, naming paths on either side,
 * and reading rsync's itemized output and skip notices.
 */
import os from "node:os";
import path from "node:path";
import { DroverError } from "../errors.js";

/**
 * Joins an argv into one `-e` string as rsync splits it: words are separated by spaces only; inside
 * '...' or "..." everything is literal except a doubled quote, which stands for one quote.
 * Every word is put in single quotes with each ' doubled.
 */
export function rsyncRshString(argv: readonly string[]): string {
  if (argv.length === 0) throw new DroverError("rsync -e: the remote shell argv is empty");
  return argv
    .map((w) => {
      if (w.includes("\0")) throw new DroverError("rsync -e: a NUL byte cannot be passed");
      return `'${w.replace(/'/g, "''")}'`;
    })
    .join(" ");
}

/** A host path for rsync with `--protect-args`: `~/x` becomes `x`, as the remote rsync starts in the home. */
export function remotePath(p: string, what: string): string {
  checkPath(p, what);
  if (p === "~" || p === "~/") return ".";
  if (p.startsWith("~/")) return dashSafe(p.slice(2));
  if (p.startsWith("~"))
    throw new DroverError(`${what}: ${JSON.stringify(p)}: only ~/ (your own home) is allowed`);
  return dashSafe(p);
}

/** A local path for rsync: absolute (so a colon is never read as host:path), trailing slash kept. */
export function localPath(p: string, what: string): string {
  checkPath(p, what);
  let abs: string;
  if (p === "~" || p.startsWith("~/")) abs = path.join(os.homedir(), p.slice(1));
  else if (p.startsWith("~"))
    throw new DroverError(`${what}: ${JSON.stringify(p)}: only ~/ (your own home) is allowed`);
  else abs = path.resolve(p);
  return p.endsWith("/") && !abs.endsWith("/") ? `${abs}/` : abs;
}

function checkPath(p: unknown, what: string): void {
  if (typeof p !== "string" || p.length === 0 || p.includes("\0") || p.includes("\n")) {
    throw new DroverError(`${what}: ${JSON.stringify(p)} is not a valid path`);
  }
}

/** A relative path starting with "-" would read as an option: prefix it with "./". */
function dashSafe(p: string): string {
  if (p.length === 0) return ".";
  return p.startsWith("-") ? `./${p}` : p;
}

/** What rsync reported about the files of one call. */
export interface RsyncReport {
  /** Regular files sent or received (paths as rsync names them, relative to the transfer root). */
  transferred: string[];
  /** Files left out because they are larger than `--max-size`. */
  skippedForSize: string[];
}

/** Reads `--itemize-changes` lines and `--info=skip` "is over max-size" notices from rsync's stdout. */
export function parseRsyncOutput(stdout: string): RsyncReport {
  const transferred: string[] = [];
  const skippedForSize: string[] = [];
  for (const line of stdout.split("\n")) {
    const item = /^([<>ch.*])([fdLDS])[^ ]{7,9} (.*)$/.exec(line);
    if (item) {
      if ((item[1] === "<" || item[1] === ">") && item[2] === "f")
        transferred.push(unescapeName(item[3] ?? ""));
      continue;
    }
    // Newer rsync appends "(SIZE > MAX)".
    const skip = /^(.*) is over max-size(?: \([0-9]+ > [0-9]+\))?$/.exec(line);
    if (skip) skippedForSize.push(unescapeName(skip[1] ?? ""));
  }
  return { transferred, skippedForSize };
}

/** rsync prints unprintable bytes of names as \#ooo (octal): turn them back into bytes. */
export function unescapeName(name: string): string {
  if (!name.includes("\\#")) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length;) {
    const m = /^\\#([0-7]{3})/.exec(name.slice(i, i + 5));
    if (m) {
      bytes.push(parseInt(m[1] as string, 8));
      i += 5;
    } else {
      const cp = name.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      bytes.push(...Buffer.from(ch, "utf8"));
      i += ch.length;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
