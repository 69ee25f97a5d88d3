/**
 * Talking to a run's live Drover from another process (`attach`, `stop`): is it still the same
 * process, ask it something through the requests table, wait for it to end. Unlike a plain wait for
 * an answer, every wait here also ends when that Drover does, so nothing hangs on a run that finished.
 */
import { checkContact, readContact, type Contact } from "../manager/contact-file.js";
import { openStore } from "../store/open-store.js";
import { addRequest, getRequest } from "../store/requests.js";
import { runPaths } from "../manager/run-paths.js";

/** How often the waits below look. */
const LOOK_MS = 100;

/** The Drover named by the contact file when it is alive (or on another host and not checkable). */
export function currentDrover(runDir: string): Contact | null {
  const c = readContact(runDir);
  if (!c) return null;
  // Here /proc is read (a zombie counts as dead); another host's Drover is checked over SSH (answers
  // kept a few seconds); one that cannot be checked counts as live: its store is shared, and its
  // contact file goes when it ends.
  return checkContact(c, runDir).state !== "dead" ? c : null;
}

/** True while the run's contact file still names this very Drover and it is alive. */
export function stillLive(runDir: string, d: Contact): boolean {
  const c = currentDrover(runDir);
  return c !== null && c.pid === d.pid && c.host === d.host && c.procStart === d.procStart;
}

export type LiveAnswer =
  { kind: "answered"; ok: boolean; text: string } | { kind: "ended" } | { kind: "timeout" };

/** Puts a request to the live Drover `d` and waits for its answer, its end, or the timeout. */
export async function askDrover(
  runDir: string,
  d: Contact,
  command: string,
  args: unknown,
  timeoutMs: number,
): Promise<LiveAnswer> {
  const db = openStore(runPaths(runDir).store);
  try {
    const id = addRequest(db, new Date().toISOString(), command, args);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = getRequest(db, id);
      if (r && r.state !== "pending")
        return { kind: "answered", ok: r.state === "done", text: r.answer ?? "" };
      if (!stillLive(runDir, d)) {
        // It may have answered just before it ended.
        const last = getRequest(db, id);
        if (last && last.state !== "pending")
          return { kind: "answered", ok: last.state === "done", text: last.answer ?? "" };
        return { kind: "ended" };
      }
      if (Date.now() > deadline) return { kind: "timeout" };
      await sleep(LOOK_MS);
    }
  } finally {
    db.close();
  }
}

/** Waits until the Drover `d` has ended (its contact file gone or stale); false on timeout. */
export async function waitForEnd(runDir: string, d: Contact, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (stillLive(runDir, d)) {
    if (Date.now() > deadline) return false;
    await sleep(LOOK_MS);
  }
  return true;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
