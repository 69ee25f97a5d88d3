/**
 * One job.status line: its grammar (parse), its text (format) and the message escaping.
 * Pure functions; `parseStatusLine` never throws.
 */
import type { StatusExit, StatusInit, StatusMessage, StatusVacated } from "../job/model.js";

/** A parsed job.status line. */
export type StatusEntry =
  | { key: "token"; value: string }
  | { key: "runner"; value: string }
  | { key: "jobId"; value: string }
  | { key: "submitTime"; value: string }
  /** `DROVER_JOB_PROCESS=<pid>|<start>|<boot>`: the process a launcher started (at), read by its runner. */
  | { key: "process"; value: string }
  | { key: "init"; init: StatusInit }
  | { key: "message"; message: StatusMessage }
  | { key: "vacated"; vacated: StatusVacated }
  | { key: "exit"; exit: StatusExit };

/** UTC ISO 8601 as the wrapper and the batch program write it (fraction and offset tolerated). */
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** A count, PID or exit code: plain decimal, no sign, bounded so it stays a safe integer. */
const COUNT = /^(0|[1-9]\d{0,9})$/;
/** A signal name as bash spells it without SIG, or one of the wrapper's words (SUCCEEDED, ERR, EXIT). */
const SIGNAL = /^[A-Z][A-Z0-9]{0,15}$/;
const SEVERITIES: ReadonlySet<string> = new Set(["INFO", "WARNING", "CRITICAL"]);
/** Values must be visible text: a control character means a torn or foreign line. */
const CONTROL = /\p{Cc}/u;

/** Signals Linux names; a complete VACATED line ends in one of them (a prefix like `USR` does not). */
export const KNOWN_SIGNALS: ReadonlySet<string> = new Set(
  (
    "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP " +
    "TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS"
  ).split(" "),
);

/** Escapes message text for one line: `\` -> `\\`, newline -> `\n`, CR -> `\r`. */
export function escapeMessage(text: string): string {
  return text.replace(/[\\\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : "\\r"));
}

/** Reverses `escapeMessage`. Lenient: an unknown escape or a lone trailing `\` stays as written. */
export function unescapeMessage(text: string): string {
  return text.replace(/\\([\\nr])/g, (_m, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : "\\"));
}

/** `DROVER_JOB_INIT=...` line, newline included. */
export function formatInitLine(i: StatusInit): string {
  return `DROVER_JOB_INIT=${i.time}|${i.runCount}|${i.pid}|${i.jobId}\n`;
}

/** `DROVER_MESSAGE=...` line with the text escaped, newline included. */
export function formatMessageLine(m: StatusMessage): string {
  return `DROVER_MESSAGE=${m.time}|${m.severity}|${escapeMessage(m.text)}\n`;
}

/** `DROVER_JOB_VACATED=...` line, newline included. */
export function formatVacatedLine(v: StatusVacated): string {
  return `DROVER_JOB_VACATED=${v.time}|${v.signal}\n`;
}

/** `DROVER_JOB_EXIT=...` line, newline included. */
export function formatExitLine(e: StatusExit): string {
  return `DROVER_JOB_EXIT=${e.time}|${e.signal}|${e.code}\n`;
}

/** A free-text value (token, runner, job ID): non-empty, no control characters, no `|`. */
function plainValue(v: string): string | null {
  return v !== "" && !CONTROL.test(v) && !v.includes("|") ? v : null;
}

function parseInit(v: string): StatusEntry | null {
  const f = v.split("|");
  if (f.length !== 4) return null;
  const [time = "", count = "", pid = "", jobId = ""] = f;
  if (!TIME.test(time) || !COUNT.test(count) || !COUNT.test(pid) || plainValue(jobId) === null) return null;
  return { key: "init", init: { time, runCount: Number(count), pid: Number(pid), jobId } };
}

function parseMessage(v: string): StatusEntry | null {
  const a = v.indexOf("|");
  const b = a < 0 ? -1 : v.indexOf("|", a + 1);
  if (b < 0) return null;
  const time = v.slice(0, a);
  const severity = v.slice(a + 1, b);
  const text = v.slice(b + 1);
  // Text is free: raw tabs or escape sequences a job printed are kept, not rejected.
  if (!TIME.test(time) || !SEVERITIES.has(severity)) return null;
  return {
    key: "message",
    message: { time, severity: severity as StatusMessage["severity"], text: unescapeMessage(text) },
  };
}

function parseVacated(v: string, complete: boolean): StatusEntry | null {
  const f = v.split("|");
  if (f.length !== 2) return null;
  const [time = "", signal = ""] = f;
  if (!TIME.test(time) || !SIGNAL.test(signal)) return null;
  // Without a newline only a whole known name proves the line was not cut short.
  if (!complete && !KNOWN_SIGNALS.has(signal)) return null;
  return { key: "vacated", vacated: { time, signal } };
}

function parseExit(v: string): StatusEntry | null {
  const f = v.split("|");
  if (f.length !== 3) return null;
  const [time = "", signal = "", code = ""] = f;
  if (!TIME.test(time) || !SIGNAL.test(signal) || !COUNT.test(code)) return null;
  return { key: "exit", exit: { time, signal, code: Number(code) } };
}

/**
 * Parses one line (without its newline). `complete` is false for a last line that had no newline:
 * it may be cut mid-write, so it is accepted only when its end is self-delimiting (a full time, a
 * known signal name); a token, ID, count or text could be a cut prefix and is rejected (null).
 */
export function parseStatusLine(line: string, complete = true): StatusEntry | null {
  const eq = line.indexOf("=");
  if (eq < 0) return null;
  const key = line.slice(0, eq);
  const v = line.slice(eq + 1);
  switch (key) {
    case "DROVER_JOB_TOKEN":
      return complete && plainValue(v) !== null ? { key: "token", value: v } : null;
    case "DROVER_JOB_RUNNER":
      return complete && plainValue(v) !== null ? { key: "runner", value: v } : null;
    case "DROVER_JOB_ID":
      return complete && plainValue(v) !== null ? { key: "jobId", value: v } : null;
    case "DROVER_JOB_SUBMIT_TIME":
      return TIME.test(v) ? { key: "submitTime", value: v } : null;
    case "DROVER_JOB_PROCESS":
      return complete && /^[0-9]{1,10}\|[0-9]{1,20}\|[0-9a-f-]{0,64}$/.test(v)
        ? { key: "process", value: v }
        : null;
    case "DROVER_JOB_INIT":
      return complete ? parseInit(v) : null;
    case "DROVER_MESSAGE":
      return complete ? parseMessage(v) : null;
    case "DROVER_JOB_VACATED":
      return parseVacated(v, complete);
    case "DROVER_JOB_EXIT":
      return complete ? parseExit(v) : null;
    default:
      return null;
  }
}
