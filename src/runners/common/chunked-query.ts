/**
 * Queries whose job IDs go on the command line (PBS `qstat IDS`, LSF `bjobs IDS`): IDs are split
 * into chunks that each fit the argv budget, and every chunk is asked, one call each, inside one
 * runner command, so no job goes unasked however many a host holds. One chunk is the plain command
 * (its output read as the runner prints it); several run under one `sh -c` that frames each call's
 * stdout, stderr and exit code, and ends with the end line only once every call has run.
 * Pure: builds text and reads text.
 */
import { shellQuote } from "../../script/shell-quote.js";
import type { CommandSpec, QueryReply } from "../runner.js";
import { END_LINE, clip, queryLines } from "./query-output.js";

/** Words a chunked ID may hold: the shell splits chunks on spaces, so none of its own specials. */
const SAFE_ID = /^[A-Za-z0-9_.\-[\]]+$/;

/** Marker lines of one chunk's section in the framed reply (content lines start with `|`). */
const OUT = "@@chunk-out";
const ERR = "@@chunk-err";
const END = /^@@chunk-end ([0-9]{1,3})$/;

/**
 * The one command asking `head` about every chunk of IDs: `true` for none, `head IDS` for one, a
 * framing `sh -c` for more. IDs must be plain words (runners validate them before chunking).
 */
export function chunkedQuerySpec(
  head: readonly string[],
  chunks: readonly (readonly string[])[],
): CommandSpec {
  const asked = chunks.filter((c) => c.length > 0);
  if (asked.length === 0) return { argv: ["true"], stdin: "/dev/null" };
  const only = asked[0];
  if (asked.length === 1 && only) return { argv: [...head, ...only], stdin: "/dev/null" };
  for (const c of asked)
    for (const id of c) if (!SAFE_ID.test(id)) throw new RangeError(`bad job ID ${JSON.stringify(id)}`);
  // Each chunk is one word split by the shell (no globbing: `[` is an ID character); stdout and
  // stderr go to files so each is printed whole, line-prefixed, and the exit code is kept.
  const script = `exec 2>&1
set -f
o=$(mktemp) && e=$(mktemp) || exit 1
trap 'rm -f "$o" "$e"' EXIT
for c; do
  ${head.map(shellQuote).join(" ")} $c >"$o" 2>"$e" </dev/null
  rc=$?
  echo '${OUT}'; awk '{ print "|" $0 }' "$o" || exit
  echo '${ERR}'; awk '{ print "|" $0 }' "$e" || exit
  echo "@@chunk-end $rc"
done
echo '${END_LINE}'`;
  return {
    argv: ["sh", "-c", script, "drover-query", ...asked.map((c) => c.join(" "))],
    stdin: "/dev/null",
  };
}

/**
 * The reply of `chunkedQuerySpec` split back per chunk, as each call's own reply (`rc`, stdout then
 * stderr): one chunk's reply is the reply itself; several need every section whole, or the whole
 * reading is an error (a cut reply never reads as "jobs gone").
 */
export function splitChunkedReply(
  reply: QueryReply,
  chunks: number,
  what: string,
): QueryReply[] | { error: string } {
  if (chunks <= 0) return [];
  if (chunks === 1) return [reply];
  const out = queryLines(reply, what);
  if ("error" in out) return out;
  const replies: QueryReply[] = [];
  let i = 0;
  const lines = out.lines;
  const body = (): string[] => {
    const got: string[] = [];
    while (i < lines.length && (lines[i] ?? "").startsWith("|")) got.push((lines[i++] ?? "").slice(1));
    return got;
  };
  while (i < lines.length) {
    if (lines[i++] !== OUT) return { error: `${what}: unexpected line ${clip(lines[i - 1] ?? "")}` };
    const stdout = body();
    if (lines[i++] !== ERR) return { error: `${what}: chunk ${replies.length + 1} has no stderr section` };
    const stderr = body();
    const end = END.exec(lines[i++] ?? "");
    if (!end) return { error: `${what}: chunk ${replies.length + 1} has no end line` };
    const text = [...stdout, ...stderr].map((l) => `${l}\n`).join("");
    replies.push({ rc: Number(end[1]), text, boot: reply.boot });
  }
  if (replies.length !== chunks)
    return { error: `${what}: ${replies.length} of ${chunks} chunks answered: not read as gone` };
  return replies;
}

/** What a runner reads from one call: records by ID and positive "gone" evidence by ID. */
export interface ChunkReading<R> {
  records: Map<string, R>;
  gone: Map<string, string>;
}

/**
 * Reads every chunk's reply with `read` (handed the reply and the chunk's size) and merges the
 * readings; any chunk's error is the whole reading's error.
 */
export function readChunks<R>(
  reply: QueryReply,
  sizes: readonly number[],
  what: string,
  read: (r: QueryReply, n: number) => ChunkReading<R> | { error: string },
): ChunkReading<R> | { error: string } {
  const merged: ChunkReading<R> = { records: new Map(), gone: new Map() };
  const asked = sizes.filter((n) => n > 0);
  const parts = splitChunkedReply(reply, asked.length, what);
  if ("error" in parts) return parts;
  for (const [i, part] of parts.entries()) {
    const r = read(part, asked[i] ?? 0);
    if ("error" in r)
      return { error: asked.length > 1 ? `chunk ${i + 1} of ${asked.length}: ${r.error}` : r.error };
    for (const [k, v] of r.records) merged.records.set(k, v);
    for (const [k, v] of r.gone) merged.gone.set(k, v);
  }
  return merged;
}
