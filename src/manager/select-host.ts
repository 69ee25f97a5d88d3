/** Picks the host for a new batch of a platform: a good one, in definition order or at random. Pure. */
import type { HostHealth } from "../store/hosts.js";

export interface HostChoice {
  host: string | null;
  /** Why no host was picked: every host bad, or one disabled (nothing goes elsewhere in its place). */
  why: string | null;
}

/**
 * A disabled host (changed host key) stops the whole platform: its jobs are not sent to another
 * host in its place until the user acts.
 */
export function selectHost(
  hosts: readonly string[],
  selection: "definition-order" | "random",
  health: (host: string) => HostHealth,
  random: () => number = Math.random,
): HostChoice {
  const states = hosts.map((h) => ({ h, s: health(h) }));
  const disabled = states.find((x) => x.s.kind === "disabled");
  if (disabled)
    return {
      host: null,
      why: `host ${disabled.h} is disabled: ${(disabled.s as { reason: string }).reason}`,
    };
  const good = states.filter((x) => x.s.kind === "good").map((x) => x.h);
  if (good.length === 0)
    return {
      host: null,
      why: `every host is bad: ${states.map((x) => `${x.h} (${(x.s as { reason: string }).reason})`).join(", ")}`,
    };
  const host =
    selection === "random" ? (good[Math.floor(random() * good.length)] as string) : (good[0] as string);
  return { host, why: null };
}
