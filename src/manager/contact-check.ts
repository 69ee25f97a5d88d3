/**
 * Whether the Drover named by a contact file still runs: the facts about its pid (from this
 * host's /proc, or from a small sh/awk probe sent over SSH) judged against what the file recorded.
 * Pure: the probe text is built here and its one-line answer parsed here; nothing is run.
 */
import { shellQuote } from "../script/shell-quote.js";

/** What a contact file records about its Drover (the fields a check compares). */
export interface ContactIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat ("" in files that could not read it). */
  procStart: string;
  /** /proc/<pid>/cmdline split at NUL; absent in files written before it was recorded. */
  cmdline?: string[];
  /** /proc/sys/kernel/random/boot_id of the host; absent in older files. */
  bootId?: string;
}

/** What a host says about a pid now. */
export interface ProcFacts {
  /** The host's boot id, or null when it cannot be read. */
  bootId: string | null;
  /** One-letter process state (R, S, Z...), or null when there is no such process. */
  state: string | null;
  /** Field 22 of /proc/<pid>/stat, or null when there is no such process. */
  start: string | null;
  /** The command line, or null when unreadable or empty (zombies, kernel threads). */
  cmdline: string[] | null;
  /** True when the command line was cut at CMDLINE_CAP bytes. */
  cmdlineCut?: boolean;
}

/** Whether the contact's Drover runs: alive, dead (with why), or unknown (with why). */
export type ContactVerdict =
  { state: "alive" } | { state: "dead"; why: string } | { state: "unknown"; why: string };

/** Bytes of a command line the probe sends back (a reused pid may carry a huge one). */
export const CMDLINE_CAP = 65536;

/** The first word of the probe's answer line; nothing else a login profile prints starts so. */
export const PROBE_MARK = "@@drover-contact";

/**
 * Decides from the facts: another boot id, no process, a zombie, another start or command: dead;
 * a host that shows neither boot id nor process: unknown.
 */
export function judgeContact(c: ContactIdentity, f: ProcFacts): ContactVerdict {
  const pid = c.pid;
  if (c.bootId && f.bootId && c.bootId !== f.bootId) {
    return { state: "dead", why: `the host has rebooted since (boot id ${f.bootId}, recorded ${c.bootId})` };
  }
  // Neither boot id nor process readable: a host without /proc proves nothing about the pid.
  if (f.bootId === null && f.state === null) {
    return {
      state: "unknown",
      why: `the host shows neither its boot id nor process ${pid} (no /proc there?)`,
    };
  }
  if (f.state === null || f.start === null) return { state: "dead", why: `there is no process ${pid}` };
  // A Drover killed but not yet reaped by its parent holds no contact any more.
  if (f.state === "Z" || f.state === "X") return { state: "dead", why: `process ${pid} has exited (zombie)` };
  if (f.start !== c.procStart) {
    return {
      state: "dead",
      why: `pid ${pid} is another process now (started at tick ${f.start}, recorded ${c.procStart || "none"})`,
    };
  }
  if (c.cmdline && f.cmdline && !sameCmdline(c.cmdline, f.cmdline, f.cmdlineCut === true)) {
    return { state: "dead", why: `pid ${pid} is another process now: ${showCmdline(f.cmdline)}` };
  }
  return { state: "alive" };
}

function sameCmdline(recorded: string[], now: string[], cut: boolean): boolean {
  const a = recorded.join("\0");
  const b = now.join("\0");
  // A cut answer may end inside a character: compare what surely arrived whole.
  return cut ? a.startsWith(b.slice(0, -2)) : a === b;
}

