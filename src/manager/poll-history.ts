/**
 * The poll batches a host had in the last minute, read back from the audit trail: a Drover that
 * starts (or a `drover poll` without a live Drover) counts what came before it against the
 * per-host ceiling, so a restart or a forced poll cannot reset it.
 */
import type { Db } from "../store/open-store.js";
import { statement } from "../store/statements.js";
import { WINDOW_MS } from "./poll-pacer.js";

/**
 * Start times (ms) of the poll batches on `host` that started within the window before `nowMs`,
 * oldest first. Reads the newest command events only, back to the window's start.
 */
export function recentPollStarts(db: Db, host: string, nowMs: number): number[] {
  const since = nowMs - WINDOW_MS;
  // Replies come back at most a batch timeout after their start: read a little further back.
  const floorIso = new Date(since - 3_600_000).toISOString();
  const out: number[] = [];
  const rows = statement(
    db,
    `SELECT time, detail FROM events WHERE kind = 'command' AND text LIKE 'poll batch on %' ORDER BY id DESC`,
  ).iterate() as IterableIterator<{ time: string; detail: string | null }>;
  for (const r of rows) {
    if (r.time < floorIso) break;
    const d = parseDetail(r.detail);
    if (d === null || d.host !== host) continue;
    const start = Date.parse(r.time) - d.durationMs;
    if (start > since && start <= nowMs) out.push(start);
  }
  return out.sort((a, b) => a - b);
}

function parseDetail(text: string | null): { host: string; durationMs: number } | null {
  if (text === null) return null;
  try {
    const d = JSON.parse(text) as { host?: unknown; durationMs?: unknown };
    if (typeof d.host !== "string") return null;
    return { host: d.host, durationMs: typeof d.durationMs === "number" ? Math.max(0, d.durationMs) : 0 };
  } catch {
    return null;
  }
}
