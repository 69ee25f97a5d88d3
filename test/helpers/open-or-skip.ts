/**
 * Opens a suite's test hosts. Not root: hosts that cannot start skip the suite (a developer's
 * machine). Root, as in CI: the error is thrown and the suite fails; a host that did not start is
 * a failure to see, never a silent skip.
 */
export function openOrSkip<T>(what: string, open: () => T): { value: T | null; skip: string | false } {
  try {
    return { value: open(), skip: false };
  } catch (err) {
    if (process.getuid?.() === 0) throw err;
    return { value: null, skip: `${what} test hosts unavailable: ${(err as Error).message.split("\n")[0]}` };
  }
}
