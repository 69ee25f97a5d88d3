/**
 * The job script: `#!/bin/bash`, the runner's directives, then a wrapper that records the job's
 * life in job.status (INIT, messages, VACATED, EXIT) around the user's script, which runs in a
 * separate bash child so the wrapper's traps fire the moment a signal arrives.
 */
import { createHash } from "node:crypto";
import { shellPath, shellQuote } from "./shell-quote.js";
import {
  checkJobScriptOptions,
  type CheckedJobScriptOptions,
  type JobScriptOptions,
} from "./job-script-options.js";
import { signalNumber } from "./signals.js";
import { DROVER_MESSAGE_FUNCTION, wrapperFunctions } from "./wrapper-functions.js";

export type { JobScriptOptions } from "./job-script-options.js";
export { MAX_SCRIPT_BYTES } from "./job-script-options.js";

/** `base`, lengthened with `_` until no line of `script` equals it. */
export function pickDelimiter(script: string, base: string): string {
  const lines = new Set(script.split("\n"));
  let d = base;
  while (lines.has(d)) d += "_";
  return d;
}

/**
 * A here-document delimiter that no line of `script` equals, derived from the script's hash so the
 * same input gives the same job script.
 */
export function heredocDelimiter(script: string): string {
  return pickDelimiter(
    script,
    `DROVER_SCRIPT_END_${createHash("sha256").update(script).digest("hex").slice(0, 16)}`,
  );
}

function exportLine(name: string, value: string, expand: boolean): string {
  if (!expand) return `  export ${name}=${shellQuote(value)}`;
  // Expansion happens at job start inside eval, so even a malformed `$(` cannot break the wrapper.
  const inner = `export ${name}="${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `  eval ${shellQuote(inner)} || drover_message WARNING ${shellQuote(`env ${name}: cannot expand the value`)}`;
}

/** The status a shell reports for a death by signal `name` (128 + its number); names were checked. */
function signalStatus(name: string): number {
  const n = signalNumber(name);
  if (n === undefined) throw new RangeError(`internal: unchecked signal ${JSON.stringify(name)}`);
  return 128 + n;
}

function trapLines(o: CheckedJobScriptOptions): string[] {
  const fail = o.failSignals.map((s) => `  trap 'drover_fail ${s} ${signalStatus(s)}' ${s}`);
  const vacate = o.vacationSignals.map((s) => `  trap 'drover_vacate ${s} ${signalStatus(s)}' ${s}`);
  return [...fail, ...vacate, "  trap drover_on_exit EXIT"];
}

function mainFunction(o: CheckedJobScriptOptions): string {
  const script = o.script.endsWith("\n") || o.script === "" ? o.script : `${o.script}\n`;
  const delimiter = heredocDelimiter(script);
  const workDir = `"$DROVER_RUN_DIR/work/$DROVER_JOB_NAME"`;
  return [
    "drover_main() {",
    "  drover_path=$PATH",
    `  export DROVER_RUN=${shellQuote(o.runName)}`,
    `  export DROVER_RUN_DIR=${shellPath(o.runDir)}`,
    '  export DROVER_SHARE_DIR="$DROVER_RUN_DIR/share"',
    `  export DROVER_JOB_NAME=${shellQuote(o.jobName)}`,
    `  export DROVER_SUBMIT_NUM=${o.submitNum}`,
    `  export DROVER_TRY=${o.tryNum}`,
    `  export DROVER_JOB_LOG_DIR="$DROVER_RUN_DIR"/${shellQuote(o.logDir)}`,
    '  export DROVER_STATUS_FILE="$DROVER_JOB_LOG_DIR/job.status"',
    // Traps before INIT: a signal from here on is recorded as a signal, never as a plain exit.
    ...trapLines(o),
    "  drover_init",
    "  export -f drover_message",
    `  mkdir -p -- ${workDir} "$DROVER_SHARE_DIR" </dev/null || drover_abort "cannot create the work and share directories"`,
    `  cd -- ${workDir} || drover_abort "cannot enter the work directory"`,
    ...Object.entries(o.env).map(([k, v]) => exportLine(k, v, o.envExpand)),
    '  export PATH="$DROVER_RUN_DIR/bin${PATH:+:$PATH}"',
    "  # The user's script: a fresh bash reading it from fd 3, in the background so traps run at once;",
    "  # async children start with INT and QUIT ignored, which the job must not inherit.",
    `  (trap - INT; trap - QUIT; exec "$BASH" /dev/fd/3) 0<&0 3<<'${delimiter}' &`,
    `${script}${delimiter}`,
    "  drover_child=$!",
    '  wait "$drover_child"',
    '  drover_finish "$?"',
    "}",
  ].join("\n");
}

/**
 * Generates the job script for one submission. Throws ConfigError for invalid options (bad names,
 * reserved env names, a NUL byte, a script over 1 MiB, a directive that is not a comment line).
 */
export function generateJobScript(options: JobScriptOptions): string {
  const o = checkJobScriptOptions(options);
  const held = [...o.failSignals, ...o.vacationSignals];
  const header = [
    "#!/bin/bash",
    ...o.directives,
    `# Drover job ${o.jobName}/${String(o.submitNum).padStart(2, "0")} of run ${o.runName}, try ${o.tryNum}. Generated: do not edit.`,
    "# Only definitions precede the last two lines: bash has read it all before anything runs.",
  ];
  return [
    ...header,
    "",
    DROVER_MESSAGE_FUNCTION,
    "",
    wrapperFunctions(held, held.map(signalStatus)),
    mainFunction(o),
    "",
    'drover_main "$@"',
    "exit $?",
    "",
  ].join("\n");
}
