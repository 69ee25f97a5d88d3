/**
 * The steps of `drover check` on one host, each timed: the connection (the shared ssh master), the
 * check program (tools, versions, clock, run root, shared marker, login shell) and rsync (a
 * dry-run transfer over the same master, and this machine's rsync version).
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { Platform } from "../manager/platform.js";
import { checkHost } from "../remote/host-ops.js";
import { classifySshResult } from "../transport/ssh-errors.js";
import { rsyncPull } from "../transport/rsync.js";
import { runProcess } from "../transport/run-process.js";
import { parseRsyncVersion } from "../remote/check-program.js";
import type { CheckStep, HostFacts } from "./check-report.js";

/** What a host check needs besides the platform and host. */
export interface HostCheckInput {
  tools: string[];
  runnerKnown: boolean;
  /** The run root to check: the platform's, or this machine's DROVER_HOME for a run root of "". */
  runRoot: string;
  /** This machine's rsync version (looked up once per command). */
  localRsync: string | null;
}

/** How long the check program and the rsync probe may each take (a login, a few files). */
const PROGRAM_TIMEOUT_MS = 60_000;

/** Checks one host of `p`; never rejects for a host problem (they are in the facts). */
export async function checkPlatformHost(
  p: Platform,
  host: string,
  input: HostCheckInput,
): Promise<HostFacts> {
  const local = p.sshTransport === null;
  const facts: HostFacts = {
    platform: p.name,
    host,
    transport: local ? "local" : "ssh",
    runRoot: input.runRoot,
    tools: input.tools,
    runnerKnown: input.runnerKnown,
    runner: p.runner,
    steps: [],
    connectError: null,
    check: null,
    localRsync: input.localRsync,
    rsyncProbe: null,
    sharedBy: local && p.runRoot === "" ? "same-machine" : "marker",
  };
  const connect = await connectStep(p, host);
  facts.steps.push(connect.step);
  facts.connectError = connect.error;
  if (connect.error !== null) {
    facts.steps.push(skipped("program"), skipped("rsync"));
    return facts;
  }
  const ours = localRunRoot(input.runRoot);
  const placed = facts.sharedBy === "marker" ? placeMarker(ours) : null;
  const marker = placed !== null && typeof placed === "object" ? placed : null;
  if (placed === "missing") facts.sharedBy = "no-local-dir";
  if (placed === "unwritable") facts.sharedBy = "unwritable-here";
  try {
    const t0 = Date.now();
    const c = await checkHost(p.transport, {
      host,
      timeoutMs: PROGRAM_TIMEOUT_MS,
      runRoot: input.runRoot,
      tools: input.tools,
      marker: marker ? { name: marker.name } : undefined,
    });
    facts.check = c;
    const ok = c.started && c.completed && c.error === null;
    facts.steps.push({
      step: "program",
      ms: c.timings.totalMs || Date.now() - t0,
      ok,
      note: ok ? "check program ran" : "check program failed",
    });
  } finally {
    if (marker) rmSync(marker.path, { force: true });
  }
  // Missing here before the check but here now: the host's mkdir may have made it (one directory).
  if (facts.sharedBy === "no-local-dir" && isDir(ours)) facts.sharedBy = "appeared";
  const rsync = await rsyncStep(p, host, input.runRoot, facts.check?.completed === true);
  facts.steps.push(rsync.step);
  facts.rsyncProbe = rsync.probe;
  return facts;
}

function skipped(step: CheckStep["step"]): CheckStep {
  return { step, ms: 0, ok: false, note: "skipped: no connection" };
}

/** Opens (auto) or finds (manual) the host's ssh master; local platforms need no connection. */
async function connectStep(p: Platform, host: string): Promise<{ step: CheckStep; error: string | null }> {
  const ssh = p.sshTransport;
  if (!ssh)
    return { step: { step: "connect", ms: 0, ok: true, note: "local processes (no ssh)" }, error: null };
  const t0 = Date.now();
  const step = (ok: boolean, note: string): CheckStep => ({ step: "connect", ms: Date.now() - t0, ok, note });
  if (await ssh.checkMaster(host)) return { step: step(true, "master already up"), error: null };
  if (p.connect === "manual") {
    const error = `${host}: no master connection and the platform has connect: manual: run \`drover connect ${host}\` first`;
    return { step: step(false, "no master (manual)"), error };
  }
  const r = await ssh.openMaster(host, { interactive: false });
  if (r.exitCode === 0 && !r.timedOut) return { step: step(true, "master opened"), error: null };
  const why = classifySshResult(r, false)?.message ?? `${host}: ssh exited ${String(r.exitCode)}`;
  return { step: step(false, "could not connect"), error: why };
}

/** A dry run over the master (proves the shell is clean for rsync); nothing to do for local platforms. */
async function rsyncStep(
  p: Platform,
  host: string,
  runRoot: string,
  ran: boolean,
): Promise<{ step: CheckStep; probe: HostFacts["rsyncProbe"] }> {
  if (!p.sshTransport || !ran) {
    const note = !ran ? "skipped: the check program failed" : "local platform: version only";
    return { step: { step: "rsync", ms: 0, ok: ran, note }, probe: null };
  }
  const t0 = Date.now();
  const dest = mkdtempSync(join(tmpdir(), "drover-check-"));
  try {
    const r = await rsyncPull({
      ssh: p.sshTransport,
      host,
      sources: [`${runRoot}/`],
      dest,
      // Only the run root itself is compared and nothing is written: a cheap, harmless round trip.
      options: ["--dry-run", "--exclude=*"],
      timeoutMs: PROGRAM_TIMEOUT_MS,
    });
    const ok = r.exitCode === 0 && !r.timedOut;
    const message = ok ? "ok" : lastLines(r.stderr) || `exit ${String(r.exitCode)}`;
    const note = ok ? "dry-run transfer over the master" : "transfer failed";
    return { step: { step: "rsync", ms: Date.now() - t0, ok, note }, probe: { ok, message } };
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-2).join(" | ").slice(0, 400);
}

/** This machine's copy of a run root: `~/x` in our home, an absolute path as is. */
export function localRunRoot(runRoot: string): string {
  if (runRoot === "~") return homedir();
  return runRoot.startsWith("~/") ? join(homedir(), runRoot.slice(2)) : runRoot;
}

/**
 * Makes a marker file with a random name in `dir` (our copy of the run root): seen on the host, the
 * two are one directory. "missing" when `dir` is not a directory here, "unwritable" when no file
 * can be made in it.
 */
export function placeMarker(dir: string): { name: string; path: string } | "missing" | "unwritable" {
  if (!isDir(dir)) return "missing";
  const name = `drover-check-${randomBytes(12).toString("hex")}`;
  const path = join(dir, name);
  try {
    closeSync(openSync(path, "wx", 0o600));
    return { name, path };
  } catch {
    return "unwritable";
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `3.2.7` from this machine's `rsync --version`, or null when rsync is missing. */
export async function localRsyncVersion(): Promise<string | null> {
  const r = await runProcess({ argv: ["rsync", "--version"], host: "localhost", timeoutMs: 10_000 });
  if (r.exitCode !== 0) return null;
  return parseRsyncVersion(r.stdout.split("\n")[0] ?? "");
}
