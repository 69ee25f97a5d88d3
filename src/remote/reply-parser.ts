/**
 * Pure parsing of a batch program's stdout into sections. Tolerant by design: a line that is not
 * ours, a section cut short or a malformed marker becomes an error that keeps the raw text; the
 * parser never throws on any input.
 */
import { markerPrefix } from "./nonce.js";

/** One `@@drover:<nonce> <kind> <arg>` ... `@@drover:<nonce> end <rc>` section. */
export interface ReplySection {
  kind: string;
  arg: string;
  /** Content lines without their prefix. */
  lines: string[];
  /** The exact text the content stands for (`|x` is `x\n`, `:x` is `x` with no newline). */
  text: string;
  /** The end marker's code; null when the section was never closed (reply cut). */
  rc: number | null;
}

/** Facts from the start marker: the program ran on the host. */
export interface StartFacts {
  pid: string;
  start: string;
  boot: string;
  time: string;
}

/** Everything read from one reply. */
export interface ParsedReply {
  /** Closed sections in order (the start and done sections included). */
  sections: ReplySection[];
  start: StartFacts | null;
  /** The closed `done` section's code, or null when the program did not reach its end. */
  doneRc: number | null;
  /** Problems, each with the raw text concerned (capped). */
  errors: string[];
}

const RAW_CAP = 300;

/** Splits `stdout` into the sections marked with `nonce`. */
export function parseReply(stdout: string, nonce: string): ParsedReply {
  const m = markerPrefix(nonce);
  const sections: ReplySection[] = [];
  const errors: string[] = [];
  let cur: ReplySection | null = null;
  let partial = false;
  let startSeen = false;
  const lines = stdout.split("\n");
  const tail = lines.pop() ?? "";
  if (tail !== "") errors.push(`reply cut mid-line: ${raw(tail)}`);
  for (const line of lines) {
    if (line.startsWith(m)) {
      const rest = line.slice(m.length);
      const sp = rest.indexOf(" ");
      const kind = sp < 0 ? rest : rest.slice(0, sp);
      const arg = sp < 0 ? "" : rest.slice(sp + 1);
      if (kind === "end") {
        if (!cur) {
          errors.push(`end marker outside a section: ${raw(line)}`);
        } else if (!/^-?[0-9]{1,9}$/.test(arg)) {
          errors.push(`malformed end marker in ${cur.kind} ${cur.arg}: ${raw(line)}`);
          cur = null;
        } else {
          cur.rc = Number(arg);
          sections.push(cur);
          if (cur.kind === "start") startSeen = true;
          cur = null;
        }
        continue;
      }
      if (cur) errors.push(`section ${cur.kind} ${cur.arg} not closed before ${raw(line)}`);
      if (!/^[a-z][a-z-]*$/.test(kind)) {
        errors.push(`malformed marker: ${raw(line)}`);
        cur = null;
        continue;
      }
      cur = { kind, arg, lines: [], text: "", rc: null };
      partial = false;
      continue;
    }
    if (cur) {
      const p = line[0];
      if ((p === "|" || p === ":") && !partial) {
        const v = line.slice(1);
        cur.lines.push(v);
        cur.text += p === "|" ? `${v}\n` : v;
        partial = p === ":";
      } else {
        errors.push(`malformed line in ${cur.kind} ${cur.arg}: ${raw(line)}`);
      }
      continue;
    }
    // Before the start marker, a login shell may print banners: not ours, not an error.
    if (startSeen) errors.push(`line outside any section: ${raw(line)}`);
  }
  if (cur) errors.push(`section ${cur.kind} ${cur.arg} cut short (${cur.lines.length} lines)`);
  const startSec = sections.find((s) => s.kind === "start");
  const done = sections.find((s) => s.kind === "done");
  return { sections, start: startSec ? readStart(startSec) : null, doneRc: done?.rc ?? null, errors };
}

/** `key=value` lines of a section as a map (the first `=` splits). */
export function keyValues(sec: ReplySection): Map<string, string> {
  const kv = new Map<string, string>();
  for (const l of sec.lines) {
    const eq = l.indexOf("=");
    if (eq > 0 && !kv.has(l.slice(0, eq))) kv.set(l.slice(0, eq), l.slice(eq + 1));
  }
  return kv;
}

/** All values of a repeated key, in order. */
export function allValues(sec: ReplySection, key: string): string[] {
  return sec.lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

function readStart(sec: ReplySection): StartFacts {
  const kv = keyValues(sec);
  return {
    pid: kv.get("pid") ?? "",
    start: kv.get("start") ?? "",
    boot: kv.get("boot") ?? "",
    time: kv.get("time") ?? "",
  };
}

function raw(s: string): string {
  return JSON.stringify(s.length > RAW_CAP ? `${s.slice(0, RAW_CAP)}...` : s);
}
