/** Bad-host marks: a host that failed to connect is avoided for a while; a changed host key disables it. */
import type { Db } from "./open-store.js";

export type HostHealth =
  { kind: "good" } | { kind: "bad"; until: string; reason: string } | { kind: "disabled"; reason: string };

/** Marks a host bad until `until` (ISO). */
export function markHostBad(db: Db, host: string, until: string, reason: string, now: string): void {
  db.prepare(
    `INSERT INTO hosts (name, bad_until, reason, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET bad_until = excluded.bad_until, reason = excluded.reason, updated_at = excluded.updated_at`,
  ).run(host, until, reason, now);
}

/** Disables a host for the run until the user acts (a changed host key). */
export function disableHost(db: Db, host: string, reason: string, now: string): void {
  db.prepare(
    `INSERT INTO hosts (name, disabled, reason, updated_at) VALUES (?, 1, ?, ?)
     ON CONFLICT (name) DO UPDATE SET disabled = 1, reason = excluded.reason, updated_at = excluded.updated_at`,
  ).run(host, reason, now);
}

/** Clears a host's marks (it answered). */
export function markHostGood(db: Db, host: string): void {
  db.prepare(
    `UPDATE hosts SET bad_until = NULL, disabled = 0, reason = NULL WHERE name = ? AND (bad_until IS NOT NULL OR disabled = 1)`,
  ).run(host);
}

/** Clears every disabled mark: a new start is the user acting (after fixing known_hosts, say). */
export function clearDisabledHosts(db: Db): number {
  return db.prepare(`UPDATE hosts SET disabled = 0 WHERE disabled = 1`).run().changes;
}

/** How a host stands now. Bad marks expire by themselves. */
export function hostHealth(db: Db, host: string, now: string): HostHealth {
  const r = db.prepare(`SELECT bad_until, disabled, reason FROM hosts WHERE name = ?`).get(host) as
    { bad_until: string | null; disabled: number; reason: string | null } | undefined;
  if (!r) return { kind: "good" };
  if (r.disabled) return { kind: "disabled", reason: r.reason ?? "disabled" };
  if (r.bad_until && r.bad_until > now) return { kind: "bad", until: r.bad_until, reason: r.reason ?? "bad" };
  return { kind: "good" };
}
