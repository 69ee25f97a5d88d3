/**
 * `drover run FILE [--name N] [--new|--reload]`: run a job set to the end with live progress.
 * `--dry-run`: show what each job's submission would be, without creating the run or contacting a host.
 * `--detach`: open the run here, then leave it to a Drover in the background (see detach-run.ts).
 */
import { UsageError } from "../errors.js";
import { dryRun, type DryRunResult } from "../manager/dry-run.js";
import { runJobSet } from "../manager/run-job-set.js";
import type { Scheduler } from "../manager/scheduler.js";
import { parseArgs, expectPositional } from "./args.js";
import { printable } from "./format-table.js";
import { Progress } from "./progress.js";
import type { Out } from "./out.js";
import { DETACHED_CHILD_FLAG, DETACHED_NEW_FLAG, detachRun } from "./detach-run.js";

/** Seconds that batches in flight get to finish after Ctrl-C. */
export const DRAIN_TIMEOUT_S = 30;

/** `drover run`: foreground, dry run, or detached; resolves the exit code. */
export async function runCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(
    argv,
    {
      values: ["--name"],
      booleans: ["--new", "--reload", "--dry-run", "--detach", DETACHED_CHILD_FLAG, DETACHED_NEW_FLAG],
    },
    "run",
  );
  expectPositional(a, 1, 1, "drover run FILE [--name NAME] [--new|--reload] [--detach|--dry-run]");
  if (a.flags.has("--new") && a.flags.has("--reload"))
    throw new UsageError("run: --new and --reload exclude each other");
  const file = a.positional[0] as string;
  const mode = a.flags.has("--new") ? "new" : a.flags.has("--reload") ? "reload" : "resume";
  if (a.flags.has("--dry-run")) {
    if (a.flags.has("--new") || a.flags.has("--reload") || a.flags.has("--detach"))
      throw new UsageError("run: --dry-run creates no run: it takes no --new, --reload or --detach");
    printDryRun(await dryRun(file, { name: a.values.get("--name") }), out);
    return 0;
  }
  if (a.flags.has("--detach")) {
    if (a.flags.has(DETACHED_CHILD_FLAG)) throw new UsageError("run: --detach is given once");
    return detachRun(file, { name: a.values.get("--name"), mode }, out);
  }
  const detached = a.flags.has(DETACHED_CHILD_FLAG);
  // The detached Drover's lines go to the run's log, where a date on each start and end helps.
  if (detached) out.note(`drover: ${new Date().toISOString()} detached Drover pid ${process.pid} starting`);
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
      mode,
      command: detached
        ? `drover run ${file} --name ${a.values.get("--name") ?? ""} --detach`
        : `drover run ${argv.join(" ")}`,
      say: (m) => out.note(`drover: ${m}`),
      freshRun: detached && a.flags.has(DETACHED_NEW_FLAG),
      onScheduler: (s) => {
        scheduler = s;
        progress = new Progress(s.ctx.runName, out.isTTY, (t) => process.stdout.write(t));
        s.ctx.listeners.push((e) => progress?.event(e));
      },
      onTick: (s) => progress?.tick(s),
    });
    (progress as Progress | null)?.finish();
    if (detached) out.note(`drover: ${new Date().toISOString()} detached Drover pid ${process.pid} ending`);
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

/** Prints a dry run: per job its platform, host, runner, directives, submit command and script. */
export function printDryRun(r: DryRunResult, out: Out): void {
  out.print(`dry run of ${printable(r.jobSet)} as run ${r.runName}: nothing is submitted`);
  out.print(`(a run uses a fresh random token where ${"DRYRUN..."} stands)`);
  for (const j of r.jobs) {
    const others = j.hosts.length > 1 ? ` (of ${j.hosts.map(printable).join(", ")})` : "";
    out.print("");
    out.print(
      `job ${j.name}: platform ${j.platform}, host ${printable(j.host)}${others}, runner ${j.runner}`,
    );
    out.print(j.directives.length ? "  directives:" : "  directives: none");
    for (const d of j.directives) out.print(`    ${printable(d)}`);
    out.print(`  submit: ${printable(j.submit)}`);
    out.print(`  script ${printable(j.scriptPath)}:`);
    for (const line of j.script.replace(/\n$/, "").split("\n")) out.print(`    ${printable(line)}`);
  }
}
