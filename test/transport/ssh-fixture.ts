/**
 * A test bed for the ssh transport against the project's real test hosts: a private control
 * directory (so masters of other suites are never touched), an ssh_config copy in a directory whose
 * name has a space and a quote, and cleanup that closes every master opened.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ensureSshHosts, type SshHosts } from "../helpers/hosts.js";
import { SshTransport, type SshTransportOptions } from "../../src/transport/ssh.js";

export interface SshBed {
  hosts: SshHosts;
  /** A copy of the hosts' ssh_config in a directory named with a space and a quote. */
  config: string;
  /** Temp directory for this bed's files. */
  tmp: string;
  /** A fresh transport on the hosts, with a private control directory unless one is given. */
  transport(opts?: SshTransportOptions): SshTransport;
  /** Writes a file in the bed's temp directory and returns its path. */
  write(name: string, text: string): string;
  /** Closes every master opened by the bed's transports and removes its directories. */
  cleanup(): Promise<void>;
}

/** Starts (or finds) the test hosts and prepares a bed. */
export function sshBed(): SshBed {
  const hosts = ensureSshHosts();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "drover-ssh-"));
  const cfgDir = path.join(tmp, "ssh cfg 'q'");
  fs.mkdirSync(cfgDir);
  const config = path.join(cfgDir, "ssh config");
  fs.copyFileSync(hosts.sshConfig, config);
  const made: Array<{ t: SshTransport; dir: string }> = [];
  return {
    hosts,
    config,
    tmp,
    transport(opts: SshTransportOptions = {}) {
      // Short and private: /tmp/drvt-XXXXXX keeps socket paths far below the unix limit.
      const dir = opts.controlDir ?? fs.mkdtempSync("/tmp/drvt-");
      const t = new SshTransport({ options: ["-F", config], ...opts, controlDir: dir });
      made.push({ t, dir });
      return t;
    },
    write(name: string, text: string) {
      const p = path.join(tmp, name);
      fs.writeFileSync(p, text);
      return p;
    },
    async cleanup() {
      for (const { t, dir } of made) {
        for (const h of Object.values(hosts.hosts)) await t.closeMaster(h);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The pid of the master serving `host` for `t`, from `ssh -O check`, or null. */
export function masterPid(t: SshTransport, config: string, host: string): number | null {
  const r = spawnSync(
    "ssh",
    ["-F", config, "-o", `ControlPath=${t.controlPathFor(host)}`, "-O", "check", host],
    {
      encoding: "utf8",
      timeout: 10_000,
    },
  );
  const m = /pid=([0-9]+)/.exec(r.stderr);
  return m ? Number(m[1]) : null;
}

/** A TCP port that accepts connections and never answers (a silent host), and a closed port. */
export async function deadPorts(): Promise<{ silent: number; closed: number; close(): void }> {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const closed = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return {
    silent: (silent.address() as net.AddressInfo).port,
    closed,
    close() {
      for (const s of sockets) s.destroy();
      silent.close();
    },
  };
}

/** True while a process exists and is not a zombie. */
export function live(pid: number): boolean {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^Z/.test(s.slice(s.lastIndexOf(") ") + 2));
  } catch {
    return false;
  }
}
