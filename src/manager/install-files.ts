/** Installs a job set's `bin/`, `lib/` and `etc/` into the run (again at every start). */
import { cpSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const INSTALLED_DIRS = ["bin", "lib", "etc"] as const;

/** Copies each folder that exists beside the job set into the run directory; returns those copied. */
export function installRunFiles(jobSetDir: string, runDir: string): string[] {
  const done: string[] = [];
  for (const d of INSTALLED_DIRS) {
    const src = join(jobSetDir, d);
    if (!existsSync(src) || !statSync(src).isDirectory()) continue;
    mkdirSync(join(runDir, d), { recursive: true });
    cpSync(src, join(runDir, d), { recursive: true, force: true, preserveTimestamps: true });
    done.push(d);
  }
  return done;
}