/** A command line for a message: printable, one line, at most 120 characters. */
export function showCmdline(argv: readonly string[]): string {
  const text = argv.join(" ").replace(/[\p{Cc}\p{Cf}]/gu, "?");
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Splits raw /proc/<pid>/cmdline bytes (NUL-terminated words); null when empty. */
export function splitCmdline(raw: Buffer): string[] | null {
  if (raw.length === 0) return null;
  const text = raw.toString("utf8");
  const words = text.split("\0");
  if (words.at(-1) === "") words.pop();
  return words;
}

/** Parses the text of /proc/<pid>/stat into its state and start time (field 22); null if garbled. */
export function parseProcStat(stat: string): { state: string; start: string } | null {
  // The command name (field 2) may hold spaces and parentheses: fields count from the last ")".
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(" ");
  const state = fields[0];
  const start = fields[19];
  if (!state || !/^[A-Za-z]$/.test(state) || !start || !/^\d+$/.test(start)) return null;
  return { state, start };
}

/**
 * The POSIX sh program that reports a pid's facts in one line: `@@drover-contact pid=P boot=B
 * stat=S:T cmd=HEX` (each value `-` when unreadable). It only reads /proc.
 */
export function buildContactProbe(pid: number): string {
  if (!Number.isSafeInteger(pid) || pid < 1) throw new RangeError(`not a pid: ${String(pid)}`);
  return [
    `p=${shellQuote(String(pid))}`,
    `b=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null </dev/null)`,
    // Fields after the last ") " start at field 3 (state); field 22 is the 20th of them.
    `s=$(awk '{ sub(/^.*\\) /, ""); print $1 ":" $20 }' "/proc/$p/stat" 2>/dev/null </dev/null)`,
    `c=$(head -c ${CMDLINE_CAP} "/proc/$p/cmdline" 2>/dev/null </dev/null | od -An -v -tx1 | tr -d ' \\n')`,
    `printf '%s pid=%s boot=%s stat=%s cmd=%s\\n' ${shellQuote(PROBE_MARK)} "$p" "\${b:--}" "\${s:--}" "\${c:--}"`,
    "",
  ].join("\n");
}

/** What a probe call returned (a CommandResult, or the parts of one). */
export interface ProbeResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The time limit, for the message when it was hit. */
  timeoutMs?: number;
}

const ANSWER =
  /^@@drover-contact pid=(\d+) boot=([0-9A-Za-z-]{1,64}) stat=([A-Za-z]:\d+|-) cmd=((?:[0-9a-f]{2})+|-)$/;

/**
 * Reads the probe's answer (the last marker line of stdout) and judges the contact by it. No
 * answer (ssh failed, timed out) or a garbled one gives `unknown`, naming the ssh error.
 */
export function parseContactProbe(c: ContactIdentity, r: ProbeResult): ContactVerdict {
  const lines = r.stdout.split("\n").map((l) => l.replace(/\r$/, ""));
  const marked = lines.filter((l) => l.startsWith(`${PROBE_MARK} `));
  const line = marked.at(-1);
  if (line === undefined) return { state: "unknown", why: failure(r) };
  const m = ANSWER.exec(line);
  if (!m || Number(m[1]) !== c.pid) {
    return { state: "unknown", why: `garbage answer from the host: ${JSON.stringify(line.slice(0, 120))}` };
  }
  const [, , boot = "-", stat = "-", hex = "-"] = m;
  const [state = null, start = null] = stat === "-" ? [] : stat.split(":");
  const raw = hex === "-" ? Buffer.alloc(0) : Buffer.from(hex, "hex");
  return judgeContact(c, {
    bootId: boot === "-" ? null : boot,
    state,
    start,
    cmdline: splitCmdline(raw),
    cmdlineCut: raw.length >= CMDLINE_CAP,
  });
}

/** Why a probe gave no answer: the timeout, else ssh's own last words. */
function failure(r: ProbeResult): string {
  if (r.timedOut) {
    const s = r.timeoutMs === undefined ? "" : ` after ${Math.round(r.timeoutMs / 1000)} s`;
    return `ssh timed out${s}`;
  }
  const said = r.stderr
    .split("\n")
    .map((l) => l.replace(/[\p{Cc}\p{Cf}]/gu, "").trim())
    .filter((l) => l !== "")
    .slice(-3)
    .join("; ");
  const code = r.exitCode === null ? "was killed" : `exited with ${r.exitCode}`;
  const text = said.length > 300 ? `${said.slice(0, 297)}...` : said;
  return text ? `ssh ${code}: ${text}` : `ssh ${code} without an answer`;
}
