/**
 * Runs one local process (ssh, rsync) to its end and returns a CommandResult: detached in its own
 * process group, stdio as streams, a timeout that kills the whole group, EPIPE on stdin recorded.
 */
import { spawn } from "node:child_process";
import type { CommandResult } from "./command-result.js";

/** What to run and how. */
export interface ProcessSpec {
  argv: readonly string[];
  /** The host the command acts on, copied into the result. */
  host: string;
  /** Written to stdin, then stdin is closed; absent: stdin is /dev/null. */
  stdin?: string;
  timeoutMs: number;
  /** Inherit Drover's terminal (for an interactive login); output is then not captured. */
  inheritStdio?: boolean;
}

/** How long to wait for the pipes after the process exited: a multiplexing master may hold them. */
const PIPE_GRACE_MS = 1000;

/** Spawns `spec.argv` and resolves when it ends. Never rejects: a start failure is exit 127. */
export function runProcess(spec: ProcessSpec): Promise<CommandResult> {
  const argv = [...spec.argv];
  const started = Date.now();
  return new Promise<CommandResult>((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const notes: string[] = [];
    let timedOut = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      resolve({
        argv,
        host: spec.host,
        exitCode,
        signal: exitSignal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + notes.map((n) => `drover: ${n}\n`).join(""),
        durationMs: Date.now() - started,
        timedOut,
      });
    };
    const stdinMode = spec.stdin === undefined ? "ignore" : "pipe";
    // Own process group: Ctrl-C at Drover's terminal never reaches ssh, and a timeout ends it all.
    const child = spawn(argv[0] as string, argv.slice(1), {
      detached: !spec.inheritStdio,
      stdio: spec.inheritStdio ? "inherit" : [stdinMode, "pipe", "pipe"],
    });
    const timer = setTimeout(
      () => {
        timedOut = true;
        // An interactive child shares Drover's group (it needs the terminal): end only it.
        if (spec.inheritStdio) child.kill("SIGKILL");
        else killGroup(child.pid, "SIGKILL");
      },
      Math.max(0, spec.timeoutMs),
    );
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      notes.push(`cannot start ${argv[0]}: ${e.code ?? e.message}`);
      exitCode = 127;
      finish();
    });
    child.on("exit", (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      // Whoever still holds our pipes (a master serving a killed client) must not keep us waiting.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, PIPE_GRACE_MS);
      graceTimer.unref();
    });
    // "close" comes once stdout and stderr have ended, so no output is lost.
    child.on("close", (code, signal) => {
      exitCode = code ?? exitCode;
      exitSignal = signal ?? exitSignal;
      finish();
    });
    if (child.stdin) {
      // EPIPE (the far side stopped reading) is a fact for the result, not a throw.
      child.stdin.on("error", (e: NodeJS.ErrnoException) => notes.push(`stdin: ${e.code ?? e.message}`));
      child.stdin.end(spec.stdin ?? "");
    }
  });
}

/** Signals a whole process group, ignoring a group that is already gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: nothing to end.
  }
}
