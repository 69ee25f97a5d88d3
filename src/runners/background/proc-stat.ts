/**
 * Pure reading of the `/proc` facts the batch program prints for host-bound runners, and the PID
 * reuse guard: a PID is trusted only when its start time and the host's boot id both match.
 */

/** One process as the batch program saw it: state letter and start time (ticks since boot). */
export interface ProcFact {
  state: string;
  start: string;
}

/** Process IDs as the background runner writes them (positive decimal). */
export const PID_PATTERN = /^[1-9][0-9]{0,9}$/;

/**
 * Parses lines `<pid> <state> <start>` (`<pid> - -` for an absent process).
 * Returns the facts by PID, or an error naming the first malformed line.
 */
export function parseProcLines(text: string): Map<string, ProcFact | null> | { error: string } {
  const facts = new Map<string, ProcFact | null>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^([0-9]+) (\S+) (\S+)$/.exec(line);
    if (!m) return { error: `malformed /proc line: ${JSON.stringify(line.slice(0, 200))}` };
    const [, pid, state, start] = m as unknown as [string, string, string, string];
    facts.set(pid, state === "-" ? null : { state, start });
  }
  return facts;
}

/** True when the process is alive (not a zombie, not dead). */
export function isAlive(fact: ProcFact | null | undefined): fact is ProcFact {
  return (
    fact !== null && fact !== undefined && fact.state !== "Z" && fact.state !== "X" && fact.state !== "x"
  );
}

/**
 * True when a live process is the one recorded: same start time and same boot. An unknown start
 * time never matches (the job ended before it could be read; its PID may be reused since).
 */
export function matchesRecord(
  fact: ProcFact | null | undefined,
  recorded: { start?: string | undefined; boot?: string | undefined },
  bootNow: string,
): boolean {
  if (!isAlive(fact) || !recorded.start) return false;
  return recorded.start === fact.start && (recorded.boot ?? "") === bootNow;
}
