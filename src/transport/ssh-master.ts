/**
 * The ControlMaster of one user and host, as the process sees it: which socket it is (resolved once
 * with `ssh -G`), whether it is believed alive, and single-flight check and open, so that 30
 * concurrent calls to a cold host make one login, not 30.
 */
import type { CommandResult } from "./command-result.js";
import { runProcess } from "./run-process.js";
import { sshArgv, type SshSettings } from "./ssh-args.js";

/** How calls reach one host: the socket key and whether the no-fallback guard may be used. */
export interface HostLink {
  host: string;
  /** The expanded control path (or a stand-in key when this ssh does not expand it in `-G`). */
  key: string;
  /** The ControlPath option value given to ssh (`<dir>/%C`). */
  controlPath: string;
  /** False when the host is reached through ProxyJump: overriding ProxyCommand would change %C. */
  guard: boolean;
}

interface MasterState {
  alive: boolean;
  opening: Promise<CommandResult | null> | null;
  checking: Promise<boolean> | null;
}

const links = new Map<string, Promise<HostLink | CommandResult>>();
const masters = new Map<string, MasterState>();

function stateOf(key: string): MasterState {
  let st = masters.get(key);
  if (!st) {
    st = { alive: false, opening: null, checking: null };
    masters.set(key, st);
  }
  return st;
}

/** Resolves (once per settings and host) the socket a host's calls use. A failed `ssh -G` is returned. */
export function resolveLink(
  s: SshSettings,
  controlPath: string,
  host: string,
): Promise<HostLink | CommandResult> {
  const id = JSON.stringify([s.command, s.options, controlPath, host]);
  let p = links.get(id);
  if (!p) {
    p = readLink(s, controlPath, host);
    links.set(id, p);
    // A failure is not cached: the config may be fixed while Drover runs.
    void p.then((r) => {
      if ("argv" in r) links.delete(id);
    });
  }
  return p;
}

async function readLink(
  s: SshSettings,
  controlPath: string,
  host: string,
): Promise<HostLink | CommandResult> {
  const argv = [...s.command, "-o", `ControlPath=${controlPath}`, ...s.options, "-G", host];
  const r = await runProcess({ argv, host, timeoutMs: 10_000 });
  // Any failure here is ssh's own (bad -F file, ssh missing): report it as ssh's exit 255.
  if (r.exitCode !== 0 || r.timedOut) return { ...r, exitCode: 255 };
  const conf = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp > 0 && !conf.has(line.slice(0, sp))) conf.set(line.slice(0, sp), line.slice(sp + 1));
  }
  const expanded = conf.get("controlpath");
  const key =
    expanded && !expanded.includes("%")
      ? expanded
      : `${controlPath}|${conf.get("user")}@${conf.get("hostname")}:${conf.get("port")}|${conf.get("proxyjump") ?? ""}`;
  return { host, key, controlPath, guard: !conf.has("proxyjump") };
}

/** Runs `ssh -O check`: true when a master answers on the socket. Updates the shared belief. */
export function checkLink(s: SshSettings, link: HostLink): Promise<boolean> {
  const st = stateOf(link.key);
  if (st.checking) return st.checking;
  const argv = sshArgv(s, link.controlPath, { kind: "control", op: "check" }, link.host);
  st.checking = runProcess({ argv, host: link.host, timeoutMs: 10_000 }).then((r) => {
    st.checking = null;
    st.alive = r.exitCode === 0;
    return st.alive;
  });
  return st.checking;
}

/** True when the process believes the master alive (opened, checked or used successfully). */
export function believedAlive(link: HostLink): boolean {
  return stateOf(link.key).alive;
}

/** Records what a call learnt: a session went through (alive) or the master is gone. */
export function setAlive(link: HostLink, alive: boolean): void {
  stateOf(link.key).alive = alive;
}

/**
 * Opens the master when none answers (auto mode), one login for all concurrent callers.
 * Resolves null when a master is there, else with the failed login's result.
 */
export function ensureMaster(
  s: SshSettings,
  link: HostLink,
  timeoutMs: number,
): Promise<CommandResult | null> {
  const st = stateOf(link.key);
  if (st.alive) return Promise.resolve(null);
  if (st.opening) return st.opening;
  st.opening = (async () => {
    if (await checkLink(s, link)) return null;
    const r = await openLink(s, link, { interactive: false, timeoutMs });
    return r.exitCode === 0 && !r.timedOut ? null : r;
  })().finally(() => {
    st.opening = null;
  });
  return st.opening;
}

/**
 * Opens (or joins) the master with `-N -f` and ControlPersist: ssh authenticates, then leaves the
 * master in the background, detached from this process, so later calls, other runs and other
 * Drover commands reuse it until it has been idle for ControlPersist.
 */
export async function openLink(
  s: SshSettings,
  link: HostLink,
  o: { interactive: boolean; timeoutMs: number },
): Promise<CommandResult> {
  const argv = sshArgv(s, link.controlPath, { kind: "open", interactive: o.interactive }, link.host);
  const r = await runProcess({ argv, host: link.host, timeoutMs: o.timeoutMs, inheritStdio: o.interactive });
  if (r.exitCode === 0 && !r.timedOut) setAlive(link, true);
  return r;
}

/** Asks the master to exit (`-O exit`) and forgets it. */
export async function closeLink(s: SshSettings, link: HostLink): Promise<CommandResult> {
  const argv = sshArgv(s, link.controlPath, { kind: "control", op: "exit" }, link.host);
  const r = await runProcess({ argv, host: link.host, timeoutMs: 10_000 });
  setAlive(link, false);
  return r;
}
