/** Where runs live: `$DROVER_HOME` (default `~/drover-run`), one directory per run. */
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { isValidName, UsageError } from "../errors.js";

/** The directory holding all runs. */
export function droverHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.DROVER_HOME;
  return h && h.length > 0 ? resolve(h) : join(homedir(), "drover-run");
}

/** Checks a run name against the job-name pattern (no `/`, no `..`). */
export function checkRunName(name: string): string {
  if (!isValidName(name)) {
    throw new UsageError(
      `bad run name "${name}": use letters, digits and _ . + - (not starting with . + -, no '/', no '..')`,
    );
  }
  return name;
}

/** The default run name of a job set file: its base name without .yaml/.yml. */
export function defaultRunName(jobSetPath: string): string {
  const base = basename(jobSetPath).replace(/\.ya?ml$/i, "");
  if (!isValidName(base)) {
    throw new UsageError(
      `the file name "${basename(jobSetPath)}" does not make a valid run name: give one with --name`,
    );
  }
  return base;
}

/** Paths inside one run directory. */
export function runPaths(runDir: string) {
  return {
    runDir,
    store: join(runDir, "store.db"),
    log: join(runDir, "log"),
    schedulerLog: join(runDir, "log", "drover.log"),
    jobLogDir: (name: string, submitNum: number) => join(runDir, jobLogRel(name, submitNum)),
  };
}

/** `log/job/<name>/<NN>`: a submission's log directory relative to the run directory. */
export function jobLogRel(name: string, submitNum: number): string {
  return `log/job/${name}/${String(submitNum).padStart(2, "0")}`;
}
