/**
 * The process around the CLI: runs it and exits with its code once stdout and stderr have taken
 * everything written. `process.exit` right away cut long output (a dry run of a few jobs, a big
 * `status --json`) when stdout was a pipe whose reader was slower than Drover.
 */
import { main } from "./main.js";

/** Exits with `code` after every pending write to stdout and stderr has been handed on. */
export function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  // An empty write calls back after the writes queued before it; an error (a closed pipe) too.
  process.stdout.write("", done);
  process.stderr.write("", done);
}

/** Runs the CLI with `argv` and exits the process with its code (70 for an internal error). */
export function runCli(argv: string[]): void {
  main(argv).then(exitAfterFlush, (err: unknown) => {
    process.stderr.write(
      `drover: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    exitAfterFlush(70);
  });
}
