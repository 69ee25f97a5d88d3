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

/** Directories every run has on a host, besides the includes. */
const RUN_DIRS = ["log", "share", "work", "batches"];

/** How an install target stands for this Drover process. */
export interface InstallState {
  /** The target shares this machine's filesystem. */
  shared: boolean;
}

/** True when the platform's install target is ready for jobs on `host` (installing it if needed). */
export async function ensureInstalled(ctx: RunContext, platform: Platform, host: string): Promise<boolean> {
  if (platform.runRoot === "") return true;
  if (ctx.installs.has(platform.installTarget)) return true;
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
  noteHostResult(ctx, platform, host, prep.result, prep.started);
  if (!prep.completed || prep.error) return false;
  if (prep.shared) {
    ctx.installs.set(platform.installTarget, { shared: true });
    emit(ctx, {
      kind: "install",
      text: `${platform.installTarget} (${host}) shares this machine's filesystem: nothing copied`,
    });
    return true;
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
      return false;
    }
  }
  ctx.installs.set(platform.installTarget, { shared: false });
  emit(ctx, {
    kind: "install",
    text: `installed the run on ${platform.installTarget} (${host}:${runDir})${sources.length ? `: ${platform.installIncludes.filter((d) => existsSync(join(ctx.runDir, d))).join(", ")}` : ""}`,
  });
  return true;
}
