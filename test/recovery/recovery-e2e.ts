/**
 * Helpers of the recovery suites (test/recovery/): the real `drover` CLI hidden from the job home
 * (test/remote-e2e/e2e.ts) drives background, Slurm and at jobs on the SSH test host
 * `drover-test-a`; the test, root outside, kills Drover, acts on the jobs' processes and reads the
 * hosts' files to assert. Jobs count their own runs (`RECORD`), so "exactly once" is counted there.
 */
import fs from "node:fs";
import path from "node:path";
import { RUNNER_HOST, runnerPlatform, type JobDef } from "../runners-e2e/runner-e2e.js";
import type { E2e, Live } from "../remote-e2e/e2e.js";

export { RUNNER_HOST, type JobDef };

/** The platforms of these suites on host a: background, Slurm (cluster drvslurm) and at. */
export const PLATFORMS = { bg: "background", sl: "slurm", at: "at" } as const;

/** YAML lines of the three platforms sharing run root `root`; `over` adds keys to every one. */
export function recoveryPlatforms(e: E2e, root: string, over: Record<string, string> = {}): string[] {
  return [
    "platforms:",
    ...Object.entries(PLATFORMS).flatMap(([name, runner]) => runnerPlatform(e, name, runner, root, over)),
  ];
}

/** A shell line that waits (up to ten minutes) for the test to create `share/go` on the host. */
export const WAIT_GO =
  'i=0; while [ ! -e "$DROVER_SHARE_DIR/go" ] && [ "$i" -lt 1200 ]; do sleep 0.5; i=$((i+1)); done';

/** The text of a file on the host, or "" when it is not there. */
export function readHost(p: string): string {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

/** The PID of the last INIT line of a job.status text (the wrapper), or null. */
export function initPid(statusText: string): number | null {
  const m = [...statusText.matchAll(/^DROVER_JOB_INIT=[^|\n]*\|[0-9]+\|([0-9]+)\|/gm)].at(-1);
  return m ? Number(m[1]) : null;
}

/** The process group of a live PID (field 5 of /proc/PID/stat), or null when it is gone. */
export function pgidOf(pid: number): number | null {
  const stat = readHost(`/proc/${pid}/stat`);
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const pgid = Number(rest[2]);
  return Number.isInteger(pgid) && pgid > 1 ? pgid : null;
}

/**
 * Sends `signal` to the process group of the wrapper named in `statusFile` (as root); returns the
 * group. Throws when the file names no live wrapper: the test's premise would be false.
 */
export function signalJobGroup(statusFile: string, signal: NodeJS.Signals): number {
  const pid = initPid(readHost(statusFile));
  if (pid === null) throw new Error(`no INIT line in ${statusFile}:\n${readHost(statusFile)}`);
  const pgid = pgidOf(pid);
  if (pgid === null) throw new Error(`wrapper ${pid} of ${statusFile} is gone`);
  process.kill(-pgid, signal);
  return pgid;
}

/** True while a process group has a member. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs a live Drover (no drain, no cleanup: its ssh children are orphaned) and waits for it. */
export async function killDrover(live: Live): Promise<void> {
  live.child.kill("SIGKILL");
  await live.exited;
}

/** `drover status RUN JOB --why` (reads the store only, so it needs no namespace). */
export function whyOf(e: E2e, run: string, job: string): string {
  const r = e.sb.drover(["status", run, job, "--why"], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`status ${run} ${job} --why failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The `evidence:` lines of a `--why` text (the final verdict's evidence). */
export function evidenceLines(why: string): string[] {
  return why
    .split("\n")
    .filter((l) => l.startsWith("  evidence: "))
    .map((l) => l.slice("  evidence: ".length));
}

/**
 * A login-shell tag for a platform's `shell: [bash, -l, -s, TAG]`: login shells given it run
 * `lines` from the job user's profile. `cleanups` gets the exact undo (and the farm's removal).
 * With `tools` (name -> bash body), a directory of wrappers standing in for those commands is put
 * first on PATH; each calls the real command by its full path.
 */
export function taggedLogin(
  e: E2e,
  cleanups: (() => void)[],
  lines: string[],
  tools: Record<string, string> = {},
): string {
  const farm = fs.mkdtempSync("/tmp/drv-rec-path-");
  fs.chmodSync(farm, 0o755);
  for (const [name, body] of Object.entries(tools))
    fs.writeFileSync(path.join(farm, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  const tag = path.basename(farm).replace(/[^A-Za-z0-9]/g, "");
  const undo = e.profileBlock(tag, [
    ...(Object.keys(tools).length > 0 ? [`PATH=${farm}:$PATH`] : []),
    ...lines,
  ]);
  cleanups.push(() => {
    undo();
    fs.rmSync(farm, { recursive: true, force: true });
  });
  return tag;
}
