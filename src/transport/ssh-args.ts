/**
 * The ssh settings of a transport, validated once, and the argv of each kind of ssh call built from
 * them. Pure: no processes here.
 */
import { DroverError } from "../errors.js";

/** What SshTransport is constructed with; every field optional. */
export interface SshTransportOptions {
  /** The ssh command (default ["ssh"]). */
  command?: string[];
  /** The user's extra ssh arguments, e.g. ["-F", cfg]. */
  options?: string[];
  /** The remote shell reading the program from stdin (default ["bash", "-l", "-s"]). */
  shell?: string[];
  /** ConnectTimeout in seconds (default 10). */
  connectTimeoutS?: number;
  /** ServerAliveInterval in seconds (default 15). */
  serverAliveIntervalS?: number;
  /** ServerAliveCountMax (default 3). */
  serverAliveCountMax?: number;
  /** Sessions at once per master (default 8; stock sshd allows 10). */
  maxSessions?: number;
  /** "auto": Drover opens masters itself; "manual": only `drover connect HOST` does (default "auto"). */
  connect?: "auto" | "manual";
  /** Directory of the control sockets (default /tmp/drover-<uid>). */
  controlDir?: string;
  /** How long an idle master stays (ssh ControlPersist, default "10m"). */
  controlPersist?: string;
}

/** The validated settings. */
export interface SshSettings {
  command: string[];
  options: string[];
  shell: string[];
  connectTimeoutS: number;
  serverAliveIntervalS: number;
  serverAliveCountMax: number;
  maxSessions: number;
  connect: "auto" | "manual";
  controlPersist: string;
}

/** Flags that would break Drover's use of ssh (multiplexing, stdin, backgrounding) if a user passed them. */
const FORBIDDEN_FLAGS = new Set(["-M", "-S", "-O", "-N", "-f", "-n", "-t", "-tt", "-W", "-G", "-V", "-s"]);

/** Validates the constructor options and fills in the defaults. Throws a DroverError on bad input. */
export function sshSettings(o: SshTransportOptions): SshSettings {
  const command = words(o.command ?? ["ssh"], "command", false);
  const options = words(o.options ?? [], "options", true);
  for (const w of options) {
    if (FORBIDDEN_FLAGS.has(w))
      throw new DroverError(`ssh options: ${w} is managed by Drover and cannot be given`);
  }
  const shell = words(o.shell ?? ["bash", "-l", "-s"], "shell", false);
  const persist = o.controlPersist ?? "10m";
  if (!/^(yes|[0-9]+[smhdw]?)$/.test(persist)) {
    throw new DroverError(
      `ssh controlPersist: ${JSON.stringify(persist)} is not "yes" or a time like 600 or 10m`,
    );
  }
  const connect = o.connect ?? "auto";
  if (connect !== "auto" && connect !== "manual") {
    throw new DroverError(`ssh connect: ${JSON.stringify(connect)} is not "auto" or "manual"`);
  }
  return {
    command,
    options,
    shell,
    connectTimeoutS: int(o.connectTimeoutS ?? 10, "connectTimeoutS", 1, 3600),
    serverAliveIntervalS: int(o.serverAliveIntervalS ?? 15, "serverAliveIntervalS", 1, 3600),
    serverAliveCountMax: int(o.serverAliveCountMax ?? 3, "serverAliveCountMax", 1, 100),
    maxSessions: int(o.maxSessions ?? 8, "maxSessions", 1, 1000),
    connect,
    controlPersist: persist,
  };
}

/** A host as ssh takes it: `name`, `user@name`, an address; never an option, never shell text. */
export function checkHost(host: string): string {
  if (typeof host !== "string" || !/^[A-Za-z0-9_.@%+:[\]-]{1,255}$/.test(host) || host.startsWith("-")) {
    throw new DroverError(`ssh host ${JSON.stringify(host)} is not a valid host name`);
  }
  return host;
}

/** Which ControlMaster mode a call uses. */
export type MasterMode =
  /** A session through an existing master; `guard` stops ssh from falling back to a direct login. */
  | { kind: "client"; guard: boolean }
  /** A session that may create the master (no guard possible: a ProxyJump host). */
  | { kind: "auto" }
  /** Opens (or joins) the master and leaves it in the background: `-N -f`. */
  | { kind: "open"; interactive: boolean }
  /** A control command to the master: `-O check`, `-O exit`. */
  | { kind: "control"; op: "check" | "exit" };

/**
 * The ssh argv up to and including the host (without it when `host` is null, as rsync's `-e` wants).
 * Drover's own `-o` come before the user's options: ssh keeps the first value it sees, so
 * multiplexing and BatchMode stay Drover's while the user may still set anything else.
 */
export function sshArgv(
  s: SshSettings,
  controlPath: string,
  mode: MasterMode,
  host: string | null,
): string[] {
  const o = (kv: string): string[] => ["-o", kv];
  const argv = [...s.command];
  if (!(mode.kind === "open" && mode.interactive)) argv.push(...o("BatchMode=yes"));
  argv.push(...o(`ControlPath=${controlPath}`));
  if (mode.kind === "client") {
    argv.push(...o("ControlMaster=no"));
    // A refused or dead master must fail fast (255), not turn into a fresh login that skips our limits.
    if (mode.guard) argv.push(...o("ProxyCommand=false"));
  } else if (mode.kind === "auto" || mode.kind === "open") {
    argv.push(...o("ControlMaster=auto"), ...o(`ControlPersist=${s.controlPersist}`));
  }
  argv.push(...s.options);
  argv.push(
    ...o(`ConnectTimeout=${s.connectTimeoutS}`),
    ...o(`ServerAliveInterval=${s.serverAliveIntervalS}`),
    ...o(`ServerAliveCountMax=${s.serverAliveCountMax}`),
  );
  if (mode.kind === "control") argv.push("-O", mode.op);
  else if (mode.kind === "open") argv.push("-N", "-f", "-T");
  else argv.push("-T");
  if (host !== null) argv.push(host);
  return argv;
}

function words(v: unknown, what: string, mayBeEmpty: boolean): string[] {
  if (!Array.isArray(v) || (!mayBeEmpty && v.length === 0)) {
    throw new DroverError(`ssh ${what}: expected a${mayBeEmpty ? "" : " non-empty"} list of words`);
  }
  for (const w of v) {
    if (typeof w !== "string" || w.length === 0 || w.includes("\0") || w.includes("\n")) {
      throw new DroverError(`ssh ${what}: ${JSON.stringify(w)} is not a valid word`);
    }
  }
  return [...(v as string[])];
}

function int(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new DroverError(`ssh ${what}: ${String(v)} is not a whole number from ${min} to ${max}`);
  }
  return v;
}
