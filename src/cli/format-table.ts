/** Plain text tables for the terminal: columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** `12:03:04` from an ISO time, or "-" . */
export function shortTime(iso: string | null): string {
  return iso ? iso.slice(11, 19) : "-";
}

/**
 * Text from jobs and hosts made safe for a terminal: control characters (escape sequences, carriage
 * returns, newlines) shown as `\xNN` so no output can forge lines or drive the terminal. Tab stays.
 */
export function printable(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    const control = (c < 0x20 && c !== 0x09) || c === 0x7f || c === 0x9b;
    out += control ? `\\x${c.toString(16).padStart(2, "0")}` : ch;
  }
  return out;
}
