/**
 * The at runner: `at -M now` reads the launcher (launcher.ts) and prints `job N at ...` on stderr.
 * atq lists a job while it waits and, with queue `=`, while atd runs it; once the launcher has
 * recorded its process (runnerData pid, start, boot), a live matching process also counts as
 * listed, and kills are guarded group kills. Without a recorded process, a waiting job is removed
 * with `atrm`, and a running one is refused rather than left running untracked (atrm only deletes
 * the spool file of a running job). at keeps no exit status: the verdict rests on the status file.
 */
import { ConfigError } from "../../errors.js";
import type { QueueAnswer } from "../../job/verdict-input.js";
import type {
  CommandSpec,
  JobRef,
  KillAction,
  ParsedLookup,
  ParsedPoll,
  ParsedSubmit,
  QueryReply,
  Runner,
  SubmitReply,
} from "../runner.js";
import { matchesRecord, parseProcLines } from "../background/proc-stat.js";
import { clip, queryLines, shQuery } from "../common/query-output.js";
import { atLauncher, tokenLine } from "./launcher.js";
import { parseAtq } from "./parse-atq.js";
import { AT_ID } from "./states.js";
import { atLookupsQuery, parseAtLookups } from "./at-lookups.js";

/** Options of the at runner. */
export interface AtOptions {
  /** Seconds `timeout` waits after XCPU before KILL (default 30, as background). */
  limitGraceS?: number;
}

/** Prints `<pid> <state> <start>` from /proc/<pid>/stat, `<pid> - -` when absent (POSIX sh). */
const PROC_FN = `pf() { l=; { read -r l <"/proc/$1/stat"; } 2>/dev/null
if [ -z "$l" ]; then echo "$1 - -"; return 0; fi
set -- "$1" \${l##*") "}; echo "$1 $2 \${21}"; }`;

const TOKEN = /^[A-Za-z0-9_-]{6,128}$/;

/** The recorded process of a job, when the launcher's line reached runnerData. */
function guardOf(j: JobRef): { pid: string; start: string; boot: string } | null {
  const { pid, start, boot } = j.runnerData;
  return pid && /^[1-9][0-9]{0,9}$/.test(pid) && start && boot ? { pid, start, boot } : null;
}

