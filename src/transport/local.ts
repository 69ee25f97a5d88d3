/**
 * The local transport: the batch program runs in a shell spawned on this machine (`bash -l -s`),
 * for the `localhost` platform and for hosts that share Drover's filesystem.
 */
import { spawn } from "node:child_process";
import type { CommandResult } from "./command-result.js";
import type { RunProgramOptions, Transport } from "./transport.js";

/** Default shell argv: a login bash reading its program from stdin. */
export const DEFAULT_LOCAL_SHELL: readonly string[] = ["bash", "-l", "-s"];

/** Runs batch programs in a local shell; one process per call. */
export class LocalTransport implements Transport {
  readonly kind = "local";
  readonly shell: readonly string[];

  /** @param shell argv of the shell that reads the program from stdin (default `bash -l -s`). */
  constructor(shell: readonly string[] = DEFAULT_LOCAL_SHELL) {
    if (
      shell.length === 0 ||
      shell.some((w) => typeof w !== "string" || w.length === 0 || w.includes("\0"))
    ) {
      throw new TypeError("LocalTransport: the shell argv must be non-empty words without NUL bytes");
    }
    this.shell = [...shell];
  }

  /** Writes `program` to the shell's stdin and resolves with everything it printed. Never rejects. */
  runProgram(host: string, program: string, opts: RunProgramOptions): Promise<CommandResult> {
    const argv = [...this.shell];
    const started = Date.now();
    return new Promise<CommandResult>((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const notes: string[] = [];
      let timedOut = false;
      let settled = false;
      const finish = (exitCode: number | null, signal: string | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString("utf8") + notes.map((n) => `drover: ${n}\n`).join("");
        resolve({
          argv,
          host,
          exitCode,
          signal,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr,
          durationMs: Date.now() - started,
          timedOut,
        });
      };
      // Own session and process group: Ctrl-C at Drover's terminal never reaches the batch program.
      const child = spawn(argv[0] as string, argv.slice(1), {
        detached: true,
        stdio: ["pipe", "pipe", "pipe"],
      });
      const timer = setTimeout(
        () => {
          timedOut = true;
          killGroup(child.pid, "SIGKILL");
          // A process outside the group may still hold the pipes open: stop waiting for them.
          setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
            finish(child.exitCode, child.signalCode);
          }, 2000).unref();
        },
        Math.max(0, opts.timeoutMs),
      );
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      // EPIPE (the shell exited before reading everything) is a fact for the result, not a throw.
      child.stdin.on("error", (e: NodeJS.ErrnoException) => notes.push(`stdin: ${e.code ?? e.message}`));
      child.on("error", (e: NodeJS.ErrnoException) => {
        notes.push(`cannot start ${argv[0]}: ${e.code ?? e.message}`);
        finish(127, null);
      });
      // "close" waits for stdout and stderr to end, so no output is lost.
      child.on("close", (code, signal) => finish(code, signal));
      child.stdin.end(program);
    });
  }
}

/** Signals a whole process group, ignoring a group that is already gone. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: nothing to end.
  }
}
