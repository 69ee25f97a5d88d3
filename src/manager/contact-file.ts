/**
 * One live Drover per run: an O_EXCL contact file naming host, pid, process start time, command
 * line and boot id. A stale file (its Drover gone, its pid reused, its host rebooted) is removed;
 * a file naming another host is checked there over SSH (contact-probe.ts).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { printableLine } from "./record-messages.js";
import { parseProcStat, type ContactIdentity } from "./contact-check.js";
import { checkContactProcess, isThisHost, localProcFacts, type ContactCheck } from "./contact-probe.js";

export interface Contact extends ContactIdentity {
  host: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a reused pid apart. */
  procStart: string;
  startedAt: string;
  command: string;
  /** The process's real command line (/proc/self/cmdline); absent in older files. */
  cmdline?: string[];
  /** The host's boot id; absent in older files. */
  bootId?: string;
}

export const CONTACT_FILE = "contact";

/** How long a verdict about one contact file is reused (a command checks, then takes the run). */
const MEMO_MS = 5000;
const memo = new Map<string, { at: number; check: ContactCheck }>();

/** The start time of a process from /proc, or null when it does not exist. */
export function procStartTime(pid: number): string | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.start ?? null;
  } catch {
    return null;
  }
}

/** Reads the contact file; null when absent or unreadable garbage (reported by the caller). */
export function readContact(runDir: string): Contact | null {
  let text: string;
  try {
    text = readFileSync(join(runDir, CONTACT_FILE), "utf8");
  } catch {
    return null;
  }
  try {
    const c = JSON.parse(text) as unknown;
    return isContact(c) ? c : null;
  } catch {
    return null;
  }
}

/** The file's shape: required fields typed, optional ones (newer files) typed when present. */
function isContact(v: unknown): v is Contact {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const c = v as Record<string, unknown>;
  const str = (k: string) => typeof c[k] === "string";
  if (!str("host") || (c.host as string).length === 0) return false;
  if (typeof c.pid !== "number" || !Number.isSafeInteger(c.pid) || c.pid < 1) return false;
  if (!str("procStart") || !str("startedAt") || !str("command")) return false;
  if (c.cmdline !== undefined && !(Array.isArray(c.cmdline) && c.cmdline.every((w) => typeof w === "string")))
    return false;
  return c.bootId === undefined || str("bootId");
}

/**
 * True when the contact names a live process on this host (pid, start time, command line and boot
 * id match); "other-host" for a file written elsewhere (see {@link checkContact}).
 */
export function isContactLive(c: Contact): boolean | "other-host" {
  if (!isThisHost(c.host)) return "other-host";
  return checkContact(c, "").state === "alive";
}

/** Checks a contact where its Drover runs: here through /proc, elsewhere over SSH (memoised briefly). */
export function checkContact(c: Contact, runDir: string): ContactCheck {
  const key = `${runDir}\0${JSON.stringify(c)}`;
  const hit = memo.get(key);
  if (hit && Date.now() - hit.at < MEMO_MS) return hit.check;
  const check = checkContactProcess(c, runDir);
  // Local checks are cheap and must see a process die at once: only SSH answers are kept.
  if (check.how === "ssh") memo.set(key, { at: Date.now(), check });
  return check;
}

/**
 * The live Drover of a run, if any: on this host, or on another host checked over SSH. A Drover
 * that cannot be checked counts as not live here; taking the run then refuses with the reason.
 */
export function liveContact(runDir: string): Contact | null {
  const c = readContact(runDir);
  return c && checkContact(c, runDir).state === "alive" ? c : null;
}

/** The contact this process writes: its /proc/self facts (command line, start, boot id). */
export function myContact(command: string): Contact {
  const facts = localProcFacts(process.pid);
  return {
    host: hostname(),
    pid: process.pid,
    procStart: facts.start ?? "",
    startedAt: new Date().toISOString(),
    command,
    // Without /proc the file goes without them, and checks compare what there is.
    ...(facts.cmdline ? { cmdline: facts.cmdline } : {}),
    ...(facts.bootId ? { bootId: facts.bootId } : {}),
  };
}

/**
 * Takes the run: creates the contact file with O_EXCL. Removes a stale one (saying so through
 * `say`); refuses when another Drover is live, or when one on another host cannot be checked.
 */
export function acquireContact(runDir: string, command: string, say: (msg: string) => void): Contact {
  const path = join(runDir, CONTACT_FILE);
  const me = myContact(command);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, JSON.stringify(me) + "\n");
      closeSync(fd);
      return me;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const other = readContact(runDir);
    if (!other) say(`removed an unreadable contact file ${path}`);
    else say(staleNote(other, checkContact(other, runDir), path));
    try {
      unlinkSync(path);
    } catch {
      // Another process removed it first: try the O_EXCL create again.
    }
  }
  throw new UsageError(`could not take the run: ${path} keeps reappearing`);
}

/** The note for a stale contact; throws the refusal when it is live or cannot be checked. */
function staleNote(contact: Contact, check: ContactCheck, path: string): string {
  // The file's text reaches the terminal: anyone able to write the run directory wrote it.
  const other = {
    ...contact,
    host: printableLine(contact.host),
    startedAt: printableLine(contact.startedAt),
    command: printableLine(contact.command),
  };
  const who = `Drover pid ${other.pid} on ${other.host}`;
  if (check.state === "alive") {
    const how = check.how === "ssh" ? " (checked over SSH)" : "";
    throw new UsageError(
      `the run is live: ${who} since ${other.startedAt}${how} (${other.command}); ` +
        `use 'drover attach', 'status', 'kill', 'trigger', 'poll' or 'stop' against it`,
    );
  }
  if (check.state === "unknown") {
    throw new UsageError(
      `the run's contact file names ${who} (since ${other.startedAt}), which cannot be checked over SSH ` +
        `(${check.via}): ${check.why}; if ${other.host} is really gone, remove ${path} by hand`,
    );
  }
  if (check.how === "ssh") {
    return `removed a stale contact file: ${who} is gone (checked over SSH: ${check.why})`;
  }
  return `removed a stale contact file: Drover pid ${other.pid} (started ${other.startedAt}) is no longer running (${check.why})`;
}

/** Removes the contact file if it is still ours. */
export function releaseContact(runDir: string, me: Contact): void {
  const c = readContact(runDir);
  if (c && c.pid === me.pid && c.host === me.host && c.procStart === me.procStart) {
    try {
      unlinkSync(join(runDir, CONTACT_FILE));
    } catch {
      // Already gone.
    }
  }
}