/** Builds the at runner. */
export function createAtRunner(opts: AtOptions = {}): Runner {
  const grace = opts.limitGraceS ?? 30;
  if (!(Number.isSafeInteger(grace) && grace >= 1 && grace <= 3600))
    throw new ConfigError("at: limitGraceS must be an integer from 1 to 3600");
  return {
    name: "at",
    tools: {
      submit: ["at", "timeout"],
      poll: ["atq"],
      kill: ["atq", "atrm"],
      lookup: ["atq", "at", "grep", "awk"],
    },
    capabilities: { hostBound: true, killsGroup: true, clusters: false, accounting: false, jobNames: false },
    directives: () => [],
    submitCommand: (job): CommandSpec => {
      if (!TOKEN.test(job.token)) throw new RangeError(`at: bad token ${JSON.stringify(job.token)}`);
      // From "/" so the job never starts in a directory that may be gone (at saves the cwd). The
      // submit program passes one word per line, so the script and each launcher line are words of
      // their own and printf joins them back (at prints the job number on stderr: merged here).
      const lines = atLauncher(job, grace).split("\n");
      return {
        argv: ["sh", "-c", `exec 2>&1; cd / || exit; printf '%s\\n' "$@" | at -M now`, "drover-at", ...lines],
        stdin: "/dev/null",
        idPattern: "job ([0-9]+) at ",
      };
    },
    parseSubmit: (r: SubmitReply): ParsedSubmit => {
      if (r.rc !== 0 || !AT_ID.test(r.id))
        return {
          jobId: null,
          runnerData: {},
          error: `at failed (rc=${r.rc}): ${r.output.trim().slice(0, 2000)}`,
        };
      return { jobId: r.id, runnerData: { boot: r.boot }, error: null };
    },
    pollQuery: (jobs) => {
      const pids = [...new Set(jobs.flatMap((j) => guardOf(j)?.pid ?? []))];
      return {
        kind: "command",
        spec: shQuery(`${PROC_FN}\natq || exit\necho '@@proc'\nfor p; do pf "$p"; done`, pids),
      };
    },
    parsePoll: (r: QueryReply, jobs: readonly JobRef[]): ParsedPoll => {
      const out = queryLines(r, "atq");
      if ("error" in out) return { ok: false, error: out.error };
      const cut = out.lines.indexOf("@@proc");
      if (cut < 0) return { ok: false, error: `atq: no process section: ${clip(r.text)}` };
      const queue = parseAtq(out.lines.slice(0, cut));
      if ("error" in queue) return { ok: false, error: queue.error };
      const procs = parseProcLines(out.lines.slice(cut + 1).join("\n"));
      if ("error" in procs) return { ok: false, error: procs.error };
      const answers = new Map<string, QueueAnswer>();
      for (const j of jobs) {
        const q = AT_ID.test(j.jobId) ? queue.get(j.jobId) : undefined;
        const g = guardOf(j);
        if (g !== null && !procs.has(g.pid)) return { ok: false, error: `no /proc answer for PID ${g.pid}` };
        // Once the launcher recorded its process, that process decides (a stale `=` after a
        // reboot or an ended job not yet cleared by atd is not a live job); before, atq does.
        const live = g !== null && matchesRecord(procs.get(g.pid), g, r.boot);
        if (g !== null)
          answers.set(j.key, live ? { kind: "listed", runnerState: "running" } : { kind: "unlisted" });
        else
          answers.set(
            j.key,
            q === undefined ? { kind: "unlisted" } : { kind: "listed", runnerState: q.state },
          );
      }
      return { ok: true, answers };
    },
    killAction: (j): KillAction => {
      const g = guardOf(j);
      if (g !== null) return { kind: "group", guard: g };
      if (!AT_ID.test(j.jobId))
        return { kind: "refuse", reason: `not an at job number: ${JSON.stringify(j.jobId)}` };
      // atrm only deletes a running job's spool file: refuse then, the process would run on untracked.
      const body = `if atq | awk -v n="$1" '$1 == n && $(NF - 1) == "=" { f = 1 } END { exit !f }'; then
echo "at job $1 is running and no process was recorded: not removed"; exit 3; fi
atrm "$1"`;
      return { kind: "command", spec: shQuery(body, [j.jobId]) };
    },
    lookupQuery: (job) => {
      if (job.token === undefined || !TOKEN.test(job.token)) return null;
      const body = `echo "@@lookup $1"
l=$(atq) || exit
for n in $(printf '%s\\n' "$l" | awk '{ print $1 }'); do
  if at -c "$n" 2>/dev/null | grep -q -F -x -e "$2"; then echo "@@found $n"; fi
done`;
      return { kind: "command", spec: shQuery(body, [job.token, tokenLine(job.token)]) };
    },
    parseLookup: (r) => parseAtLookup(r),
    lookupsQuery: (jobs) => atLookupsQuery(jobs),
    parseLookups: (r, jobs) => parseAtLookups(r, jobs),
  };
}

/** Reads a lookup reply: the first at job whose text holds the token line. */
export function parseAtLookup(r: QueryReply): ParsedLookup {
  const out = queryLines(r, "at lookup");
  if ("error" in out) return { ok: false, error: out.error };
  if (!/^@@lookup [A-Za-z0-9_-]+$/.test(out.lines[0] ?? ""))
    return { ok: false, error: `at lookup: unexpected reply ${clip(r.text)}` };
  for (const line of out.lines.slice(1)) {
    const m = /^@@found ([0-9]+)$/.exec(line);
    if (!m || !AT_ID.test(m[1] as string))
      return { ok: false, error: `at lookup: unexpected line ${clip(line)}` };
    return { ok: true, answer: { kind: "found", jobId: m[1] as string }, runnerData: {} };
  }
  return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
}
