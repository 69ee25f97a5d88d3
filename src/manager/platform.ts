/**
 * Live platforms: a PlatformSpec (config) plus the transport that reaches its hosts. The built-in
 * `localhost` runs background jobs through local processes; its run directory on the host is the
 * run directory itself.
 */
import { cpus } from "node:os";
import type { PlatformSpec, PollingSpec } from "../config/platform-types.js";
import { localhostSpec } from "../config/platform-defaults.js";
import type { Transport } from "../transport/transport.js";
import { LocalTransport } from "../transport/local.js";
import { SshTransport } from "../transport/ssh.js";
import { runnerKey } from "../runners/registry.js";

export type PollingSchedule = PollingSpec;

/** Live jobs per remote platform unless `max_active` says otherwise. */
export const REMOTE_MAX_ACTIVE = 100;

export interface Platform extends Omit<PlatformSpec, "maxActive"> {
  /** Live jobs at once on this platform (the default applied). */
  maxActive: number;
  /** Runs batch programs on the hosts. */
  transport: Transport;
  /** The SSH transport when the platform uses SSH (rsync reuses its master), else null. */
  sshTransport: SshTransport | null;
  /** The runner as the batch calls name it: `slurm`, or `slurm@cluster` for a cluster. */
  runnerKey: string;
}

/** Builds a live platform from its spec. */
export function buildPlatform(spec: PlatformSpec): Platform {
  const sshTransport = spec.ssh
    ? new SshTransport({
        command: spec.ssh.command,
        options: spec.ssh.options,
        shell: spec.shell,
        connectTimeoutS: spec.connectTimeoutS,
        maxSessions: spec.maxSessions,
        connect: spec.connect,
      })
    : null;
  const local = spec.ssh === null;
  return {
    ...spec,
    maxActive: spec.maxActive ?? (local ? Math.max(1, cpus().length) * 4 : REMOTE_MAX_ACTIVE),
    transport: sshTransport ?? new LocalTransport(spec.shell),
    sshTransport,
    runnerKey: runnerKey(spec.runner, spec.cluster),
  };
}

/** The built-in localhost platform. */
export function localhostPlatform(): Platform {
  return buildPlatform(localhostSpec());
}

/**
 * The run directory on the platform's hosts: `<run root>/<run>`, or the scheduler's own run
 * directory for a platform whose run root is "" (localhost).
 */
export function hostRunDir(p: Pick<PlatformSpec, "runRoot">, runName: string, localRunDir: string): string {
  if (p.runRoot === "") return localRunDir;
  return `${p.runRoot.replace(/\/+$/, "")}/${runName}`;
}
