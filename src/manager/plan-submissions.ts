/**
 * Which ready jobs go where this round: each job's platform (a group picks a member with a good
 * host; the job keeps it for life), a good host of it, within the live-job caps. Pure.
 */
import { LIVE_STATES } from "../job/model.js";
import type { JobRow } from "../store/job-rows.js";
import type { HostHealth } from "../store/hosts.js";
import { selectHost } from "./select-host.js";
import type { Platform } from "./platform.js";

export interface SubmissionGroup {
  platform: Platform;
  host: string;
  rows: JobRow[];
}

export interface SubmissionPlan {
  groups: SubmissionGroup[];
  /** Why jobs of a platform (or group) wait although ready: no good host, one disabled. */
  held: Map<string, string>;
}

export interface PlanInput {
  ready: readonly JobRow[];
  live: readonly JobRow[];
  platforms: ReadonlyMap<string, Platform>;
  groups: ReadonlyMap<string, readonly string[]>;
  health: (host: string) => HostHealth;
  /** Live-job cap of the run (null: none) and an override of every platform's cap. */
  runCap: number | null;
  platformCapOverride: number | null;
  /** Jobs the job set still has (a removed job is not submitted). */
  known: (name: string) => boolean;
  random?: () => number;
}

/** Plans this round's submissions. */
export function planSubmissions(input: PlanInput): SubmissionPlan {
  const held = new Map<string, string>();
  const byKey = new Map<string, SubmissionGroup>();
  const liveOn = new Map<string, number>();
  for (const r of input.live)
    if (LIVE_STATES.has(r.state)) liveOn.set(r.platform, (liveOn.get(r.platform) ?? 0) + 1);
  let runRoom = (input.runCap ?? Infinity) - input.live.length;
  const hostOf = new Map<string, { host: string | null; why: string | null }>();
  const choose = (p: Platform) => {
    let c = hostOf.get(p.name);
    if (!c) {
      c = selectHost(p.hosts, p.selection, input.health, input.random);
      hostOf.set(p.name, c);
    }
    return c;
  };
  for (const row of input.ready) {
    if (runRoom <= 0) break;
    if (!input.known(row.name)) continue;
    const members = input.groups.get(row.platform) ?? [row.platform];
    let picked: { platform: Platform; host: string } | null = null;
    const whys: string[] = [];
    for (const name of members) {
      const p = input.platforms.get(name);
      if (!p) continue;
      const c = choose(p);
      if (c.host === null) {
        whys.push(`${name}: ${c.why}`);
        continue;
      }
      const cap = input.platformCapOverride ?? p.maxActive;
      if ((liveOn.get(p.name) ?? 0) >= cap) {
        whys.push(`${name}: ${cap} jobs live (max_active)`);
        continue;
      }
      picked = { platform: p, host: c.host };
      break;
    }
    if (!picked) {
      if (whys.some((w) => !w.includes("max_active"))) held.set(row.platform, whys.join("; "));
      continue;
    }
    const key = `${picked.platform.name}\0${picked.host}`;
    const g = byKey.get(key) ?? { platform: picked.platform, host: picked.host, rows: [] };
    g.rows.push(row);
    byKey.set(key, g);
    liveOn.set(picked.platform.name, (liveOn.get(picked.platform.name) ?? 0) + 1);
    runRoom--;
  }
  return { groups: [...byKey.values()], held };
}
