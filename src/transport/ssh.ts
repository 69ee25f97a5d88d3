/**
 * The ssh transport: each batch program goes to the stdin of `ssh ... HOST -- bash -l -s` over one
 * ControlMaster per user and host, shared by every run and by `drover connect HOST`.
 *
 * Masters: in `auto` mode Drover opens a missing master itself with `ssh -N -f` and ControlPersist
 * (one login for all concurrent callers); the master lives in the background, outside Drover's
 * process groups, and outlasts Drover until idle for ControlPersist. Sessions then go through it with
 * `ControlMaster=no` and `ProxyCommand=false`, so a refused session or a vanished master fails fast
 * with 255 instead of silently becoming a fresh login (a host behind ProxyJump cannot take that guard
 * without changing its socket name, and uses `ControlMaster=auto` instead). In `manual` mode Drover
 * never logs in: without a master a call resolves, without running anything, to a result that
 * classifySshResult reads as `needs-connect`.
 */
import type { CommandResult } from "./command-result.js";
import { controlPathPattern, ensureControlDir } from "./control-path.js";
import { shellQuote } from "../script/shell-quote.js";
import { runProcess } from "./run-process.js";
import { checkHost, sshArgv, sshSettings, type SshSettings, type SshTransportOptions } from "./ssh-args.js";
import { NEEDS_CONNECT_NOTE, isSessionRefused, neverConnected } from "./ssh-errors.js";
import * as master from "./ssh-master.js";
import { limiterFor } from "./session-limiter.js";
import type { RunProgramOptions, Transport } from "./transport.js";

export type { SshTransportOptions } from "./ssh-args.js";

/** Refused sessions retried before the refusal reaches the caller. */
const MAX_REFUSALS = 12;
/** Times a call re-opens a master that vanished under it (auto mode). */
const MAX_REVIVALS = 2;

/** Runs batch programs and rsync over OpenSSH with one shared master per user and host. */
export class SshTransport implements Transport {
  readonly kind = "ssh";
  readonly settings: SshSettings;
  readonly controlDir: string;

  /** Validates the options (throws DroverError) and prepares the private control directory. */
  constructor(opts: SshTransportOptions = {}) {
    this.settings = sshSettings(opts);
    this.controlDir = ensureControlDir(opts.controlDir);
  }

  /** Writes `program` to the remote shell's stdin; resolves with the result. Rejects only for a bad host. */
  async runProgram(host: string, program: string, opts: RunProgramOptions): Promise<CommandResult> {
    checkHost(host);
    const remote = this.settings.shell.map(shellQuote);
    return this.runSession(host, (ssh) =>
      runProcess({ argv: [...ssh, host, "--", ...remote], host, stdin: program, timeoutMs: opts.timeoutMs }),
    );
  }

  /**
   * Runs one session-using process on `host` (a program, an rsync): waits for a master (auto) or
   * checks it (manual), takes a session slot, and retries refused sessions after a back-off while
   * lowering the host's cap. `attempt` gets the ssh argv without the host.
   */
  async runSession(host: string, attempt: (ssh: string[]) => Promise<CommandResult>): Promise<CommandResult> {
    checkHost(host);
    const s = this.settings;
    const link = await master.resolveLink(s, this.controlPathFor(host), host);
    if ("argv" in link) return link;
    const limiter = limiterFor(link.key, s.maxSessions);
    const words = this.sessionArgv(link);
    let refusals = 0;
    let revivals = 0;
    for (;;) {
      const pre = await this.prepare(link);
      if (pre) return pre;
      const release = await limiter.acquire();
      let r: CommandResult;
      try {
        r = await attempt(words);
        // Lower the cap while this slot still counts: the server refused at this many sessions.
        if (failedBeforeStart(r) && isSessionRefused(r.stderr)) limiter.lower();
      } finally {
        release();
      }
      if (!failedBeforeStart(r)) {
        if (r.exitCode !== 255) master.setAlive(link, true);
        return r;
      }
      if (isSessionRefused(r.stderr)) {
        if (++refusals > MAX_REFUSALS) return r;
        await sleep(Math.min(2000, 50 * 2 ** Math.min(refusals, 6)) * (0.5 + Math.random()));
        continue;
      }
      // The master had gone before the session (idle timeout, killed): nothing ran, so go again.
      // Without that proof the program may have started and been cut: never run it twice.
      if (neverConnected(r.stderr) && !(await master.checkLink(s, link))) {
        if (s.connect === "manual") return needsConnect(r, this.controlPathFor(host));
        if (++revivals <= MAX_REVIVALS) continue;
      }
      return r;
    }
  }

