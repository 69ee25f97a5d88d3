/**
 * Pieces the batched lookups share (runner.ts, `lookupsQuery`/`parseLookups`): which jobs can be
 * looked up (a well-formed token), matching a runner job name to the token it carries, turning the
 * IDs found per token into an answer for every asked job, and argv-sized chunks for runners that
 * pass names as arguments. Pure.
 */
import type { RunnerData } from "../../remote/batch-types.js";
import type { LookupAnswer } from "../../job/verdict-input.js";
import type { LookupJob, ParsedLookups } from "../runner.js";
import { chunkByBytes, POLL_ARGV_BUDGET } from "./batch-common.js";

/** Tokens Drover writes (hex today); anything else is never put in a query nor matched. */
export const LOOKUP_TOKEN = /^[A-Za-z0-9_-]{6,128}$/;

/** The jobs whose token can be looked up; the others get no answer (their verdict waits). */
export function lookupable(jobs: readonly LookupJob[]): LookupJob[] {
  return jobs.filter((j) => LOOKUP_TOKEN.test(j.token));
}

/**
 * The token a runner job name carries, when it is one of `tokens`: the whole name, or the part
 * after its last dot (Drover's names are `<run>.<job>.<token>`; tokens hold no dot). Else null.
 */
export function tokenOfName(name: string, tokens: ReadonlySet<string>): string | null {
  if (tokens.has(name)) return name;
  const dot = name.lastIndexOf(".");
  if (dot < 0) return null;
  const tail = name.slice(dot + 1);
  return tokens.has(tail) ? tail : null;
}

/** Collects job IDs by token: the first one seen wins (the queue is read before accounting). */
export class FoundIds {
  private readonly ids = new Map<string, string>();
  readonly tokens: ReadonlySet<string>;
  constructor(jobs: readonly LookupJob[]) {
    this.tokens = new Set(jobs.map((j) => j.token));
  }
  /** Records `id` for the token `name` carries, if any. */
  noteName(name: string, id: string): void {
    const t = tokenOfName(name, this.tokens);
    if (t !== null && !this.ids.has(t)) this.ids.set(t, id);
  }
  /** Records `id` for `token` itself, if asked. */
  noteToken(token: string, id: string): void {
    if (this.tokens.has(token) && !this.ids.has(token)) this.ids.set(token, id);
  }
  get(token: string): string | undefined {
    return this.ids.get(token);
  }
}

/**
 * An answer for every asked job with a valid token: found with its job ID (`jobId` maps the ID as
 * the runner printed it to Drover's form, e.g. `id;cluster`), else not found. Call it only once
 * the whole reply has been read and checked.
 */
export function lookupAnswers(
  jobs: readonly LookupJob[],
  found: FoundIds,
  jobId: (id: string) => string = (id) => id,
): ParsedLookups {
  const out = new Map<string, { answer: LookupAnswer; runnerData: RunnerData }>();
  for (const j of lookupable(jobs)) {
    const id = found.get(j.token);
    out.set(j.key, {
      answer: id === undefined ? { kind: "not-found" } : { kind: "found", jobId: jobId(id) },
      runnerData: {},
    });
  }
  return out;
}

/**
 * Splits jobs into chunks whose argument words (`words(job)`, one or more per job) fit `budget`
 * bytes, for runners whose lookup names each job on its command line. Order is kept.
 */
export function chunkLookups(
  jobs: readonly LookupJob[],
  words: (j: LookupJob) => readonly string[],
  budget = POLL_ARGV_BUDGET,
): LookupJob[][] {
  return chunkByBytes(jobs, (j) => words(j).reduce((n, w) => n + Buffer.byteLength(w) + 3, 0), budget);
}
