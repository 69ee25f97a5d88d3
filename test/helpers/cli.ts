/** Runs the real `drover` command (the built CLI) in a child process with its own DROVER_HOME. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DROVER = join(ROOT, "bin", "drover.js");

export interface Sandbox {
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  write(rel: string, text: string, mode?: number): string;
  drover(
    args: string[],
    opts?: { timeoutMs?: number },
  ): { code: number | null; stdout: string; stderr: string };
  spawnDrover(args: string[]): ChildProcess;
  cleanup(): void;
}

/** A temp directory for job sets and a DROVER_HOME inside it. */
export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "drover-test-"));
  const home = join(dir, "runs");
  const env = { ...process.env, DROVER_HOME: home };
  return {
    dir,
    home,
    env,
    write(rel, text, mode) {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text, { mode: mode ?? 0o644 });
      return p;
    },
    drover(args, opts = {}) {
      const r = spawnSync(process.execPath, [DROVER, ...args], {
        env,
        encoding: "utf8",
        timeout: opts.timeoutMs ?? 120_000,
        cwd: dir,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    spawnDrover(args) {
      return spawn(process.execPath, [DROVER, ...args], { env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    },
    cleanup() {
      // Jobs of a test may still be ending: kill what is left of them by their run directory.
      spawnSync("pkill", ["-KILL", "-f", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `drover status RUN --json` jobs keyed by name. */
export function statusJson(sb: Sandbox, run: string): Map<string, Record<string, unknown>> {
  const r = sb.drover(["status", run, "--json"]);
  if (r.code !== 0) throw new Error(`status failed: ${r.stderr}`);
  const obj = JSON.parse(r.stdout) as { run: string; jobs: Record<string, unknown>[] };
  return new Map(obj.jobs.map((j) => [j.name as string, j]));
}
