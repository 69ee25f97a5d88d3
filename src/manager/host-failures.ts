/**
 * What a failed call says about its host: unreachable or refusing logins marks it bad for a while;
 * a changed host key disables it for the run; a manual master that has gone asks for `connect`.
 */
import { classifySshResult, type SshFailure } from "../transport/ssh-errors.js";
import type { CommandResult } from "../transport/command-result.js";
import { disableHost, markHostBad, markHostGood } from "../store/hosts.js";
import { emit, nowIso, type RunContext } from "./run-context.js";
import type { Platform } from "./platform.js";

/** Records what a call's result says about its host; returns the SSH failure, if any. */
export function noteHostResult(
  ctx: RunContext,
  platform: Platform,
  host: string,
  r: CommandResult,
  started: boolean,
): SshFailure | null {
  if (started) {
    markHostGood(ctx.db, host);
    return platform.sshTransport ? classifySshResult(r, true) : null;
  }
  if (!platform.sshTransport) return null;
  const f = classifySshResult(r, false);
  if (!f) return null;
  const now = nowIso(ctx);
  switch (f.kind) {
    case "host-key-changed":
      disableHost(ctx.db, host, f.message, now);
      emit(ctx, { kind: "error", text: `host ${host} disabled for this run: ${f.message}` });
      break;
    case "auth-failed":
    case "unreachable":
    case "timeout": {
      const until = new Date(ctx.clock.now() + platform.badHostS * 1000).toISOString();
      markHostBad(ctx.db, host, until, f.message, now);
      emit(ctx, { kind: "host", text: `host ${host} marked bad until ${until.slice(11, 19)}: ${f.message}` });
      break;
    }
    case "needs-connect": {
      // Not a broken host: it waits for a person; checked again after the bad-host time.
      const until = new Date(ctx.clock.now() + platform.badHostS * 1000).toISOString();
      markHostBad(ctx.db, host, until, `needs 'drover connect ${host}'`, now);
      emit(ctx, {
        kind: "held",
        text: `host ${host} needs 'drover connect ${host}': its SSH master has gone; Drover waits`,
      });
      break;
    }
    default:
      // A refused session is back-pressure, not a bad host.
      break;
  }
  return f;
}
