/**
 * Pure reading of a batch journal (`<runDir>/batches/<batchId>`): `PID <pid> <start> <boot>`
 * first, one `SUBMIT <key> rc=<rc> id=<id> start=<ticks>` line per job as each launch returns,
 * `DONE` last. Only whole lines count: a line still being written is not evidence yet.
 */
import type { JournalAnswer } from "../job/verdict-input.js";
import type { RunnerData } from "./batch-types.js";
import { matchesRecord, type ProcFact } from "../runners/background/proc-stat.js";

/** One SUBMIT line. */
export interface JournalLine {
  rc: number;
  id: string;
  start: string;
}

/** A parsed journal. */
export interface Journal {
  pid: string;
  start: string;
  boot: string;
  lines: Map<string, JournalLine>;
  done: boolean;
  /** Lines that are none of the above (kept as evidence). */
  unknown: string[];
}

const SUBMIT_LINE = /^SUBMIT (.+) rc=(-?[0-9]{1,9}) id=(\S*) start=(\S*)$/;

/** Parses a journal's text. */
export function parseJournal(text: string): Journal {
  const j: Journal = { pid: "", start: "", boot: "", lines: new Map(), done: false, unknown: [] };
  const lines = text.split("\n");
  lines.pop(); // the part after the last newline is not a whole line
  for (const line of lines) {
    const pid = /^PID ([0-9]+) ?(\S*) ?(\S*)$/.exec(line);
    const sub = SUBMIT_LINE.exec(line);
    if (pid && j.pid === "") {
      j.pid = pid[1] as string;
      j.start = pid[2] ?? "";
      j.boot = pid[3] ?? "";
    } else if (sub) {
      j.lines.set(sub[1] as string, { rc: Number(sub[2]), id: sub[3] as string, start: sub[4] as string });
    } else if (line === "DONE") {
      j.done = true;
    } else {
      j.unknown.push(line);
    }
  }
  return j;
}

/**
 * The journal's answer for one job: its line, or no line with whether the batch program is still
 * alive (not DONE, and its PID still runs with the recorded start time on this boot).
 */
export function journalAnswer(
  j: Journal | null,
  key: string,
  batchProc: ProcFact | null,
  bootNow: string,
): JournalAnswer {
  if (!j) return { kind: "absent" };
  const line = j.lines.get(key);
  if (line) return { kind: "line", rc: line.rc, jobId: line.id === "" ? null : line.id, output: "" };
  const alive = !j.done && matchesRecord(batchProc, { start: j.start, boot: j.boot }, bootNow);
  return { kind: "no-line", batchAlive: alive };
}

/** Runner data for a job recovered from its journal line (background: start time and boot). */
export function journalRunnerData(j: Journal, key: string): RunnerData | null {
  const line = j.lines.get(key);
  if (!line || line.rc !== 0 || line.id === "") return null;
  return { start: line.start, boot: j.boot };
}
