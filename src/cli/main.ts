/**
 * The CLI entry: dispatches to one file per command. A user's mistake is one line on stderr and
 * exit 2, never a stack trace.
 *
 * Exit codes: 0 success (for `run`: every job succeeded); 1 a job did not succeed, the run was
 * stopped before its end, or a command could not do all it was asked; 2 bad input (job set file,
 * command line, unknown run or job); 70 an internal error (a bug: the message has the stack).
 */
import { ConfigError, DroverError, UsageError } from "../errors.js";
import { processOut, type Out } from "./out.js";
import { runCommand } from "./run-command.js";
import { statusCommand } from "./status-command.js";
import { killCommand, pollCommand, triggerCommand } from "./act-commands.js";
import { logCommand } from "./log-command.js";
import { platformsCommand } from "./platforms-command.js";
import { checkCommand } from "./check-command.js";
import { connectCommand } from "./connect-command.js";
import { tidyCommand } from "./tidy-command.js";
import { attachCommand } from "./attach-command.js";
import { stopCommand } from "./stop-command.js";
import { HELP } from "./help.js";

type Command = (argv: string[], out: Out) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  status: statusCommand,
  kill: killCommand,
  trigger: triggerCommand,
  poll: pollCommand,
  log: logCommand,
  platforms: platformsCommand,
  check: checkCommand,
  connect: connectCommand,
  tidy: tidyCommand,
  attach: attachCommand,
  stop: stopCommand,
};

/** Runs the CLI with `argv` (without node and script); resolves the exit code. */
export async function main(argv: string[], out: Out = processOut): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out.print(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    out.print("drover 0.1.0");
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    out.note(`drover: unknown command "${name}" (see drover --help)`);
    return 2;
  }
  try {
    return await cmd(rest, out);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      out.note(`drover: ${err.message}`);
      return 2;
    }
    if (err instanceof DroverError) {
      out.note(`drover: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
