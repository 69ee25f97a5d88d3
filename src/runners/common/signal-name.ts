/**
 * Signal numbers that runners report (sacct's `0:9`, PBS's 256+n) as the names Drover's reasons
 * use (`signal(KILL)`). Linux numbering, as on the job hosts this targets.
 */
import { constants } from "node:os";

const NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, n]) => [n, name.replace(/^SIG/, "")]),
);

/** The name of signal `n` without SIG (`KILL` for 9), or null for a number no signal has. */
export function signalName(n: number): string | null {
  if (!Number.isSafeInteger(n) || n <= 0) return null;
  return NAMES.get(n) ?? null;
}
