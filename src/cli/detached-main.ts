/**
 * The entry of a detached Drover (`drover run --detach` starts it in its own session, stdin from
 * /dev/null, stdout and stderr appended to the run's log): runs the CLI with its arguments and
 * exits with its code, as bin/drover.js does for a foreground command.
 */
import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `drover: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(70);
  },
);
