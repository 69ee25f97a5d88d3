/**
 * Helpers shared by the batch-queue runners (pbs, lsf): Drover's runner job name, raw directive
 * checks, argv budgets for poll chunks, and the "gone only with evidence" reading of a query.
 * Pure: no I/O.
 */
import { ConfigError } from "../../errors.js";
import type { JobRef, ParsedPoll } from "../runner.js";
import type { QueueAnswer } from "../../job/verdict-input.js";
import type { JobAttributes } from "./job-attributes.js";

/**
 * Bytes of job IDs one poll command may carry. Far below ARG_MAX (2 MiB on Linux) so that the
 * environment and the batch program's own words always fit; about 5,000 PBS IDs.
 */
export const POLL_ARGV_BUDGET = 64 * 1024;

/** Generic job attributes (one definition for every runner; PBS and LSF read them per node). */
export type { JobAttributes };

/** One raw runner directive from the configuration, with where it was written. */
export interface RawDirective {
  /** The option, e.g. `-l` or `-R`. */
  key: string;
  /** Its value, written after one space; "" for a flag. */
  value: string;
  file?: string;
  line?: number;
}

/** A queue, account or value safe to write after a directive prefix (no spaces, no controls). */
const WORD = /^[A-Za-z0-9_.:@%+=,/-]+$/;

/** Throws ConfigError unless every attribute is in range; returns the attributes unchanged. */
export function checkAttributes(
  a: JobAttributes,
  where: { file?: string; line?: number } = {},
): JobAttributes {
  const positive = (n: number | undefined, name: string): void => {
    if (n !== undefined && (!Number.isSafeInteger(n) || n < 1))
      throw new ConfigError(`${name} must be a positive integer, got ${String(n)}`, {
        ...where,
        keyPath: name,
      });
  };
  positive(a.memoryBytes, "memoryBytes");
  positive(a.cpus, "cpus");
  positive(a.nodes, "nodes");
  for (const k of ["queue", "account"] as const) {
    const v = a[k];
    if (v !== undefined && !WORD.test(v))
      throw new ConfigError(`${k} ${JSON.stringify(v)} has characters a directive cannot carry`, {
        ...where,
        keyPath: k,
      });
  }
  return a;
}

/**
 * Renders raw directives as `<prefix> <key> <value>` lines, refusing reserved keys (Drover's own:
 * job name, output and error paths, time limit and its signal, cluster) with a ConfigError naming
 * file and line. `reserved(key, value)` returns why a directive is refused, or null.
 */
