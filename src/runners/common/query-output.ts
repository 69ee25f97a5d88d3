/**
 * Pieces the queue-based runners (slurm, sge, at) share: every query runs as one `sh -c` script
 * that merges stderr into stdout and prints an end line only when its commands succeeded, so a
 * reply cut at a line boundary can never pass for a short table (a lost row must never read as
 * "job gone"). Also the argv cap that splits long job-ID lists.
 */
import type { CommandArg, CommandSpec, QueryReply } from "../runner.js";

/** The line every query script prints last, and only when its commands succeeded. */
export const END_LINE = "@@drover-query-end";

/** Bytes of one argument word kept well below Linux's MAX_ARG_STRLEN (128 KiB). */
export const MAX_WORD_BYTES = 64 * 1024;

/** Bytes of all job-ID words of one query, well below a typical ARG_MAX (2 MiB with an 8 MiB stack). */
export const MAX_QUERY_BYTES = 512 * 1024;

/**
 * A `sh -c` command spec: `body` runs with stderr merged into stdout and `args` as `$1...`; the end
 * line follows when `body` returns 0. stdin is `/dev/null`, never inherited.
 */
export function shQuery(body: string, args: readonly CommandArg[]): CommandSpec {
  const script = `exec 2>&1\n${body}\nrc=$?\n[ "$rc" -eq 0 ] || exit "$rc"\necho '${END_LINE}'`;
  return { argv: ["sh", "-c", script, "drover-query", ...args], stdin: "/dev/null" };
}

/**
 * The lines of a query's output before its end line, or an error: a non-zero exit, a missing end
 * line (cut short), or anything after it. `what` names the command in messages.
 */
export function queryLines(reply: QueryReply, what: string): { lines: string[] } | { error: string } {
  const text = reply.text;
  if (reply.rc !== 0) return { error: `${what} failed (rc=${reply.rc}): ${clip(text)}` };
  const lines = text.split("\n");
  // The text must end with the end line and its newline (or the newline the reply parser dropped).
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines[lines.length - 1] !== END_LINE)
    return { error: `${what}: the output was cut short (no end line): ${clip(text)}` };
  lines.pop();
  return { lines };
}

/**
 * Splits IDs into comma-joined words of at most `maxWord` bytes, stopping once `maxTotal` bytes are
 * used: the IDs that did not fit are returned apart (asked in a later round).
 */
export function chunkIds(
  ids: readonly string[],
  maxWord = MAX_WORD_BYTES,
  maxTotal = MAX_QUERY_BYTES,
): { words: string[]; asked: Set<string>; left: string[] } {
  const words: string[] = [];
  const asked = new Set<string>();
  const left: string[] = [];
  let word = "";
  let total = 0;
  for (const id of ids) {
    if (asked.has(id)) continue;
    const cost = Buffer.byteLength(id) + 1;
    if (cost > maxWord || total + cost > maxTotal) {
      left.push(id);
      continue;
    }
    if (word !== "" && Buffer.byteLength(word) + cost > maxWord) {
      words.push(word);
      word = "";
    }
    word = word === "" ? id : `${word},${id}`;
    total += cost;
    asked.add(id);
  }
  if (word !== "") words.push(word);
  return { words, asked, left };
}

/** Output kept in an error message: short, one line per line. */
export function clip(text: string, max = 400): string {
  const t = text.trim();
  return JSON.stringify(t.length > max ? `${t.slice(0, max)}...` : t);
}

/** True when a line is a tool's own warning (kept out of tables, never a row). */
export function isToolWarning(line: string): boolean {
  return /^[a-z_]+: warning: /i.test(line);
}
