/**
 * One live Drover per run: an O_EXCL contact file naming host, pid, process start time and
 * command. A stale file (dead pid, or a reused pid with another start time, on this host) is removed.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";

export interface Contact {
  host: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a reused pid apart. */
  procStart: string;
  startedAt: string;
  command: string;
}

export const CONTACT_FILE = "contact";

/** The start time of a process from /proc, or null when it does not exist. */
export function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
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
    const c = JSON.parse(text) as Contact;
    if (typeof c.host !== "string" || typeof c.pid !== "number") return null;
    return c;
  } catch {
    return null;
  }
}

/** True when the contact names a live process on this host (pid and start time match). */
export function isContactLive(c: Contact): boolean | "other-host" {
  if (c.host !== hostname()) return "other-host";
  return procStartTime(c.pid) === c.procStart;
}

/** The live Drover of a run on this host, if any. */
export function liveContact(runDir: string): Contact | null {
  const c = readContact(runDir);
  return c && isContactLive(c) === true ? c : null;
}

/**
 * Takes the run: creates the contact file with O_EXCL. Removes a stale one (saying so through
 * `say`); refuses when another Drover is live.
 */
export function acquireContact(runDir: string, command: string, say: (msg: string) => void): Contact {
  const path = join(runDir, CONTACT_FILE);
  const me: Contact = {
    host: hostname(),
    pid: process.pid,
    procStart: procStartTime(process.pid) ?? "",
    startedAt: new Date().toISOString(),
    command,
  };
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
    const live = other ? isContactLive(other) : false;
    if (other && live === true) {
      throw new UsageError(
        `the run is live: Drover pid ${other.pid} on ${other.host} since ${other.startedAt} (${other.command}); ` +
          `use 'drover status', 'kill', 'trigger' or 'poll' against it`,
      );
    }
    if (other && live === "other-host") {
      throw new UsageError(
        `the run's contact file names Drover pid ${other.pid} on host ${other.host}: it cannot be checked from here; ` +
          `if that Drover is gone, remove ${path}`,
      );
    }
    say(
      other
        ? `removed a stale contact file: Drover pid ${other.pid} (started ${other.startedAt}) is no longer running`
        : `removed an unreadable contact file ${path}`,
    );
    try {
      unlinkSync(path);
    } catch {
      // Another process removed it first: try the O_EXCL create again.
    }
  }
  throw new UsageError(`could not take the run: ${path} keeps reappearing`);
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
