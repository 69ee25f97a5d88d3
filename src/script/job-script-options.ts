/**
 * What a job script is made from, and the checks that make every value safe to embed: bad input
 * is a ConfigError naming the option, never a broken or injectable script.
 */
import { ConfigError, NAME_PATTERN } from "../errors.js";
import { normalizeSignals } from "./signals.js";

/** Everything `generateJobScript` needs for one submission. */
export interface JobScriptOptions {
  /** DROVER_RUN. */
  runName: string;
  /** Run directory ON THE JOB HOST: absolute, or starting with "~/". */
  runDir: string;
  jobName: string;
  submitNum: number;
  tryNum: number;
  /** Relative to runDir: "log/job/<name>/<NN>". */
  logDir: string;
  /** The user's script text (bash), up to 1 MiB, any characters but NUL. */
  script: string;
  env: Record<string, string>;
  /** When true, `$VAR`, `$(cmd)` and backquotes in env values expand at job start (opt-in). */
  envExpand: boolean;
  /** Header lines for the runner, each a comment, e.g. "#SBATCH --mem=1G". */
  directives: string[];
  /** Fail signals; default EXIT ERR TERM XCPU INT HUP (EXIT and ERR are always handled). */
  failSignals?: string[];
  /** Vacation signals (preemption, requeue); default USR1. */
  vacationSignals?: string[];
}

/** The options after validation, with the signal lists resolved. */
export interface CheckedJobScriptOptions extends JobScriptOptions {
  failSignals: string[];
  vacationSignals: string[];
}

/** Largest user script accepted, in UTF-8 bytes. */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

export const DEFAULT_FAIL_SIGNALS: readonly string[] = ["EXIT", "ERR", "TERM", "XCPU", "INT", "HUP"];
export const DEFAULT_VACATION_SIGNALS: readonly string[] = ["USR1"];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names the wrapper owns or bash will not let a script set. */
const RESERVED_ENV: ReadonlySet<string> = new Set([
  "BASH",
  "BASHOPTS",
  "BASHPID",
  "BASH_VERSINFO",
  "EUID",
  "IFS",
  "PPID",
  "SHELLOPTS",
  "UID",
]);
const CONTROL = /\p{Cc}/u;

function fail(message: string, keyPath: string): never {
  throw new ConfigError(message, { keyPath });
}

function checkCount(n: number, keyPath: string): void {
  if (!Number.isSafeInteger(n) || n < 0) fail(`${keyPath} must be a whole number >= 0, not ${n}`, keyPath);
}

function checkRunDir(dir: string): string {
  if (dir.includes("\0") || /[\n\r]/.test(dir))
    fail("the run directory must not contain NUL or line breaks", "runDir");
  if (!dir.startsWith("/") && dir !== "~" && !dir.startsWith("~/")) {
    fail(`the run directory must be absolute or start with "~/": ${JSON.stringify(dir)}`, "runDir");
  }
  // A trailing slash would double up in every path built from it.
  return dir.length > 1 ? dir.replace(/\/+$/, "") || "/" : dir;
}

function checkLogDir(dir: string): void {
  const parts = dir.split("/");
  if (
    dir === "" ||
    dir.startsWith("/") ||
    CONTROL.test(dir) ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    fail(
      `the log directory must be a plain relative path like log/job/NAME/01: ${JSON.stringify(dir)}`,
      "logDir",
    );
  }
}

function checkEnv(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) {
    const key = `env.${name}`;
    if (!ENV_NAME.test(name)) fail(`${JSON.stringify(name)} is not a valid environment variable name`, key);
    if (RESERVED_ENV.has(name) || /^drover_/i.test(name))
      fail(`environment variable ${name} is reserved for Drover or bash`, key);
    if (typeof value !== "string") fail(`environment variable ${name} must be a string`, key);
    if (value.includes("\0")) fail(`environment variable ${name} must not contain a NUL byte`, key);
  }
}

/** Validates `o` and fills the defaults; throws ConfigError on the first bad option. */
export function checkJobScriptOptions(o: JobScriptOptions): CheckedJobScriptOptions {
  if (!NAME_PATTERN.test(o.runName)) fail(`invalid run name ${JSON.stringify(o.runName)}`, "runName");
  if (!NAME_PATTERN.test(o.jobName)) fail(`invalid job name ${JSON.stringify(o.jobName)}`, "jobName");
  checkCount(o.submitNum, "submitNum");
  checkCount(o.tryNum, "tryNum");
  const runDir = checkRunDir(o.runDir);
  checkLogDir(o.logDir);
  if (o.script.includes("\0")) fail("the script must not contain a NUL byte", "script");
  const bytes = Buffer.byteLength(o.script, "utf8");
  if (bytes > MAX_SCRIPT_BYTES)
    fail(`the script is ${bytes} bytes; the limit is ${MAX_SCRIPT_BYTES}`, "script");
  checkEnv(o.env);
  o.directives.forEach((d, i) => {
    if (!d.startsWith("#") || CONTROL.test(d))
      fail("a directive must be one comment line starting with #", `directives[${i}]`);
  });
  const failSignals = normalizeSignals(o.failSignals ?? DEFAULT_FAIL_SIGNALS, "failSignals", true);
  const vacationSignals = normalizeSignals(
    o.vacationSignals ?? DEFAULT_VACATION_SIGNALS,
    "vacationSignals",
    false,
  );
  const both = failSignals.find((s) => vacationSignals.includes(s));
  if (both !== undefined) fail(`${both} cannot be both a fail and a vacation signal`, "vacationSignals");
  return { ...o, runDir, failSignals, vacationSignals };
}
