/**
 * Telling a login shell problem from any other failure. `bash -l -s` runs the user's profile
 * BEFORE it reads the program from stdin, so a profile that reads input (`read`, `cat`, an `ssh`
 * without `-n`) swallows the start of the program. What happens then depends on how much it read:
 *
 * - the canary line only (see `withCanary`): the program runs whole, but the canary's output is
 *   missing; `detectLoginShellProblems` reports it as a warning;
 * - into `main() {`: the rest of the frame runs at top level, where `local` fails, so the start
 *   marker comes out with an EMPTY nonce (`@@drover: start -`) and bash stops at the lone `}` (a
 *   syntax error ends a non-interactive bash); programs that begin their body with `MAIN_GUARD`
 *   stop at once instead (exit 97);
 * - everything: the shell sees end of input and exits 0 having printed nothing of ours.
 *
 * Text a profile prints (a banner) comes before all of ours and is never a failure.
 *
 * What a batch caller (submit, poll, kill) should do:
 * 1. send `withCanary(input)` instead of `input`;
 * 2. when the reply has no start marker, set its error to `explainNotStarted(result, shell)`;
 * 3. when it started, `detectLoginShellProblems(result, shell)` may still return a warning.
 * `isLoginShellProblem(result)` tells whether to blame the profile rather than the host.
 */
import type { CommandResult } from "../transport/command-result.js";

/**
 * First line of a program: prints `@@drover:canary` (the source text does not hold that string).
 * It sets the HUP and PIPE handlers first: a reader that is already gone must not kill the program
 * (handlers, not ignores, so jobs still get the default dispositions).
 */
export const CANARY_LINE = "trap : HUP PIPE; printf '%s:canary\\n' @@drover\n";
const CANARY = "@@drover:canary";
/** First line of a body: outside `main` (the profile ate `main() {`) nothing more runs. */
export const MAIN_GUARD = "[[ ${FUNCNAME[0]-} == main ]] || exit 97";
/** The exit code of a program stopped by `MAIN_GUARD`. */
export const GUARD_EXIT = 97;

/** The login shell a transport runs (`bash -l -s` unless it says otherwise). */
export function transportShell(t: object): readonly string[] {
  // LocalTransport has `shell`, SshTransport `settings.shell`.
  const o = t as { shell?: unknown; settings?: { shell?: unknown } };
  const s = o.shell ?? o.settings?.shell;
  return Array.isArray(s) && s.every((w) => typeof w === "string") ? (s as string[]) : ["bash", "-l", "-s"];
}

/** `program` with the canary line in front. */
export function withCanary(program: string): string {
  return CANARY_LINE + program;
}

/** What stdout says about the login shell, found without the nonce. */
export interface LoginShellFacts {
  /** The canary line arrived. */
  canary: boolean;
  /** A start marker with a nonce arrived: the program ran inside `main`. */
  started: boolean;
  /** A start marker with an empty nonce: the frame ran outside `main`. */
  orphanStart: boolean;
  /** Everything printed before the canary or start marker (a profile's banner). */
  noise: string;
}

const START = /^@@drover:[0-9a-f]{16,64} start -$/;

/** Reads the login shell facts from a program's stdout. */
export function loginShellFacts(stdout: string): LoginShellFacts {
  const lines = stdout.split("\n");
  let canary = false;
  let started = false;
  let noiseEnd = -1;
  for (let i = 0; i < lines.length && !started; i++) {
    const l = lines[i] as string;
    if (l === CANARY) canary = true;
    else if (START.test(l)) started = true;
    // Every line of ours starts so (canary, markers, an error before the start): noise ends there.
    if (noiseEnd < 0 && l.startsWith("@@drover:")) noiseEnd = i;
  }
  const noise =
    noiseEnd < 0
      ? stdout
      : lines
          .slice(0, noiseEnd)
          .map((l) => `${l}\n`)
          .join("");
  return { canary, started, orphanStart: /^@@drover: start -$/m.test(stdout), noise };
}

