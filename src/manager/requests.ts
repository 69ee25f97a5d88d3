/** The live Drover's side of the requests table: apply each pending request and answer it. */
import { answerRequest, pendingRequests } from "../store/requests.js";
import { nowIso } from "./run-context.js";
import { requestKill, triggerJobs, type ActionAnswer } from "./actions.js";
import type { Scheduler } from "./scheduler.js";
import { readContact } from "./contact-file.js";

/** Applies every pending request of the run. */
export async function applyRequests(s: Scheduler): Promise<void> {
  const ctx = s.ctx;
  for (const req of pendingRequests(ctx.db)) {
    let answer: ActionAnswer;
    try {
      const args = JSON.parse(req.args) as { jobs?: string[] };
      const jobs = Array.isArray(args.jobs)
        ? args.jobs.filter((j): j is string => typeof j === "string")
        : [];
      switch (req.command) {
        case "kill":
          answer = requestKill(ctx, jobs);
          break;
        case "trigger":
          answer = triggerJobs(ctx, jobs);
          break;
        case "poll":
          answer = { ok: true, lines: [`polling ${s.pollEveryLiveJobNow("poll requested")} live jobs`] };
          break;
        case "stop":
          answer = stopAnswer(s, req.time);
          break;
        default:
          answer = { ok: false, lines: [`unknown request "${req.command}"`] };
      }
    } catch (err) {
      answer = { ok: false, lines: [`request failed: ${(err as Error).message}`] };
    }
    answerRequest(ctx.db, req.id, answer.ok, answer.lines.join("\n"), nowIso(ctx));
  }
}

/**
 * Stops the Drover, unless the request is older than this Drover: a stop left unanswered by an
 * earlier one (it ended first) must not end the next run at its start.
 */
function stopAnswer(s: Scheduler, requestTime: string): ActionAnswer {
  const me = readContact(s.ctx.runDir);
  if (me && me.pid === process.pid && requestTime < me.startedAt)
    return { ok: false, lines: [`ignored a stop asked at ${requestTime}, before this Drover started`] };
  s.stop();
  return {
    ok: true,
    lines: [`Drover pid ${process.pid} stopping after the batches in flight: jobs keep running`],
  };
}
