/**
 * The text handed to `at` for one job: what atd's shell (/bin/sh, in the environment at saved)
 * runs. It first appends `DROVER_JOB_PROCESS=<pid>|<start>|<boot>` to the job's status file (its
 * own PID, which `exec` keeps, with the start time and boot id that guard later polls and kills
 * against PID reuse), then execs `timeout`, which makes itself a process group leader (so a group
 * kill reaches the whole job) and sends XCPU at the time limit like the background runner (`0s`: no
 * limit). Output goes to the job's files, so at mails nothing. The token line lets `at -c` find the
 * job after a lost submit reply.
 */
import { shellPath } from "../../script/shell-quote.js";
import type { HostPath } from "../../remote/batch-types.js";
import type { SubmitTarget } from "../runner.js";

/** The status-file key the launcher writes; the manager copies it into runnerData (pid, start, boot). */
export const PROCESS_KEY = "DROVER_JOB_PROCESS";

/** The comment line that carries the token (matched whole by the lookup). */
export function tokenLine(token: string): string {
  return `# drover-token=${token}`;
}

/** The job's status file: `job.status` beside the job script (DESIGN.md, Job directory). */
export function statusPathOf(scriptPath: HostPath): HostPath {
  const cut = scriptPath.lastIndexOf("/");
  if (cut <= 0)
    throw new RangeError(`at: job script path without a directory: ${JSON.stringify(scriptPath)}`);
  return `${scriptPath.slice(0, cut)}/job.status`;
}

/** The launcher text for one job (POSIX sh; paths quoted, `~/` expanded by the job's shell). */
export function atLauncher(job: SubmitTarget, graceS: number): string {
  const limit = job.timeLimitS ?? 0;
  if (!(Number.isSafeInteger(limit) && limit >= 0))
    throw new RangeError(`at: bad time limit ${job.timeLimitS}`);
  return [
    tokenLine(job.token),
    "set -f",
    `drover_s=${shellPath(statusPathOf(job.scriptPath))}`,
    "drover_l=; { read -r drover_l </proc/$$/stat; } 2>/dev/null",
    "drover_b=; { read -r drover_b </proc/sys/kernel/random/boot_id; } 2>/dev/null",
    // Fields after "pid (comm) " start at field 3, so field 22 (start time) is the 20th.
    'set -- ${drover_l##*") "}',
    `printf '${PROCESS_KEY}=%s|%s|%s\\n' "$$" "\${20-}" "$drover_b" >>"$drover_s"`,
    `exec timeout -k ${graceS}s --signal=XCPU ${limit}s bash ${shellPath(job.scriptPath)} </dev/null >${shellPath(job.stdout)} 2>${shellPath(job.stderr)}`,
  ].join("\n");
}

/** The process a launcher recorded: what at's poll and kill guard against PID reuse. */
export interface LaunchedProcess {
  pid: string;
  start: string;
  boot: string;
}

const PROCESS_LINE = /^DROVER_JOB_PROCESS=([1-9][0-9]{0,9})\|([0-9]{1,20})\|([0-9a-fA-F-]{8,64})$/;

/**
 * The last complete `DROVER_JOB_PROCESS=<pid>|<start>|<boot>` line of a status file's text, or null.
 * A torn or foreign line is skipped: only a whole, well-formed record may guard a kill.
 */
export function launchedProcess(statusText: string): LaunchedProcess | null {
  const lines = statusText.split("\n");
  // The last piece is complete only when the text ends with a newline (it is then "").
  lines.pop();
  let found: LaunchedProcess | null = null;
  for (const line of lines) {
    const m = PROCESS_LINE.exec(line);
    if (m) found = { pid: m[1] as string, start: m[2] as string, boot: m[3] as string };
  }
  return found;
}
