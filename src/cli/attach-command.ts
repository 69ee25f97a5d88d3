/**
 * `drover attach RUN`: follow a run's live Drover (detached or not) from its store: the events as
 * `drover run` prints them, the progress line on a terminal, until that Drover ends; then the same
 * closing line and exit code as `drover run`. Ctrl-C leaves the viewer only. Reads the store only.
 */
import type { Contact } from "../manager/contact-file.js";
import { readContact } from "../manager/contact-file.js";
import type { DroverEvent } from "../manager/run-context.js";
import { eventsAfter } from "../store/events.js";
import type { Db } from "../store/open-store.js";
import { parseArgs, expectPositional } from "./args.js";
import { findRun, readRun } from "./run-access.js";
import { Progress } from "./progress.js";
import { closingLine, resumeCommand, runOutcome } from "./run-outcome.js";
import { currentDrover, sleep, stillLive } from "./live-drover.js";
import type { Out } from "./out.js";

/** How often the store is read for new events. */
export const ATTACH_LOOK_MS = 200;

/** Events shown again when attaching (the most recent of the live Drover's). */
const CATCH_UP_EVENTS = 500;

/** `drover attach RUN`; resolves the exit code. */
export async function attachCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, {}, "attach");
  expectPositional(a, 1, 1, "drover attach RUN");
  const name = a.positional[0] as string;
  const runDir = findRun(name);
  const db = readRun(name);
  try {
    const d = currentDrover(runDir);
    if (!d) return notLive(db, name, out);
    out.note(
      `drover: attached to run ${name}: Drover pid ${d.pid} on ${d.host} since ${d.startedAt}; Ctrl-C leaves this view, the run goes on`,
    );
    return await follow(db, runDir, name, d, out);
  } finally {
    db.close();
  }
}

/** Follows the live Drover `d` until it ends or the user leaves. */
async function follow(db: Db, runDir: string, name: string, d: Contact, out: Out): Promise<number> {
  const progress = new Progress(name, out.isTTY, (t) => process.stdout.write(t));
  let last = catchUpFrom(db, d.startedAt);
  let left = false;
  const onSignal = (): void => {
    left = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    for (;;) {
      // Looked at before reading: the events a Drover writes before it ends are all read after.
      const ended = !stillLive(runDir, d);
      last = feed(db, last, progress);
      progress.tick(runOutcome(db));
      if (ended || left) break;
      await sleep(ATTACH_LOOK_MS);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  progress.finish();
  if (left) {
    out.note(
      `drover: left the view of run ${name}; its Drover (pid ${d.pid}) goes on: 'drover attach ${name}' follows it again`,
    );
    return 1;
  }
  const c = readContact(runDir);
  if (c && c.pid === d.pid && c.procStart === d.procStart) {
    out.note(
      `drover: the Drover of run ${name} (pid ${d.pid}) ended without releasing the run (killed?); the next 'drover run' resumes it`,
    );
  }
  const close = closingLine(name, runOutcome(db));
  out.note(close.line);
  return close.code;
}

/** A run without a live Drover: its outcome so far. */
function notLive(db: Db, name: string, out: Out): number {
  const o = runOutcome(db);
  if (!o.done) {
    out.note(
      `drover: run ${name} is not live (no Drover runs it): ${o.open} jobs not final. Resume with: ${resumeCommand(name, o.path)} (--detach to run it in the background)`,
    );
    return 1;
  }
  const p = new Progress(name, false, (t) => process.stdout.write(t));
  p.tick(o);
  p.finish();
  const close = closingLine(name, o);
  out.note(close.line);
  return close.code;
}

/** The id after which to show events again: the last few of the Drover started at `since`. */
function catchUpFrom(db: Db, since: string): number {
  const rows = db
    .prepare(`SELECT id FROM events WHERE time >= ? ORDER BY id DESC LIMIT ?`)
    .all(since, CATCH_UP_EVENTS) as { id: number }[];
  const oldest = rows.at(-1);
  if (oldest) return oldest.id - 1;
  const max = db.prepare(`SELECT MAX(id) AS id FROM events`).get() as { id: number | null };
  return max.id ?? 0;
}

/** Hands the events after `last` to the display; returns the last id seen. */
function feed(db: Db, last: number, progress: Progress): number {
  for (;;) {
    const rows = eventsAfter(db, last, 1000);
    for (const r of rows) {
      const e: DroverEvent = {
        id: r.id,
        time: r.time,
        job: r.job,
        submitNum: r.submit_num,
        kind: r.kind,
        text: r.text,
      };
      progress.event(e);
      last = r.id;
    }
    if (rows.length < 1000) return last;
  }
}
