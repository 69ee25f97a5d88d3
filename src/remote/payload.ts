/**
 * The data that follows `main; exit $?` in a batch program's stdin: records framed by marker lines
 * that carry the call's nonce, every content line prefixed, and a trailer with the record count and
 * the byte count, so the one awk that reads it can tell a whole stream from a cut one.
 */
import { markerPrefix } from "./nonce.js";

/** One record: a marker line `@@drover:<nonce> <kind> <arg>` followed by its text. */
export interface PayloadRecord {
  /** A word: `file`, `launch`, `job`, ... */
  kind: string;
  /** Rest of the marker line (a path or a job key): no newline or carriage return. */
  arg: string;
  /** The record's bytes: a file's content, or fields one per line (see `fieldsText`). */
  text: string;
}

/** Fields as record text: one line each, so none may hold a newline. */
export function fieldsText(fields: readonly string[]): string {
  for (const f of fields) {
    if (/[\n\0]/.test(f))
      throw new RangeError(`a payload field cannot hold a newline or NUL: ${JSON.stringify(f)}`);
  }
  return fields.map((f) => `${f}\n`).join("");
}

/**
 * Encodes records as framed lines. Each line of text becomes `|line`; a last line without its
 * newline becomes `:line`. The trailer counts records and content bytes (UTF-8, as awk counts
 * them under LC_ALL=C).
 */
export function encodePayload(nonce: string, records: readonly PayloadRecord[]): string {
  const m = markerPrefix(nonce);
  const out: string[] = [];
  let bytes = 0;
  for (const r of records) {
    if (!/^[a-z][a-z-]*$/.test(r.kind))
      throw new RangeError(`bad payload record kind ${JSON.stringify(r.kind)}`);
    if (/[\n\r\0]/.test(r.arg))
      throw new RangeError(`a payload record name cannot hold a newline: ${JSON.stringify(r.arg)}`);
    if (r.text.includes("\0")) throw new RangeError(`${r.kind} ${r.arg}: a NUL byte cannot be sent`);
    out.push(`${m}${r.kind} ${r.arg}\n`);
    bytes += Buffer.byteLength(r.text, "utf8");
    if (r.text === "") continue;
    const lines = r.text.split("\n");
    const last = lines.pop() as string;
    for (const l of lines) out.push(`|${l}\n`);
    if (last !== "") out.push(`:${last}\n`);
  }
  out.push(`${m}trailer ${records.length} ${bytes}\n`);
  return out.join("");
}