  /** True when a master answers for `host` (`ssh -O check`). */
  async checkMaster(host: string): Promise<boolean> {
    const link = await master.resolveLink(this.settings, this.controlPathFor(checkHost(host)), host);
    return "argv" in link ? false : master.checkLink(this.settings, link);
  }

  /**
   * Opens the master for `host`, or joins the one already there (`drover connect HOST`). Interactive:
   * the terminal is inherited and BatchMode is off, so a password or 2FA prompt works. The master
   * stays in the background after this resolves.
   */
  async openMaster(host: string, o: { interactive: boolean; timeoutMs?: number }): Promise<CommandResult> {
    const link = await master.resolveLink(this.settings, this.controlPathFor(checkHost(host)), host);
    if ("argv" in link) return link;
    const timeoutMs =
      o.timeoutMs ?? (o.interactive ? 300_000 : this.settings.connectTimeoutS * 2000 + 15_000);
    return master.openLink(this.settings, link, { interactive: o.interactive, timeoutMs });
  }

  /** Asks the master for `host` to exit (`ssh -O exit`); sessions still open on it end too. */
  async closeMaster(host: string): Promise<CommandResult> {
    const link = await master.resolveLink(this.settings, this.controlPathFor(checkHost(host)), host);
    return "argv" in link ? link : master.closeLink(this.settings, link);
  }

  /** The current session cap for `host`'s master in this process (lowered by refused sessions). */
  async sessionCap(host: string): Promise<number> {
    const link = await master.resolveLink(this.settings, this.controlPathFor(checkHost(host)), host);
    return "argv" in link ? this.settings.maxSessions : limiterFor(link.key, this.settings.maxSessions).cap;
  }

  /**
   * The ControlPath of a host: `%C` (local host, host, port, user) behind a short hash of the ssh
   * command, options and host alias, so two aliases of one account with different keys (a full key
   * and an rsync-only one) never share a master, while runs and `drover connect` with the same
   * settings do.
   */
  controlPathFor(host: string): string {
    return controlPathPattern(this.controlDir, [...this.settings.command, ...this.settings.options, host]);
  }

  /**
   * The ssh argv for rsync's `-e` (without the host: rsync adds it), through the same socket.
   * Before the host's socket has been resolved it allows ssh to open the master itself (auto mode).
   */
  sshCommandForRsync(host: string): string[] {
    checkHost(host);
    const guard = this.settings.connect === "manual";
    return sshArgv(
      this.settings,
      this.controlPathFor(host),
      guard ? { kind: "client", guard: false } : { kind: "auto" },
      null,
    );
  }

  /** The ssh words of a session call for a resolved host. */
  private sessionArgv(link: master.HostLink): string[] {
    const mode =
      link.guard || this.settings.connect === "manual"
        ? ({ kind: "client", guard: link.guard } as const)
        : ({ kind: "auto" } as const);
    return sshArgv(this.settings, link.controlPath, mode, null);
  }

  /** Auto: make sure a master is there. Manual: check for one; a result means "do not run". */
  private async prepare(link: master.HostLink): Promise<CommandResult | null> {
    const s = this.settings;
    if (s.connect === "auto") {
      return master.ensureMaster(s, link, s.connectTimeoutS * 2000 + 15_000);
    }
    if (master.believedAlive(link) || (await master.checkLink(s, link))) return null;
    const argv = sshArgv(s, link.controlPath, { kind: "control", op: "check" }, link.host);
    return needsConnect(
      {
        argv,
        host: link.host,
        exitCode: 255,
        signal: null,
        stdout: "",
        stderr: "",
        durationMs: 0,
        timedOut: false,
      },
      link.controlPath,
    );
  }
}

/** ssh failed before any output came back: nothing ran, or nothing is known to have run. */
function failedBeforeStart(r: CommandResult): boolean {
  return r.exitCode === 255 && !r.timedOut && r.stdout.length === 0;
}

/** Marks a result as "no master in manual mode": classifySshResult reads the note. */
function needsConnect(r: CommandResult, controlPath: string): CommandResult {
  const note = `${NEEDS_CONNECT_NOTE} no master connection to ${r.host} (ControlPath ${controlPath}); run \`drover connect ${r.host}\`\n`;
  return { ...r, exitCode: 255, stderr: r.stderr + note };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
