/**
 * Reading `qstat` output: PBS Pro / OpenPBS `qstat -x -f -F json <ids>` and the plain table that
 * Torque and PBS print for `qstat <ids>`. Both keep stderr lines apart from the data: a known
 * "Unknown Job Id" line is the evidence that a job is gone; any other stray line is an error.
 */
import { clip, completeLines, isObject, readJsonOutput } from "../common/batch-common.js";
import { pbsState } from "./states.js";

/** One job as qstat printed it. */
export interface QstatRecord {
  /** The job ID as printed (may be cut with `*` in the table). */
  id: string;
  state: string;
  listed: boolean;
  /** Exit_status (JSON only); null when absent. */
  exitStatus: number | null;
  /** The job's raw attributes, capped, for evidence. */
  raw: string;
}

/** Records and gone-evidence, both keyed by the ID's sequence number. */
export interface QstatReading {
  records: Map<string, QstatRecord>;
  gone: Map<string, string>;
}

/** The comparable part of a PBS job ID: the sequence number (and array brackets), before the server. */
export function pbsSeq(id: string): string {
  const dot = id.indexOf(".");
  return (dot < 0 ? id : id.slice(0, dot)).replace(/\*$/, "");
}

const UNKNOWN_JOB = /^qstat: Unknown Job Id(?: Error)? (\S+)$/;
const FINISHED_JOB = /^qstat: (\S+) Job has finished, use -x or -H to obtain historical job information$/;

/** The job (its sequence number) a known "gone" stderr line names, or null. */
function goneLine(line: string): { id: string; text: string } | null {
  const m = UNKNOWN_JOB.exec(line) ?? FINISHED_JOB.exec(line);
  return m ? { id: pbsSeq(m[1] as string), text: line } : null;
}

/** Parses `qstat -x -f -F json` output (with or without stderr lines before or after it). */
export function parseQstatJson(text: string): QstatReading | { error: string } {
  const read = readJsonOutput(text, "qstat", goneLine);
  if ("error" in read) return read;
  const { doc, gone } = read;
  const records = new Map<string, QstatRecord>();
  if (doc === undefined) return { records, gone };
  if (!isObject(doc)) return { error: "qstat JSON is not an object" };
  const jobs = doc["Jobs"];
  if (jobs === undefined) return { records, gone };
  if (!isObject(jobs)) return { error: "qstat JSON: Jobs is not an object" };
  for (const [id, attrs] of Object.entries(jobs)) {
    const rec = jsonRecord(id, attrs);
    if ("error" in rec) return rec;
    records.set(pbsSeq(id), rec);
  }
  return { records, gone };
}

/** One job's JSON attributes to a record; an unknown state is an error that keeps the raw text. */
function jsonRecord(id: string, attrs: unknown): QstatRecord | { error: string } {
  const raw = clip(JSON.stringify(attrs) ?? "", 400);
  if (!isObject(attrs)) return { error: `qstat JSON: job ${id} is not an object` };
  const state = attrs["job_state"];
  if (typeof state !== "string") return { error: `qstat JSON: job ${id} has no job_state: ${raw}` };
  const known = pbsState(state);
  if (!known) return { error: `unknown PBS job state ${JSON.stringify(state)} for job ${id}: ${raw}` };
  const exit = attrs["Exit_status"];
  let exitStatus: number | null = null;
  if (typeof exit === "number" && Number.isInteger(exit)) exitStatus = exit;
  else if (typeof exit === "string" && /^-?[0-9]{1,6}$/.test(exit)) exitStatus = Number(exit);
  else if (exit !== undefined && exit !== null)
    return { error: `qstat JSON: job ${id} has a bad Exit_status: ${raw}` };
  const comment = typeof attrs["comment"] === "string" ? ` comment=${JSON.stringify(attrs["comment"])}` : "";
  return {
    id,
    state,
    listed: known.listed,
    exitStatus,
    raw: `qstat ${id} job_state=${state}${exitStatus === null ? "" : ` Exit_status=${exitStatus}`}${comment}`,
  };
}

/**
 * Parses the default `qstat <ids>` table: a header, a dashed rule, then one row per job
 * (`ID Name User TimeUse S Queue`); the state is the next-to-last column.
 */
export function parseQstatTable(text: string): QstatReading | { error: string } {
  const lines = completeLines(text);
  if ("error" in lines) return lines;
  const records = new Map<string, QstatRecord>();
  const gone = new Map<string, string>();
  let inRows = false;
  for (const l of lines) {
    if (l.trim() === "") continue;
    const g = goneLine(l);
    if (g) {
      gone.set(g.id, g.text);
      continue;
    }
    if (!inRows) {
      if (/^-+( +-+)+ *$/.test(l)) inRows = true;
      else if (!/^Job [Ii][Dd] /.test(l))
        return { error: `unexpected qstat line: ${JSON.stringify(clip(l, 200))}` };
      continue;
    }
    const f = l.trim().split(/\s+/);
    const id = f[0] ?? "";
    const state = f[f.length - 2] ?? "";
    if (f.length < 5 || !/^[0-9]/.test(id))
      return { error: `malformed qstat row: ${JSON.stringify(clip(l, 200))}` };
    const known = pbsState(state);
    if (!known)
      return {
        error: `unknown PBS job state ${JSON.stringify(state)} in row ${JSON.stringify(clip(l, 200))}`,
      };
    records.set(pbsSeq(id), {
      id,
      state,
      listed: known.listed,
      exitStatus: null,
      raw: `qstat row: ${l.trim()}`,
    });
  }
  return { records, gone };
}
