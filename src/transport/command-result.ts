/** The one shape of every process run, local or remote. */
export interface CommandResult {
  /** What was run locally (for ssh, the ssh argv). */
  argv: string[];
  /** The host the command acted on ("localhost" for local). */
  host: string;
  /** Exit code, or null when the process was ended by a signal. */
  exitCode: number | null;
  /** Signal name that ended the process, or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when Drover ended the process because its time ran out. */
  timedOut: boolean;
}
