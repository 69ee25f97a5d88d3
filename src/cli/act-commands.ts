/** `drover kill RUN JOB...`, `drover trigger RUN JOB...`, `drover poll RUN`. */
import { requestKill, triggerJobs } from "../manager/actions.js";
import { parseArgs, expectPositional } from "./args.js";
import { actOnRun } from "./run-access.js";
import type { Out } from "./out.js";

export async function killCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, {}, "kill");
  expectPositional(a, 2, Infinity, "drover kill RUN JOB...");
  const [run, ...jobs] = a.positional as [string, ...string[]];
  const r = await actOnRun(
    run,
    "kill",
    { jobs },
    async (s) => {
      const ans = requestKill(s.ctx, jobs);
      await s.killRound();
      // No live Drover will poll: look once, after a moment, so the kill shows in the status.
      await new Promise((r) => setTimeout(r, 1500));
      s.pollEveryLiveJobNow("after kill");
      await s.pollRound();
      return { ok: ans.ok, text: ans.lines.join("\n") };
    },
    out.note,
  );
  out.print(r.text);
  return r.ok ? 0 : 1;
}

export async function triggerCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, {}, "trigger");
  expectPositional(a, 2, Infinity, "drover trigger RUN JOB...");
  const [run, ...jobs] = a.positional as [string, ...string[]];
  const r = await actOnRun(
    run,
    "trigger",
    { jobs },
    async (s) => {
      const ans = triggerJobs(s.ctx, jobs);
      await s.submitRound(new Set(jobs));
      const text =
        ans.lines.join("\n") +
        "\nno Drover is live for this run: run it again to follow these jobs to the end";
      return { ok: ans.ok, text };
    },
    out.note,
  );
  out.print(r.text);
  return r.ok ? 0 : 1;
}

export async function pollCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, {}, "poll");
  expectPositional(a, 1, 1, "drover poll RUN");
  const run = a.positional[0] as string;
  const r = await actOnRun(
    run,
    "poll",
    {},
    async (s) => {
      const n = s.pollEveryLiveJobNow("poll requested");
      await s.pollRound();
      return { ok: true, text: `polled ${n} live jobs` };
    },
    out.note,
  );
  out.print(r.text);
  return r.ok ? 0 : 1;
}
