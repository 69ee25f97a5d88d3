/**
 * What an ssh call's failure means, read from its CommandResult and whether the program had started
 * (the batch reply's start marker, known only to the caller). Retry logic reads `kind` and
 * `transient`, never the text.
 */
import type { CommandResult } from "./command-result.js";

/** One classified ssh failure. */
export interface SshFailure {
  kind:
    | "host-key-changed"
    | "auth-failed"
    | "unreachable"
    | "needs-connect"
    | "session-refused"
    | "cut"
    | "timeout";
  /** True when trying again later (or on another host) may work. */
  transient: boolean;
  /** One line for the user, naming the host. */
  message: string;
}

/** Written by SshTransport into stderr when no master exists in `manual` mode; read back here. */
export const NEEDS_CONNECT_NOTE = "drover: needs-connect:";

const HOST_KEY_CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED/;
const HOST_KEY_FAILED = /Host key verification failed/;
const AUTH_FAILED =
  /Permission denied \(|Too many authentication failures|no matching host key type|Authentication failed/;
const SESSION_REFUSED = /Session open refused by peer|open failed: administratively prohibited/;

/**
 * ssh's own words for "no connection was made at all" (the guard's ProxyCommand=false, a login that
 * failed). `banner exchange:` is the same refusal when ssh's own banner write hits the closed proxy.
 */
const NEVER_CONNECTED =
  /(ssh|kex)_exchange_identification: Connection closed by remote host|banner exchange: |Connection closed by UNKNOWN port 65535|Permission denied \(|Host key verification failed|ssh: connect to host|Could not resolve hostname/;

/** True when stderr proves the session never reached the host, so the program cannot have run. */
export function neverConnected(stderr: string): boolean {
  return NEVER_CONNECTED.test(stderr);
}

/** True when stderr says the server refused one more session on the master (back-pressure). */
export function isSessionRefused(stderr: string): boolean {
  return SESSION_REFUSED.test(stderr);
}

/**
 * Classifies an ssh call. Returns null when ssh itself did not fail (any exit code other than 255,
 * not timed out, not killed by a signal): that code is the program's own. `started` tells whether
 * the program's start marker arrived: after it, a failure means the program may still be running.
 */
export function classifySshResult(r: CommandResult, started: boolean): SshFailure | null {
  const host = r.host;
  if (r.timedOut) {
    return started
      ? {
          kind: "timeout",
          transient: true,
          message: `${host}: the call timed out after the program started; it may still be running there`,
        }
      : {
          kind: "timeout",
          transient: true,
          message: `${host}: the call timed out before the program started (no start marker)`,
        };
  }
  const sshFailed = r.exitCode === 255 || (r.exitCode === null && r.signal !== null);
  if (!sshFailed) return null;
  if (started) {
    return {
      kind: "cut",
      transient: true,
      message: `${host}: the connection was cut after the program started; it may still be running there`,
    };
  }
  const err = r.stderr;
  if (HOST_KEY_CHANGED.test(err)) {
    return {
      kind: "host-key-changed",
      transient: false,
      message: `${host}: the host key has CHANGED since it was recorded: check with the host's administrator, then update known_hosts (ssh-keygen -R) before Drover uses it again`,
    };
  }
  if (HOST_KEY_FAILED.test(err)) {
    return {
      kind: "host-key-changed",
      transient: false,
      message: `${host}: host key verification failed (unknown or changed key): check the key and update known_hosts (for example by logging in once with ssh)`,
    };
  }
  const note = err.split("\n").find((l) => l.startsWith(NEEDS_CONNECT_NOTE));
  if (note !== undefined) {
    return {
      kind: "needs-connect",
      transient: true,
      message: `${host}: no master connection: run \`drover connect ${host}\` to log in; Drover waits for it`,
    };
  }
  if (isSessionRefused(err)) {
    return {
      kind: "session-refused",
      transient: true,
      message: `${host}: the server refused another session on the shared connection (MaxSessions); retry later`,
    };
  }
  if (AUTH_FAILED.test(err)) {
    return {
      kind: "auth-failed",
      transient: false,
      message: `${host}: authentication failed: ${lastLine(err)} (check keys and agent, or use \`drover connect ${host}\` for an interactive login)`,
    };
  }
  return {
    kind: "unreachable",
    transient: true,
    message: `${host}: cannot connect: ${lastLine(err) || "ssh exited 255"}`,
  };
}

/** The last non-empty line of a text (ssh puts its verdict last), trimmed. */
function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("drover:"));
  return (lines[lines.length - 1] ?? "").slice(0, 300);
}
