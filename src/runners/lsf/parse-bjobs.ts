/**
 * Reading `bjobs -a -json -o "jobid stat exit_code exit_reason" <ids>` (LSF 10.1+). A job that
 * LSF no longer knows comes back as a record with `"ERROR":"Job <N> is not found"`, or as that
 * line on stderr; either is the evidence that it is gone. Any other stray line is an error.
 */
import { clip, isObject, readJsonOutput } from "../common/batch-common.js";
import { lsfState } from "./states.js";

/** One job as bjobs printed it. */
export interface BjobsRecord {
  id: string;
  stat: string;
  listed: boolean;
  exitCode: number | null;
  exitReason: string;
  jobName: string;
  raw: string;
}

/** Records and gone-evidence, keyed by job ID. */
export interface BjobsReading {
  records: Map<string, BjobsRecord>;
  gone: Map<string, string>;
}

/** `Job <123> is not found` (stderr or a record's ERROR). */
const NOT_FOUND = /^Job <([^<>]+)> is not found\.?$/;

/** Parses the JSON output, with or without bjobs' stderr lines around it. */
export function parseBjobsJson(text: string): BjobsReading | { error: string } {
  const read = readJsonOutput(text, "bjobs", (l) => {
    const m = NOT_FOUND.exec(l.trim());
    return m ? { id: m[1] as string, text: l.trim() } : null;
  });
  if ("error" in read) return read;
  const { doc, gone } = read;
  const records = new Map<string, BjobsRecord>();
  if (doc === undefined) return { records, gone };
  if (!isObject(doc) || !Array.isArray(doc["RECORDS"])) return { error: "bjobs JSON has no RECORDS array" };
  const recs = doc["RECORDS"] as unknown[];
  let errors = 0;
  for (const r of recs) {
    const rec = bjobsRecord(r);
    if ("error" in rec) return rec;
    if ("gone" in rec) {
      gone.set(rec.gone, rec.text);
      errors++;
    } else records.set(rec.id, rec);
  }
  // JOBS counts the records (with or without the error ones): a mismatch means a damaged document.
  const count = doc["JOBS"];
  if (count !== undefined && Number(count) !== recs.length && Number(count) !== recs.length - errors)
    return { error: `bjobs JSON: JOBS=${JSON.stringify(count)} but ${recs.length} records` };
  return { records, gone };
}

function bjobsRecord(r: unknown): BjobsRecord | { gone: string; text: string } | { error: string } {
  const raw = clip(JSON.stringify(r) ?? "", 400);
  if (!isObject(r)) return { error: `bjobs JSON: a record is not an object: ${raw}` };
  const str = (k: string): string | null => {
    const v = r[k];
    return typeof v === "string" ? v : v === undefined ? "" : null;
  };
  const error = str("ERROR");
  if (error !== "" && error !== null) {
    const m = NOT_FOUND.exec(error.trim());
    return m ? { gone: m[1] as string, text: error.trim() } : { error: `bjobs error: ${clip(error, 300)}` };
  }
  const id = str("JOBID");
  const stat = str("STAT");
  const code = str("EXIT_CODE");
  const reason = str("EXIT_REASON");
  const name = str("JOB_NAME");
  if (id === null || stat === null || code === null || reason === null || name === null)
    return { error: `bjobs JSON: a field is not a string: ${raw}` };
  if (!/^[0-9]+(\[[0-9]+\])?$/.test(id)) return { error: `bjobs JSON: bad JOBID: ${raw}` };
  const known = lsfState(stat);
  if (!known) return { error: `unknown LSF job state ${JSON.stringify(stat)} for job ${id}: ${raw}` };
  if (code !== "" && code !== "-" && !/^[0-9]{1,4}$/.test(code))
    return { error: `bjobs JSON: bad EXIT_CODE: ${raw}` };
  const exitCode = code === "" || code === "-" ? null : Number(code);
  const reasonText = reason === "-" ? "" : reason;
  return {
    id,
    stat,
    listed: known.listed,
    exitCode,
    exitReason: reasonText,
    jobName: name,
    raw: `bjobs ${id} STAT=${stat}${exitCode === null ? "" : ` EXIT_CODE=${exitCode}`}${reasonText ? ` EXIT_REASON=${JSON.stringify(reasonText)}` : ""}`,
  };
}
