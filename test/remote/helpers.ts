/**
 * Test helpers for batch tests: temp run directories, tiny fixture job scripts (the real job
 * script generator lives elsewhere; batch code treats scripts as opaque text), /proc reads, waits.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SubmitJob } from "../../src/remote/batch-types.js";

/** A fresh run directory (the name holds a space and quotes on purpose); remove with `rmRun`. */
export function tempRun(name = "run dir 'q\" $x"): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "drover-remote-"));
  const dir = path.join(base, name);
  fs.mkdirSync(dir);
  return dir;
}

/** Removes a run directory made by `tempRun`. */
export function rmRun(dir: string): void {
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

/**
 * A fixture job script: appends INIT to its own job.status, runs `body`, appends EXIT. TERM and
 * XCPU are trapped and reported like the real wrapper does.
 */
export function fixtureScript(body = ":"): string {
  return `ulimit -c 0
S="\${0%/*}/job.status"
now() { TZ=UTC0 printf -v T '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }
now; printf 'DROVER_JOB_INIT=%s|1|%s|%s\\n' "$T" "$$" "$$" >>"$S"
trap 'now; printf "DROVER_JOB_EXIT=%s|XCPU|152\\n" "$T" >>"$S"; exit 152' XCPU
trap 'now; printf "DROVER_JOB_EXIT=%s|TERM|143\\n" "$T" >>"$S"; exit 143' TERM
${body}
now; printf 'DROVER_JOB_EXIT=%s|SUCCEEDED|0\\n' "$T" >>"$S"
`;
}

/** A submit job for `key` with a fixture script. */
export function fixtureJob(key: string, body = ":", timeLimitS: number | null = null): SubmitJob {
  return {
    key,
    logDir: `log/job/${key}`,
    script: fixtureScript(body),
    token: `tok-${key.length}-x`,
    timeLimitS,
  };
}

/** State letter and start time of a process, or null when it does not exist. */
export function procStat(pid: string | number): { state: string; start: string; pgid: string } | null {
  try {
    const line = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = line.slice(line.lastIndexOf(") ") + 2).split(" ");
    return { state: f[0] ?? "", pgid: f[2] ?? "", start: f[19] ?? "" };
  } catch {
    return null;
  }
}

/** True when the process exists and is not a zombie. */
export function isLive(pid: string | number): boolean {
  const s = procStat(pid);
  return s !== null && s.state !== "Z" && s.state !== "X";
}

/** This host's boot id. */
export function bootId(): string {
  return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

/** Waits until `check` is true (polling every 50 ms) or throws after `ms`. */
export async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads a file or returns null. */
export function readOrNull(p: string): string | null {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return null;
  }
}
