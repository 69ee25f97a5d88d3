/**
 * Signal names and numbers as Linux defines them for the architectures job hosts run (x86_64,
 * aarch64, ppc64le, riscv64 share this numbering). The wrapper exits with 128 + number.
 */
import { ConfigError } from "../errors.js";

const NUMBERS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
};

/** Bash pseudo-signals the wrapper always handles: EXIT (wrapper died) and ERR (non-zero exit). */
export const PSEUDO_SIGNALS: ReadonlySet<string> = new Set(["EXIT", "ERR"]);

/** Signals a trap cannot catch, or that fire in normal operation (CHLD): never a fail signal. */
const UNTRAPPABLE: ReadonlySet<string> = new Set(["KILL", "STOP", "CHLD"]);

/** The Linux number of a signal name (`TERM` -> 15), or undefined when it is not one. */
export function signalNumber(name: string): number | undefined {
  return Object.hasOwn(NUMBERS, name) ? NUMBERS[name] : undefined;
}

/**
 * Normalises a list of signal names for a trap (`SIGTERM` and `term` become `TERM`), dropping the
 * pseudo-signals when `allowPseudo` (the wrapper handles them anyway) and rejecting anything else
 * that is not a trappable signal, with `keyPath` in the error.
 */
export function normalizeSignals(names: readonly string[], keyPath: string, allowPseudo: boolean): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.toUpperCase().replace(/^SIG/, "");
    if (PSEUDO_SIGNALS.has(name) && allowPseudo) continue;
    if (signalNumber(name) === undefined || UNTRAPPABLE.has(name)) {
      throw new ConfigError(`${JSON.stringify(raw)} is not a signal a job can trap`, { keyPath });
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
