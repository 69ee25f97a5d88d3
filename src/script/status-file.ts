/**
 * The job.status parser (DESIGN.md, "Job directory and job.status"). Total: any text, including
 * torn writes, garbage and interleaved appends from two hosts, yields a StatusFile.
 */
import type { StatusFile, StatusInit } from "../job/model.js";
import { parseStatusLine } from "./status-line.js";

export {
  escapeMessage,
  unescapeMessage,
  formatExitLine,
  formatInitLine,
  formatMessageLine,
  formatVacatedLine,
  parseStatusLine,
  type StatusEntry,
} from "./status-line.js";

/** Malformed lines are evidence, not data: each is kept up to this many characters. */
export const MALFORMED_TEXT_MAX = 1000;

function evidence(text: string): string {
  return text.length <= MALFORMED_TEXT_MAX ? text : `${text.slice(0, MALFORMED_TEXT_MAX)}...`;
}

/**
 * Parses job.status text. Lines are read in file order; the decision fields (`last`, `exit`) come
 * only from the segment after the last INIT or VACATED line, and within it the first EXIT line
 * counts (the wrapper writes one; a second can only be a stray duplicate). A final line without a
 * newline may be a write cut short: it is used only when provably complete, else it is malformed.
 * Never throws.
 */
export function parseStatusFile(text: string): StatusFile {
  const out: StatusFile = {
    token: null,
    runner: null,
    jobId: null,
    submitTime: null,
    inits: [],
    messages: [],
    last: { kind: "none" },
    exit: null,
    malformed: [],
  };
  let declaredJobId: string | null = null;
  let launched = false;
  let lastInit: StatusInit | null = null;
  const lines = text.split("\n");
  // A trailing newline leaves one empty piece after it: that is the end, not a line.
  const finalComplete = lines[lines.length - 1] === "";
  if (finalComplete) lines.pop();
  lines.forEach((line, i) => {
    const complete = finalComplete || i < lines.length - 1;
    const entry = parseStatusLine(line, complete);
    if (entry === null) {
      out.malformed.push({ line: i + 1, text: evidence(line) });
      return;
    }
    switch (entry.key) {
      case "token":
        out.token = entry.value;
        break;
      case "runner":
        out.runner = entry.value;
        break;
      case "jobId":
        declaredJobId = entry.value;
        break;
      case "submitTime":
        out.submitTime = entry.value;
        break;
      case "process":
        // The runner reads it from the raw text (at's launcher). It also says the job's INIT ID is
        // only its process group: at gives a job no variable holding its own at job number.
        launched = true;
        break;
      case "init":
        out.inits.push(entry.init);
        lastInit = entry.init;
        out.last = { kind: "init", init: entry.init };
        out.exit = null; // a new segment starts: earlier EXIT lines are history
        break;
      case "vacated":
        out.last = { kind: "vacated", vacated: entry.vacated };
        out.exit = null;
        break;
      case "message":
        out.messages.push(entry.message);
        break;
      case "exit":
        if (out.exit === null) out.exit = entry.exit;
        break;
    }
  });
  const initId = launched ? null : ((lastInit as StatusInit | null)?.jobId ?? null);
  out.jobId = declaredJobId ?? initId;
  return out;
}
