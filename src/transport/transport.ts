/** How Drover reaches a host: one call = one program written to the stdin of one shell there. */
import type { CommandResult } from "./command-result.js";

export interface RunProgramOptions {
  /** Ends the call (and marks the result timedOut) after this long. */
  timeoutMs: number;
}

export interface Transport {
  /** "local" or "ssh". */
  readonly kind: string;
  /**
   * Runs `program` (the whole text, written to stdin) in the platform's shell on `host`
   * (`bash -l -s` by default) and resolves when the process ends. Never rejects for a failed
   * command: failures are in the result. EPIPE on stdin is recorded, not thrown.
   */
  runProgram(host: string, program: string, opts: RunProgramOptions): Promise<CommandResult>;
}
