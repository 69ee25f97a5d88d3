/**
 * `drover stop RUN [--kill]`: end the run's live Drover (after its batches in flight) and leave the
 * jobs running; with `--kill`, first kill every job not final and wait until each kill is sent (or
 * the job ended). Without a live Drover, `stop` has nothing to do and `stop --kill` kills directly.
 */
import type { Contact } from "../manager/contact-file.js";
import { requestKill } from "../manager/actions.js";
import type { Scheduler } from "../manager/scheduler.js";
import { FINAL_STATES } from "../job/model.js";
import { latestJobRows } from "../store/job-rows.js";
import { parseArgs, expectPositional } from "./args.js";
import { actOnRun, findRun, readRun, type ActResult } from "./run-access.js";
import { askDrover, currentDrover, sleep, waitForEnd } from "./live-drover.js";
import { resumeCommand, runOutcome } from "./run-outcome.js";
import { printable } from "./format-table.js";
import type { Out } from "./out.js";

/** How long the live Drover gets to answer a request (it answers between rounds). */
export const STOP_ANSWER_TIMEOUT_MS = 120_000;
/** How long a stopping Drover gets to end: its batches in flight drain for up to 30 s. */
export const STOP_END_TIMEOUT_MS = 60_000;
/** How long the kills get to be sent, then to be confirmed by a poll, before the stop goes on. */
export const KILL_SEND_TIMEOUT_MS = 60_000;
export const KILL_CONFIRM_TIMEOUT_MS = 15_000;

/** `drover stop RUN [--kill]`; resolves the exit code. */
export async function stopCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, { booleans: ["--kill"] }, "stop");
  expectPositional(a, 1, 1, "drover stop RUN [--kill]");
  const name = a.positional[0] as string;
  const runDir = findRun(name);
  let ok = true;
  const before = currentDrover(runDir);
  if (a.flags.has("--kill")) ok = await killAll(name, runDir, out);
  const d = currentDrover(runDir);
  if (!d) {
    // With every job killed, a live Drover finishes the run by itself.
    out.print(
      before
        ? `run ${name}: Drover pid ${before.pid} has ended: ${endState(name)}`
        : `run ${name} has no live Drover: nothing to stop${a.flags.has("--kill") ? " (the kills were made directly)" : ""}`,
    );
    return ok ? 0 : 1;
  }
  const ans = await askDrover(runDir, d, "stop", {}, STOP_ANSWER_TIMEOUT_MS);
  if (ans.kind === "timeout") {
    out.note(
      `drover: the Drover of run ${name} (pid ${d.pid}) did not answer within ${STOP_ANSWER_TIMEOUT_MS / 1000} s; ` +
        `the stop stays queued (or send it SIGTERM: kill ${d.pid})`,
    );
    return 1;
  }
  printLines(out, ans.kind === "answered" ? ans.text : `Drover pid ${d.pid} ended before it answered`);
  if (ans.kind === "answered" && !ans.ok) return 1;
  if (!(await waitForEnd(runDir, d, STOP_END_TIMEOUT_MS))) {
    out.note(
      `drover: the Drover of run ${name} (pid ${d.pid}) is still running ${STOP_END_TIMEOUT_MS / 1000} s after the stop; ` +
        `it ends once its batches in flight return`,
    );
    return 1;
  }
  out.print(`run ${name}: Drover pid ${d.pid} has ended: ${endState(name)}`);
  return ok ? 0 : 1;
}

/** How a run whose Drover ended stands: every job final, or how many left running. */
function endState(name: string): string {
  const db = readRun(name);
  try {
    const o = runOutcome(db);
    return o.done
      ? "every job is final"
      : `${o.live} jobs left running, ${o.open - o.live} waiting. Resume with: ${resumeCommand(name, o.path)}`;
  } finally {
    db.close();
  }
}

/** Prints a multi-line answer, each line made safe for a terminal. */
function printLines(out: Out, text: string): void {
  for (const line of text.split("\n")) if (line !== "") out.print(printable(line));
}

/** The jobs of the run whose latest submission is not final. */
function openJobs(name: string): string[] {
  const db = readRun(name);
  try {
    return latestJobRows(db)
      .filter((r) => !FINAL_STATES.has(r.state))
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

/** Kills every job not final, through the live Drover or directly; true when all went well. */
async function killAll(name: string, runDir: string, out: Out): Promise<boolean> {
  const jobs = openJobs(name);
  if (jobs.length === 0) {
    out.print(`run ${name}: every job is final: nothing to kill`);
    return true;
  }
  const d = currentDrover(runDir);
  if (d) {
    const ans = await askDrover(runDir, d, "kill", { jobs }, STOP_ANSWER_TIMEOUT_MS);
    if (ans.kind === "answered") {
      printLines(out, ans.text);
      return (await waitForKills(name, runDir, d, jobs, out)) && ans.ok;
    }
    if (ans.kind === "timeout") {
      out.note(`drover: the Drover of run ${name} (pid ${d.pid}) did not answer the kill; it stays queued`);
      return false;
    }
    // It ended before answering: kill directly below.
  }
  const r = await actOnRun(name, "kill", { jobs }, (s) => killDirectly(s, jobs), out.note);
  printLines(out, r.text);
  return r.ok;
}

/** Without a live Drover: ask the kills, send them, and poll until they show (bounded). */
async function killDirectly(s: Scheduler, jobs: string[]): Promise<ActResult> {
  const ans = requestKill(s.ctx, jobs);
  const wanted = new Set(jobs);
  const deadline = Date.now() + KILL_CONFIRM_TIMEOUT_MS;
  const pending = () => latestJobRows(s.ctx.db).some((r) => wanted.has(r.name) && !FINAL_STATES.has(r.state));
  do {
    await s.killRound();
    // The verdict (killed) comes from the status file and the runner: look after a moment.
    await sleep(1000);
    s.pollEveryLiveJobNow("after kill");
    await s.pollRound();
  } while (pending() && Date.now() < deadline);
  return { ok: ans.ok, text: ans.lines.join("\n") };
}

/** Waits until each job is final or its kill was sent, then (briefly) until they are final. */
async function waitForKills(
  name: string,
  runDir: string,
  d: Contact,
  jobs: string[],
  out: Out,
): Promise<boolean> {
  const wanted = new Set(jobs);
  const look = () => {
    const db = readRun(name);
    try {
      const rows = latestJobRows(db).filter((r) => wanted.has(r.name));
      return {
        notFinal: rows.filter((r) => !FINAL_STATES.has(r.state)).length,
        unsent: rows.filter((r) => !FINAL_STATES.has(r.state) && r.kill_sent_at === null).map((r) => r.name),
      };
    } finally {
      db.close();
    }
  };
  const live = () => currentDrover(runDir)?.pid === d.pid;
  let deadline = Date.now() + KILL_SEND_TIMEOUT_MS;
  while (look().unsent.length > 0 && live() && Date.now() < deadline) await sleep(200);
  deadline = Date.now() + KILL_CONFIRM_TIMEOUT_MS;
  while (look().notFinal > 0 && live() && Date.now() < deadline) await sleep(200);
  const last = look();
  if (last.unsent.length > 0) {
    out.note(
      `drover: kill not sent yet for ${last.unsent.join(", ")} (job ID not known yet); it is kept and sent when the run resumes`,
    );
    return false;
  }
  if (last.notFinal > 0)
    out.print(
      `run ${name}: ${last.notFinal} kills sent, not yet confirmed by a poll (the next 'drover run' confirms them)`,
    );
  return true;
}