/** Evidence that the login shell consumed part or all of the program (or ended before it). */
export function isLoginShellProblem(r: CommandResult): boolean {
  const f = loginShellFacts(r.stdout);
  if (f.started) return false;
  if (f.orphanStart) return true;
  // MAIN_GUARD stopped a program whose `main() {` line the profile had eaten.
  if (!f.canary && r.exitCode === GUARD_EXIT) return true;
  if (/can only be used in a function|main: command not found/.test(r.stderr)) return true;
  // Without the canary's output, a syntax error means bash parsed a program cut at its start.
  if (!f.canary && /syntax error near unexpected token/.test(r.stderr)) return true;
  // Nothing of ours and a clean exit: the shell found no program left to read.
  return !f.canary && !r.timedOut && r.signal === null && r.exitCode === 0;
}

/**
 * One line saying why a program printed no start marker. Banners before it are not a failure and
 * are never named. Returns "" when the program did start.
 */
export function explainNotStarted(r: CommandResult, shell: readonly string[]): string {
  const f = loginShellFacts(r.stdout);
  if (f.started) return "";
  const sh = `the login shell (${shell.join(" ")})`;
  const own = ownError(r.stdout);
  if (own) return `the program stopped on ${r.host} before its start marker: ${own}`;
  const files = `check ~/.bash_profile, ~/.bash_login, ~/.profile and ~/.bashrc on ${r.host} for commands that read input (read, cat, ssh without -n) and give them </dev/null`;
  if (isLoginShellProblem(r) && (f.orphanStart || r.exitCode !== 0)) {
    return `${sh} read the program from stdin: ${files}`;
  }
  if (isLoginShellProblem(r)) {
    return `${sh} exited 0 without running the program: its profile read the program from stdin or ended the shell: ${files}`;
  }
  const err = stderrTail(r.stderr);
  if (r.timedOut) return `no start marker from ${r.host} within ${r.durationMs} ms (timed out)${err}`;
  if (isSsh(r) && r.exitCode === 255) return `ssh could not reach ${r.host} (exit 255)${err}`;
  if (r.signal) return `the shell on ${r.host} was ended by ${r.signal} before the program started${err}`;
  if (r.exitCode === 127 && !f.canary)
    return `the shell ${shell[0] ?? "?"} could not be run on ${r.host} (exit 127)${err}`;
  if (f.canary)
    return `${sh} began the program on ${r.host} but it stopped before its start marker (exit ${r.exitCode})${err}`;
  return `${sh} on ${r.host} ended (exit ${r.exitCode}) before it read the program: does its profile exit?${err}`;
}

/**
 * A login shell problem in any program's result, or null. With `canarySent` (the program went
 * through `withCanary`), a started program without the canary's output means the profile read
 * the canary line: the program ran, but the profile reads stdin.
 */
export function detectLoginShellProblems(
  r: CommandResult,
  shell: readonly string[] = ["bash", "-l", "-s"],
  canarySent = true,
): string | null {
  const f = loginShellFacts(r.stdout);
  if (!f.started) return isLoginShellProblem(r) ? explainNotStarted(r, shell) : null;
  if (canarySent && !f.canary) {
    return `the login shell (${shell.join(" ")}) read the first line of the program from stdin (the program still ran): check ~/.bash_profile, ~/.bash_login, ~/.profile and ~/.bashrc on ${r.host} for commands that read input and give them </dev/null`;
  }
  return null;
}

/** The first error section the program itself printed (any nonce), as one line. */
function ownError(stdout: string): string | null {
  const m = /^@@drover:[0-9a-f]{16,64} error (\S+)\n((?:\|.*\n)*)/m.exec(stdout);
  if (!m) return null;
  const text = (m[2] ?? "")
    .split("\n")
    .map((l) => l.slice(1))
    .join(" ")
    .trim();
  return `${m[1] ?? ""}: ${text}`.slice(0, 500);
}

function isSsh(r: CommandResult): boolean {
  const a = r.argv[0] ?? "";
  return a === "ssh" || a.endsWith("/ssh");
}

function stderrTail(stderr: string): string {
  const t = stderr.trim().split("\n").slice(-3).join(" | ").slice(-400);
  return t ? `: ${t}` : "";
}
