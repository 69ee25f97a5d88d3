/**
 * The remote install: before the first job on an install target (again at each start of Drover),
 * make the run's directories there and copy the run's `bin/`, `lib/`, `etc/` (the platform's
 * includes). A host that shares this machine's filesystem (the run marker is visible) gets no copy.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { prepareInstall } from "../remote/host-ops.js";
import { rsyncPush } from "../transport/rsync.js";
import { emit, emitCommand, type RunContext } from "./run-context.js";
import { hostRunDir, type Platform } from "./platform.js";
import { runMarker } from "./run-marker.js";
import { noteHostResult } from "./host-failures.js";
import type { BatchResultBase } from "../remote/batch-types.js";

/** Directories every run has on a host, besides the includes. */
const RUN_DIRS = ["log", "share", "work", "batches"];

/** How an install target stands for this Drover process. */
export interface InstallState {
  /** The target shares this machine's filesystem. */
  shared: boolean;
}

/** What `checkInstalled` found. */
export interface InstallCheck {
  /** The install target is ready for jobs. */
  ready: boolean;
  /**
   * The host answered but the install program did not start there (its login shell read the
   * program, a tool is missing): a submit batch would fail the same way, so its jobs fail as one.
   */
  notStarted: BatchResultBase | null;
}

/** True when the platform's install target is ready for jobs on `host` (installing it if needed). */
export async function ensureInstalled(ctx: RunContext, platform: Platform, host: string): Promise<boolean> {
  return (await checkInstalled(ctx, platform, host)).ready;
}

/** Makes the install target ready for jobs on `host` if needed, saying why not when it cannot. */
export async function checkInstalled(
  ctx: RunContext,
  platform: Platform,
  host: string,
): Promise<InstallCheck> {
  const no = { ready: false, notStarted: null };
  if (platform.runRoot === "") return { ready: true, notStarted: null };
  if (ctx.installs.has(platform.installTarget)) return { ready: true, notStarted: null };
  const runDir = hostRunDir(platform, ctx.runName, ctx.runDir);
  const marker = runMarker(ctx.runDir);
  const timeoutMs = platform.batchTimeoutS * 1000;
  const prep = await prepareInstall(platform.transport, {
    host,
    runDir,
    dirs: [...RUN_DIRS, ...platform.installIncludes],
    marker,
    timeoutMs,
  });
  emitCommand(
    ctx,
    `install prepare of ${platform.installTarget}`,
    0,
    prep.result,
    prep.error,
    !prep.completed,
  );
  const failure = noteHostResult(ctx, platform, host, prep.result, prep.started);
  // Not a connection failure: the host itself refuses every program; retrying each round would hammer it.
  if (!prep.started && failure === null && !prep.result.timedOut) return { ready: false, notStarted: prep };
  if (!prep.completed || prep.error) return no;
  if (prep.shared) {
    ctx.installs.set(platform.installTarget, { shared: true });
    emit(ctx, {
      kind: "install",
      text: `${platform.installTarget} (${host}) shares this machine's filesystem: nothing copied`,
    });
    return { ready: true, notStarted: null };
  }
  const sources = platform.installIncludes.map((d) => join(ctx.runDir, d)).filter((p) => existsSync(p));
  if (sources.length > 0) {
    const r = await rsyncPush({
      ssh: platform.sshTransport,
      host,
      sources,
      dest: `${runDir}/`,
      timeoutMs,
      command: platform.rsync.command,
      options: platform.rsync.options,
    });
    emitCommand(
      ctx,
      `install copy to ${platform.installTarget}`,
      0,
      r,
      r.exitCode === 0 ? null : "rsync failed",
      r.exitCode !== 0,
    );
    if (r.exitCode !== 0) {
      noteHostResult(ctx, platform, host, r, false);
      return no;
    }
  }
  ctx.installs.set(platform.installTarget, { shared: false });
  emit(ctx, {
    kind: "install",
    text: `installed the run on ${platform.installTarget} (${host}:${runDir})${sources.length ? `: ${platform.installIncludes.filter((d) => existsSync(join(ctx.runDir, d))).join(", ")}` : ""}`,
  });
  return { ready: true, notStarted: null };
}
