/**
 * What `atq` says about a job: its queue letter, or `=` while atd runs it. atd keeps a job's spool
 * file (so atq lists it) until the job's shell exits, and at records no exit status at all: the
 * wrapper's EXIT line is the only outcome there is. Sources (at 3.2.5):
 * - at(1), atq: https://manpages.debian.org/bookworm/at/at.1.en.html ("the queue... `=` is reserved
 *   for jobs which are currently running")
 * - atd(8): https://manpages.debian.org/bookworm/at/atd.8.en.html
 */

/** Meaning of an atq queue letter: "queued" (a-z, A-Z: waiting for its time or the load limit) or "running". */
export function atQueueState(letter: string): "queued" | "running" | undefined {
  if (letter === "=") return "running";
  return /^[a-zA-Z]$/.test(letter) ? "queued" : undefined;
}

/** at job numbers as atq prints them. */
export const AT_ID = /^[1-9][0-9]{0,9}$/;
