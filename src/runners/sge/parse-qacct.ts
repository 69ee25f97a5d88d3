/**
 * Reads `qacct -j` output. The accounting query runs qacct once per job inside one shell, framing
 * each call as `@@job ID`, qacct's output, `@@rc N`. A job qacct does not know (yet: Grid Engine
 * writes the accounting file after a flush time, 15 s by default) gets no answer, never "vanished".
 */
import type { AccountingAnswer } from "../../job/verdict-input.js";
import { sgeSeconds, sgeTerminal } from "./states.js";

/** One qacct record: its `key value` lines. */
export type QacctRecord = Map<string, string>;

/** Splits qacct output into records (each starts after a line of `=`). */
export function qacctRecords(lines: readonly string[]): QacctRecord[] | { error: string } {
  const out: QacctRecord[] = [];
  let rec: QacctRecord | null = null;
  for (const line of lines) {
    if (/^={10,}\s*$/.test(line)) {
      rec = new Map();
      out.push(rec);
      continue;
    }
    if (line.trim() === "") continue;
    const m = /^([a-z_]+)\s+(.*?)\s*$/.exec(line);
    if (!m || rec === null) return { error: `qacct: malformed line ${JSON.stringify(line.slice(0, 300))}` };
    rec.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** The accounting answer of one record, or an error when its numbers do not read. */
export function qacctAnswer(rec: QacctRecord): AccountingAnswer | { error: string } {
  const failed = /^([0-9]+)/.exec(rec.get("failed") ?? "");
  const exit = /^([0-9]+)/.exec(rec.get("exit_status") ?? "");
  if (!failed || !exit)
    return { error: `qacct: record of job ${rec.get("jobnumber") ?? "?"} without failed/exit_status` };
  const category = rec.get("category") ?? "";
  const hRt = /(?:^|[\s,])h_rt=([0-9:.]+s?)/.exec(category);
  const facts = {
    failed: Number(failed[1]),
    exitStatus: Number(exit[1]),
    wallclockS: sgeSeconds(rec.get("ru_wallclock") ?? ""),
    hRtS: hRt ? sgeSeconds(hRt[1] as string) : null,
    hVmem: /(?:^|[\s,])h_vmem=/.test(category),
  };
  const raw = `failed ${rec.get("failed")}; exit_status ${rec.get("exit_status")}; ru_wallclock ${rec.get("ru_wallclock") ?? "?"}`;
  return { ...sgeTerminal(facts), raw: raw.slice(0, 300) };
}

/**
 * Parses the framed per-job output: answers by job ID for jobs with a record (the last one: a
 * rerun job has several), nothing for jobs qacct does not know yet, an error for anything else.
 */
export function parseQacctCalls(
  lines: readonly string[],
  ids: readonly string[],
): Map<string, AccountingAnswer> | { error: string } {
  const out = new Map<string, AccountingAnswer>();
  const seen = new Set<string>();
  let i = 0;
  while (i < lines.length) {
    const head = /^@@job ([0-9]+)$/.exec(lines[i] ?? "");
    if (!head)
      return { error: `qacct: expected a job frame, got ${JSON.stringify((lines[i] ?? "").slice(0, 200))}` };
    const id = head[1] as string;
    let j = i + 1;
    while (j < lines.length && !/^@@rc [0-9]+$/.test(lines[j] ?? "")) j++;
    if (j >= lines.length) return { error: `qacct: the output for job ${id} was cut` };
    const rc = Number((lines[j] as string).slice(5));
    const body = lines.slice(i + 1, j);
    i = j + 1;
    seen.add(id);
    if (rc !== 0) {
      const text = body.join(" ");
      // Not written yet (flush time), or no job has finished since the file was made: no answer yet.
      if (/not found|unable to open|no such file/i.test(text)) continue;
      return { error: `qacct -j ${id} failed (rc=${rc}): ${text.slice(0, 300)}` };
    }
    const recs = qacctRecords(body);
    if ("error" in recs) return recs;
    const last = recs[recs.length - 1];
    if (last === undefined) continue;
    const a = qacctAnswer(last);
    if ("error" in a) return a;
    out.set(id, a);
  }
  for (const id of ids)
    if (!seen.has(id)) return { error: `qacct: no answer for job ${id}: the output is cut` };
  return out;
}