export function renderRawDirectives(
  prefix: string,
  raw: readonly RawDirective[],
  reserved: (key: string, value: string) => string | null,
): string[] {
  return raw.map((d) => {
    const where = { file: d.file, line: d.line };
    if (!/^-[A-Za-z][A-Za-z0-9_]*$/.test(d.key))
      throw new ConfigError(`bad ${prefix} directive option ${JSON.stringify(d.key)}`, where);
    if ([...d.value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
      throw new ConfigError(`${prefix} ${d.key}: a directive value cannot hold control characters`, where);
    const why = reserved(d.key, d.value);
    if (why !== null) throw new ConfigError(`${prefix} ${d.key} is reserved: ${why}`, where);
    return d.value === "" ? `${prefix} ${d.key}` : `${prefix} ${d.key} ${d.value}`;
  });
}

/**
 * Drover's runner job name `<run tag>.<job name>.<token>`, fitted to `max` characters by shortening
 * the job name part first, then the run tag; the token is never cut (lookups search for it).
 */
export function runnerJobName(runTag: string, jobName: string, token: string, max: number): string {
  const full = `${runTag}.${jobName}.${token}`;
  if (full.length <= max) return full;
  const room = max - token.length - 2;
  if (room < 2) return full.slice(full.length - max);
  const tag = runTag.slice(0, Math.max(1, Math.min(runTag.length, Math.ceil(room / 2))));
  const name = jobName.slice(0, Math.max(1, room - tag.length));
  return `${tag}.${name}.${token}`.slice(0, max);
}

/**
 * Splits jobs into chunks whose IDs fit `budget` bytes of argv (each ID counts its length plus a
 * separator and quoting). Order is kept; an ID alone over the budget gets a chunk of its own.
 */
export function chunkJobs(jobs: readonly JobRef[], budget = POLL_ARGV_BUDGET): JobRef[][] {
  return chunkByBytes(jobs, (j) => Buffer.byteLength(j.jobId) + 3, budget);
}

/**
 * Splits items into chunks whose costs (argv bytes) add up to at most `budget`; order is kept and
 * an item alone over the budget gets a chunk of its own.
 */
export function chunkByBytes<T>(items: readonly T[], cost: (item: T) => number, budget: number): T[][] {
  const chunks: T[][] = [];
  let cur: T[] = [];
  let used = 0;
  for (const item of items) {
    const c = cost(item);
    if (cur.length > 0 && used + c > budget) {
      chunks.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(item);
    used += c;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

/** Caps text quoted in an error message. */
export function clip(text: string, n = 300): string {
  return text.length <= n ? text : `${text.slice(0, n)}...`;
}

/** What a query said about one asked job: its record, or positive evidence that it is gone. */
export type JobLookup<R> = { kind: "record"; record: R } | { kind: "gone"; evidence: string };

/**
 * Matches asked jobs to what a query printed. A job is "gone" only on positive evidence (a "not
 * found" line naming it); a job with neither a record nor such a line makes the whole reading an
 * error, so a cut or partial output is never read as "jobs gone" (DESIGN.md, Verdicts, rule 1).
 * `norm` maps an ID to the form both sides are compared in (PBS: the sequence number).
 */
export function matchJobs<R>(
  jobs: readonly JobRef[],
  records: ReadonlyMap<string, R>,
  gone: ReadonlyMap<string, string>,
  norm: (id: string) => string,
): Map<string, JobLookup<R>> | { error: string } {
  const out = new Map<string, JobLookup<R>>();
  for (const j of jobs) {
    const id = norm(j.jobId);
    const rec = records.get(id);
    if (rec !== undefined) {
      out.set(j.key, { kind: "record", record: rec });
      continue;
    }
    const why = gone.get(id);
    if (why === undefined)
      return {
        error: `no record and no "not found" line for job ${j.jobId}: output incomplete, not read as gone`,
      };
    out.set(j.key, { kind: "gone", evidence: why });
  }
  return out;
}

/**
 * Queue answers from a reading of the runner's table: a job whose record is listed is listed with
 * its state; a job gone (or whose recorded ID is not one of this runner's) is unlisted.
 */
export function queueAnswers<R extends { listed: boolean }>(
  jobs: readonly JobRef[],
  asked: readonly JobRef[],
  reading: { records: ReadonlyMap<string, R>; gone: ReadonlyMap<string, string> },
  norm: (id: string) => string,
  valid: (j: JobRef) => boolean,
  stateOf: (r: R) => string,
): ParsedPoll {
  const matched = matchJobs(asked, reading.records, reading.gone, norm);
  if ("error" in matched) return { ok: false, error: matched.error };
  const answers = new Map<string, QueueAnswer>();
  // A recorded ID that is not this runner's cannot be in the queue.
  for (const j of jobs) if (!valid(j)) answers.set(j.key, { kind: "unlisted" });
  for (const [key, m] of matched)
    answers.set(
      key,
      m.kind === "record" && m.record.listed
        ? { kind: "listed", runnerState: stateOf(m.record) }
        : { kind: "unlisted" },
    );
  return { ok: true, answers };
}

/** Splits text into complete lines; an unterminated last line means the output was cut. */
export function completeLines(text: string): string[] | { error: string } {
  if (text === "") return [];
  if (!text.endsWith("\n"))
    return { error: `output cut mid-line: ${JSON.stringify(clip(text.slice(-120), 120))}` };
  return text.slice(0, -1).split("\n");
}

/**
 * Where a JSON document sits among output lines: from the first line starting with `{` to the last
 * line ending with `}`. Lines outside are stderr lines (kept apart by the caller). `first` is -1
 * when there is no document; `last < first` when it was cut.
 */
function jsonRegion(lines: readonly string[]): { first: number; last: number } {
  const first = lines.findIndex((l) => l.startsWith("{"));
  let last = lines.length - 1;
  while (last >= 0 && !(lines[last] ?? "").trimEnd().endsWith("}")) last--;
  return { first, last };
}

/** True for a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads a JSON query's output (bjobs, qstat): the document, parsed, and the "gone" evidence of the
 * stderr lines around it. `goneLine` names the job a line says is gone (ID as the caller keys it),
 * or null; any other non-blank line, a cut line or document, or invalid JSON is an error. `doc` is
 * undefined when the command printed no document. `what` names the command in messages.
 */
export function readJsonOutput(
  text: string,
  what: string,
  goneLine: (line: string) => { id: string; text: string } | null,
): { doc: unknown; gone: Map<string, string> } | { error: string } {
  const lines = completeLines(text);
  if ("error" in lines) return lines;
  const gone = new Map<string, string>();
  const { first, last } = jsonRegion(lines);
  const outside = first < 0 ? lines : [...lines.slice(0, first), ...lines.slice(last + 1)];
  for (const l of outside) {
    if (l.trim() === "") continue;
    const g = goneLine(l);
    if (!g) return { error: `unexpected ${what} line: ${JSON.stringify(clip(l, 200))}` };
    gone.set(g.id, g.text);
  }
  if (first < 0) return { doc: undefined, gone };
  if (last < first) return { error: `${what} JSON is cut: no closing brace` };
  try {
    return { doc: JSON.parse(lines.slice(first, last + 1).join("\n")) as unknown, gone };
  } catch (e) {
    return { error: `${what} printed invalid JSON (${(e as Error).message})` };
  }
}
