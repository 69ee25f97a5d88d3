/**
 * Test helper: writes a generated job script into a fresh temp run directory and runs it with the
 * real bash as its own process group, the way the background runner does.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateJobScript, type JobScriptOptions } from "../../src/script/job-script.js";
import { parseStatusFile } from "../../src/script/status-file.js";
import type { StatusFile } from "../../src/job/model.js";

export interface JobRun {
  /** The temp root (holds run/); removed by `cleanup`. */
  root: string;
  runDir: string;
  workDir: string;
  statusText: string;
  status: StatusFile;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From sending the signal (or from start when none is sent) to the process's exit. */
  elapsedMs: number;
  cleanup: () => void;
}

export interface RunOptions {
  /** Overrides for the generated script's options. */
  job?: Partial<JobScriptOptions>;
  /** Signal for the job's process group, sent once `<work>/started` exists. */
  signal?: NodeJS.Signals;
  /** Where the signal goes: the process group (default), the spawned process, or the wrapper's PID. */
  target?: "group" | "leader" | "wrapper";
  /** Command prefix before `bash job`, e.g. ["timeout", "-k", "2", "--signal=XCPU", "1"]. */
  prefix?: string[];
  /** Called with the run directory before the job starts. */
  setup?: (runDir: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForFile(file: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${file}`);
    await sleep(20);
  }
}

/** Runs `script` as job `a`, submission 01, in a temp run directory. */
export async function runJob(script: string, opts: RunOptions = {}): Promise<JobRun> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "drover-job-"));
  const runDir = path.join(root, "run");
  const logDir = "log/job/a/01";
  fs.mkdirSync(path.join(runDir, logDir), { recursive: true });
  const jobFile = path.join(runDir, logDir, "job");
  const o: JobScriptOptions = {
    runName: "r1",
    runDir,
    jobName: "a",
    submitNum: 1,
    tryNum: 1,
    logDir,
    script,
    env: {},
    envExpand: false,
    directives: [],
    ...opts.job,
  };
  fs.writeFileSync(jobFile, generateJobScript(o));
  opts.setup?.(runDir);
  const argv = [...(opts.prefix ?? []), "bash", jobFile];
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLURM_JOB_ID: "", PBS_JOBID: "", LSB_JOBID: "", JOB_ID: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (code, sig) => resolve([code, sig])),
  );
  let t0 = Date.now();
  if (opts.signal) {
    await waitForFile(path.join(runDir, "work/a/started"), 10_000);
    t0 = Date.now();
    const pid = child.pid as number;
    const target = opts.target ?? "group";
    process.kill(
      target === "group" ? -pid : target === "leader" ? pid : wrapperPid(runDir, logDir),
      opts.signal,
    );
  }
  const [code, signal] = await exited;
  const elapsedMs = Date.now() - t0;
  const statusText = fs.readFileSync(path.join(runDir, logDir, "job.status"), "utf8");
  return {
    root,
    runDir,
    workDir: path.join(runDir, "work/a"),
    statusText,
    status: parseStatusFile(statusText),
    code,
    signal,
    stdout,
    stderr,
    elapsedMs,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** The wrapper's PID, from the INIT line it wrote. */
function wrapperPid(runDir: string, logDir: string): number {
  const s = parseStatusFile(fs.readFileSync(path.join(runDir, logDir, "job.status"), "utf8"));
  const pid = s.inits[0]?.pid;
  if (pid === undefined) throw new Error("no INIT line yet");
  return pid;
}

/** True when `pid` no longer runs (gone, or a zombie nobody reaped). */
export function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
}

/** Waits up to `ms` for `pid` to be gone. */
export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!processGone(pid)) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}
