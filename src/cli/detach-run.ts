/**
 * `drover run FILE --detach`: this process checks the job set and opens (or creates) the run, so
 * every mistake reaches the terminal as in a foreground run; then it hands the run to a Drover in
 * its own session whose output goes to `<run>/log/drover.log`, and returns once that Drover holds
 * the run's contact file.
 */
import { spawn } from "node:child_process";
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { OpenMode } from "../manager/open-run.js";
import { openJobSetRun } from "../manager/run-job-set.js";
import { isContactLive, readContact, releaseContact } from "../manager/contact-file.js";
import { droverHome, runPaths } from "../manager/run-paths.js";
import type { Out } from "./out.js";

/** How long the detached Drover gets to take the run before this command gives up waiting. */
export const DETACH_START_TIMEOUT_MS = 60_000;

/** The hidden flag that makes `drover run` the detached Drover itself. */
export const DETACHED_CHILD_FLAG = "--detached-child";

/** With it: this command created the run, so the detached Drover says "started", not "resumed". */
export const DETACHED_NEW_FLAG = "--detached-new";

export interface DetachOptions {
  name?: string;
  mode: OpenMode;
}

/** Opens the run here, then starts its detached Drover; resolves the exit code. */
export async function detachRun(file: string, o: DetachOptions, out: Out): Promise<number> {
  // Creating, renaming (--new) and reloading happen here, with their errors on this terminal.
  const { path, name, run } = await openJobSetRun(file, {
    name: o.name,
    home: droverHome(),
    mode: o.mode,
    command: (p, n) => `drover run ${p} --name ${n} --detach (starting)`,
    say: (m) => out.note(`drover: ${m}`),
  });
  const paths = runPaths(run.runDir);
  let logFd: number;
  try {
    mkdirSync(paths.log, { recursive: true });
    logFd = openSync(paths.schedulerLog, "a", 0o644);
  } finally {
    run.db.close();
    // The detached Drover takes the run next; should another Drover win the gap, it says so.
    releaseContact(run.runDir, run.contact);
  }
  const logStart = fstatSync(logFd).size;
  const child = spawn(
    process.execPath,
    [
      ...loaderArgs(),
      detachedEntry(),
      "run",
      path,
      "--name",
      name,
      DETACHED_CHILD_FLAG,
      ...(run.created ? [DETACHED_NEW_FLAG] : []),
    ],
    { detached: true, stdio: ["ignore", logFd, logFd], cwd: process.cwd(), env: process.env },
  );
  closeSync(logFd);
  const started = await waitForContact(run.runDir, child);
  child.unref();
  if (started.kind === "exited") {
    const said = readLogFrom(paths.schedulerLog, logStart).trimEnd();
    if (said) out.note(said);
    out.note(
      `drover: the detached Drover of run ${name} ended at once (exit ${started.code}); log: ${paths.schedulerLog}`,
    );
    return started.code;
  }
  if (started.kind === "timeout") {
    out.note(
      `drover: the detached Drover (pid ${child.pid}) did not take run ${name} within ${DETACH_START_TIMEOUT_MS / 1000} s; ` +
        `see ${paths.schedulerLog}, 'drover status ${name}', or end it with 'kill ${child.pid}'`,
    );
    return 1;
  }
  out.print(`run ${name}: detached Drover pid ${child.pid}`);
  out.print(`log:    ${paths.schedulerLog}`);
  out.print(`follow: drover attach ${name}`);
  out.print(`stop:   drover stop ${name}   (--kill: kill its jobs first)`);
  return 0;
}

type Started = { kind: "live" } | { kind: "exited"; code: number } | { kind: "timeout" };

/** Waits until the child holds the contact file, exits, or the start timeout passes. */
function waitForContact(runDir: string, child: ReturnType<typeof spawn>): Promise<Started> {
  return new Promise((res) => {
    const deadline = Date.now() + DETACH_START_TIMEOUT_MS;
    let settled = false;
    const settle = (s: Started): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      res(s);
    };
    child.on("exit", (code, signal) => settle({ kind: "exited", code: code ?? (signal ? 1 : 70) }));
    child.on("error", () => settle({ kind: "exited", code: 70 }));
    const timer = setInterval(() => {
      const c = readContact(runDir);
      if (c && c.pid === child.pid && isContactLive(c) === true) settle({ kind: "live" });
      else if (Date.now() > deadline) settle({ kind: "timeout" });
    }, 50);
  });
}

/** What the child wrote to the log since `from` (at most the last 64 KiB). */
function readLogFrom(path: string, from: number): string {
  try {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(from, size - 65536);
      const buf = Buffer.alloc(Math.max(0, size - start));
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}

/** The module the detached process starts: beside this one, with this module's extension. */
function detachedEntry(): string {
  const self = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./detached-main${extname(self)}`, import.meta.url));
}

/** Loader options of this process (tsx in development), which the child needs to load TS. */
function loaderArgs(): string[] {
  const keep: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const arg = a[i] as string;
    if (/^--(import|loader|experimental-loader|require)=/.test(arg)) keep.push(arg);
    else if (/^(--import|--loader|--experimental-loader|--require|-r)$/.test(arg) && i + 1 < a.length)
      keep.push(arg, a[++i] as string);
  }
  return keep;
}
