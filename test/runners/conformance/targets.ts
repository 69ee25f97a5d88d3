/**
 * Where the conformance suite runs each runner for real: background on this machine (local
 * transport), Slurm, Grid Engine and atd on their test hosts, and the task-spooler plugin of
 * `examples/runners/` loaded as a site runner, all but background reached through the SSH test
 * host `drover-test-a` as the job user. Each target has its own run directory on the host, removed
 * at the end; the tsp target has its own tsp server (a private socket), stopped at the end.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureSshHosts, type SshHosts } from "../../helpers/hosts.js";
import { ensureAtd, ensureSge, ensureSlurm } from "../../helpers/runner-hosts.js";
import { getRunner, registerRunner } from "../../../src/runners/registry.js";
import type { Runner } from "../../../src/runners/runner.js";
import { LocalTransport } from "../../../src/transport/local.js";
import { SshTransport } from "../../../src/transport/ssh.js";
import type { Transport } from "../../../src/transport/transport.js";
import { openOrSkip } from "../../helpers/open-or-skip.js";

/** The task-spooler plugin shipped as an example site runner. */
export const TSP_MODULE = path.resolve(import.meta.dirname, "../../../examples/runners/tsp-runner.js");

/** One runner, ready to be driven through the batch calls. */
export interface Target {
  runner: Runner;
  transport: Transport;
  host: string;
  /** The run directory on the host (absolute, or `~/...`). */
  runDir: string;
  /** Seconds between polls while waiting. */
  pollS: number;
  /** Removes what the target made (run directory, tsp server, SSH master). */
  close(): Promise<void>;
}

/** A target, or why it cannot run here. */
export type Opened = { target: Target } | { skip: string };

const HOST = "drover-test-a";

function sshTarget(
  hosts: SshHosts,
  runner: Runner,
  rel = `drv-conf-${runner.name}-${randomBytes(4).toString("hex")}`,
  beforeClose = "",
): Target {
  const control = fs.mkdtempSync(path.join(os.tmpdir(), "drvconf-"));
  const t = new SshTransport({ options: ["-F", hosts.sshConfig], controlDir: control });
  return {
    runner,
    transport: t,
    host: HOST,
    runDir: `~/${rel}`,
    pollS: 1,
    close: async () => {
      await t.runProgram(HOST, `${beforeClose}rm -rf -- ~/${rel}\n`, { timeoutMs: 30_000 });
      await t.closeMaster(HOST);
      fs.rmSync(control, { recursive: true, force: true });
    },
  };
}

/** Runs `start` (the test hosts' start script), or returns why the target must skip (not root only). */
function started(what: string, start: () => unknown): string | null {
  const opened = openOrSkip(what, start);
  return opened.skip === false ? null : opened.skip;
}

/** The background runner on this machine, in a fresh temporary run directory. */
export function openBackground(): Opened {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "drover-conf-"));
  const runner = getRunner("background");
  return {
    target: {
      runner,
      transport: new LocalTransport(),
      host: "localhost",
      runDir: path.join(base, "run"),
      pollS: 0.3,
      close: async () => fs.rmSync(base, { recursive: true, force: true }),
    },
  };
}

/** A queue runner (slurm, sge, at) on its test host, through `drover-test-a`. */
export function openQueue(name: "slurm" | "sge" | "at"): Opened {
  const ensure = { slurm: ensureSlurm, sge: ensureSge, at: ensureAtd }[name];
  const why = started(name, ensure);
  if (why !== null) return { skip: why };
  return { target: sshTarget(ensureSshHosts(), getRunner(name)) };
}

/**
 * The tsp plugin, loaded from examples/ and registered as a site runner, with a private tsp
 * server (socket in the target's run directory) so no real queue is touched.
 */
export async function openTsp(): Promise<Opened> {
  const why = started("ssh", ensureSshHosts);
  if (why !== null) return { skip: why };
  if (spawnSync("tsp", ["-h"], { stdio: "ignore" }).error) {
    const why = "tsp is not installed (apt-get install task-spooler; .ci/run does)";
    // Where the test hosts can run (root, as CI), the plugin must be tested for real.
    if (process.getuid?.() === 0) throw new Error(why);
    return { skip: why };
  }
  const rel = `drv-conf-tsp-${randomBytes(4).toString("hex")}`;
  const socket = `~/${rel}/tsp.sock`;
  const mod = (await import(TSP_MODULE)) as { createRunner(o: { socket: string }): Runner };
  const runner = mod.createRunner({ socket });
  registerRunner(runner);
  // The private server is stopped before its directory (which holds the socket) is removed.
  const stop = `TS_SOCKET=${socket} tsp -K </dev/null >/dev/null 2>&1\n`;
  return { target: sshTarget(ensureSshHosts(), runner, rel, stop) };
}
