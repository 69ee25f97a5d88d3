/**
 * The live progress display of `drover run`: counts per state, elapsed time and the latest events,
 * redrawn in place on a terminal; plain event lines when stdout is not a terminal.
 */
import { JOB_STATES, type JobState } from "../job/model.js";
import type { DroverEvent } from "../manager/run-context.js";
import type { RunSummary } from "../manager/scheduler.js";
import { printable } from "./format-table.js";

/** Event kinds worth a line of their own. */
const SHOWN = new Set([
  "state",
  "message",
  "retry",
  "kill",
  "poll-error",
  "error",
  "run",
  "ignored",
  "trigger",
]);

export class Progress {
  private readonly started = Date.now();
  private counts = new Map<JobState, number>();
  private recent: string[] = [];
  private drawnLines = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly runName: string,
    private readonly tty: boolean,
    private readonly write: (s: string) => void,
  ) {
    if (tty) this.timer = setInterval(() => this.draw(), 250);
  }

  /** Takes one event from the scheduler. */
  event(e: DroverEvent): void {
    if (!SHOWN.has(e.kind)) return;
    const line = `${e.time.slice(11, 19)} ${printable(e.text)}`;
    if (this.tty) {
      this.recent.push(line);
      if (this.recent.length > 8) this.recent.shift();
    } else {
      this.write(line + "\n");
    }
  }

  /** Takes the counts after a round. */
  tick(s: RunSummary): void {
    this.counts = s.counts;
  }

  /** One line of counts and elapsed time. */
  countsLine(): string {
    const parts = JOB_STATES.filter((st) => (this.counts.get(st) ?? 0) > 0).map(
      (st) => `${this.counts.get(st)} ${st}`,
    );
    return `run ${this.runName}  ${formatElapsed(Date.now() - this.started)}  ${parts.join(", ") || "starting"}`;
  }

  private draw(): void {
    const lines = [this.countsLine(), ...this.recent.map((l) => `  ${l}`)];
    const clear = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[J` : "";
    this.write(
      clear +
        lines.map((l) => l.slice(0, Math.max(20, (process.stdout.columns || 120) - 1))).join("\n") +
        "\n",
    );
    this.drawnLines = lines.length;
  }

  /** Stops redrawing and leaves the last picture (terminal) or a final counts line. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.draw();
    else this.write(this.countsLine() + "\n");
  }
}

/** `1:02:03` or `2:03`. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
