/**
 * The entry of a detached Drover (`drover run --detach` starts it in its own session, stdin from
 * /dev/null, stdout and stderr appended to the run's log): runs the CLI with its arguments and
 * exits with its code, as bin/drover.js does for a foreground command.
 */
import { runCli } from "./entry.js";

runCli(process.argv.slice(2));
