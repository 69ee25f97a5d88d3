/** `drover run FILE [--name N] [--new|--reload]`: run a job set to the end with live progress. */
import { UsageError } from "../errors.js";
import { runJobSet } from "../manager/run-job-set.js";
import type { Scheduler } from "../manager/scheduler.js";
import { parseArgs, expectPositional } from "./args.js";
import { Progress } from "./progress.js";
import type { Out } from "./out.js";

/** Seconds that batches in flight get to finish after Ctrl-C. */
export const DRAIN_TIMEOUT_S = 30;

export async function runCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, { values: ["--name"], booleans: ["--new", "--reload"] }, "run");
  expectPositional(a, 1, 1, "drover run FILE [--name NAME] [--new|--reload]");
  if (a.flags.has("--new") && a.flags.has("--reload"))
    throw new UsageError("run: --new and --reload exclude each other");
  const file = a.positional[0] as string;
  let progress: Progress | null = null;
  let scheduler: Scheduler | null = null;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      out.note(
        `drover: ${sig} again: quitting now; jobs keep running and the run resumes with 'drover run ${file}'`,
      );
      process.exit(1);
    }
    out.note(
      `drover: ${sig}: stopping after the batches in flight (again to quit at once); jobs keep running`,
    );
    scheduler?.stop();
    // In-flight batches drain up to a timeout; what they leave is reconciled at the next start.
    setTimeout(() => {
      out.note(
        `drover: batches still in flight after ${DRAIN_TIMEOUT_S} s: quitting; the next 'drover run ${file}' reconciles them`,
      );
      process.exit(1);
    }, DRAIN_TIMEOUT_S * 1000).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const result = await runJobSet(file, {
      name: a.values.get("--name"),
      mode: a.flags.has("--new") ? "new" : a.flags.has("--reload") ? "reload" : "resume",
      command: `drover run ${argv.join(" ")}`,
      say: (m) => out.note(`drover: ${m}`),
      onScheduler: (s) => {
        scheduler = s;
        progress = new Progress(s.ctx.runName, out.isTTY, (t) => process.stdout.write(t));
        s.ctx.listeners.push((e) => progress?.event(e));
      },
      onTick: (s) => progress?.tick(s),
    });
    (progress as Progress | null)?.finish();
    if (!result.done) {
      out.note(
        `drover: stopped; ${result.live} jobs left running. Resume with: drover run ${file}${a.values.has("--name") ? ` --name ${a.values.get("--name")}` : ""}`,
      );
      return 1;
    }
    const failed = [...result.counts.entries()]
      .filter(([s]) => s !== "succeeded")
      .reduce((n, [, c]) => n + c, 0);
    out.note(
      result.allSucceeded
        ? `drover: run ${result.name}: every job succeeded`
        : `drover: run ${result.name}: ${failed} jobs did not succeed (drover status ${result.name} --why)`,
    );
    return result.allSucceeded ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
