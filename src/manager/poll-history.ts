/**
 * The poll batches hosts had in the last minute, read back from the audit trail: a Drover that
 * starts (or a `drover poll` without a live Drover) counts what came before it against the
 * per-host ceiling, so a restart or a forced poll cannot reset it.
 */
import type { Db } from "../store/open-store.js";
import { statement } from "../store/statements.js";
import { WINDOW_MS } from "./poll-pacer.js";

const POLL_BATCHES = `kind = 'command' AND text LIKE 'poll batch on %'`;

/**
 * The poll batch starts of every host, from one read of the audit trail: the recent past once, then
 * only the events written since (a start-up seeding many hosts does not read the trail per host).
 */
export class PollHistory {
  private readonly starts = new Map<string, number[]>();
  /** The newest event read; null before the first read. */
  private lastId: number | null = null;

  constructor(private readonly db: Db) {}

  /** Start times (ms) of the poll batches on `host` within the window before `nowMs`, oldest first. */
  recentStarts(host: string, nowMs: number): number[] {
    this.catchUp(nowMs);
    const since = nowMs - WINDOW_MS;
    return (this.starts.get(host) ?? []).filter((s) => s > since && s <= nowMs).sort((a, b) => a - b);
  }

  private catchUp(nowMs: number): void {
    const top = (statement(this.db, `SELECT COALESCE(MAX(id), 0) AS id FROM events`).get() as { id: number })
      .id;
    const first = this.lastId === null;
    // The first read goes newest first, back to a little before the window: replies come back at
    // most a batch timeout after their start. Later reads take only the events written since.
    const rows = statement(
      this.db,
      `SELECT time, detail FROM events WHERE id > ? AND id <= ? AND ${POLL_BATCHES} ORDER BY id DESC`,
    ).iterate(this.lastId ?? 0, top) as IterableIterator<{ time: string; detail: string | null }>;
    const floorIso = new Date(nowMs - WINDOW_MS - 3_600_000).toISOString();
    for (const r of rows) {
      if (first && r.time < floorIso) break;
      this.note(r);
    }
    this.lastId = top;
    // Starts older than the window never count again: memory stays bounded.
    for (const [host, list] of this.starts)
      this.starts.set(
        host,
        list.filter((s) => s > nowMs - WINDOW_MS),
      );
  }

  private note(r: { time: string; detail: string | null }): void {
    const d = parseDetail(r.detail);
    if (d === null) return;
    const list = this.starts.get(d.host) ?? [];
    list.push(Date.parse(r.time) - d.durationMs);
    this.starts.set(d.host, list);
  }
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
