/**
 * Running the real `drover` CLI against the SSH test hosts, kept apart from other suites: each call
 * runs in a mount namespace where Drover's ControlMaster directory (`/tmp/drover-<uid>`) is this
 * suite's own directory (bind-mounted, so masters opened by one call serve the next) and the job
 * user's home is an empty tmpfs (Drover reaches job files only through ssh and rsync). Remote run
 * roots are temp-named under the job home; profile changes are guarded by a tag given to the shell.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { shellQuote } from "../../src/script/shell-quote.js";
import { DROVER, sandbox, type Sandbox } from "../helpers/cli.js";
import { ensureSshHosts, type SshHosts } from "../helpers/hosts.js";
import { addProfileBlock } from "../helpers/profile-block.js";

/** A sandbox whose Drover talks to the test hosts through its own masters. */
export interface RemoteSandbox {
  sb: Sandbox;
  hosts: SshHosts;
  /** A fresh tag (names run roots, profile blocks and shells of this suite). */
  tag: string;
  /** `~/<tag>-<suffix>`: a run root under the job home, removed by cleanup. */
  runRoot(suffix: string): string;
  /** The absolute path on the job host of a `~/...` path. */
  onHost(p: string): string;
  /** Writes the user platforms file ($DROVER_PLATFORMS) from YAML lines. */
  platforms(lines: string[]): void;
  /** Runs drover in the isolating namespace; `tty`: on a pseudo-terminal (`script`), output merged. */
  drover(
    args: string[],
    opts?: { timeoutMs?: number; tty?: boolean },
  ): { code: number | null; stdout: string; stderr: string };
  /** Starts drover in the isolating namespace (the child is drover itself: unshare and sh exec it). */
  spawnDrover(args: string[]): ChildProcess;
  /** Appends lines run only by login shells given the tag as $1; returns the exact undo. */
  profileBlock(lines: string[]): () => void;
  /** Gives a file or directory to the job user (the tests write as root). */
  chownToJobUser(p: string): void;
  cleanup(): void;
}

/** The `ssh.options` line of a platform that reaches the test hosts. */
export function sshOptionsLine(hosts: SshHosts): string {
  return `    ssh: { options: ["-F", ${JSON.stringify(hosts.sshConfig)}] }`;
}

/** Starts the hosts (throws when they cannot run) and makes the sandbox. */
export function remoteSandbox(prefix: string): RemoteSandbox {
  const hosts = ensureSshHosts();
  const sb = sandbox();
  const tag = `${prefix}-${randomBytes(4).toString("hex")}`;
  const uid = process.getuid?.() ?? 0;
  const mountPoint = `/tmp/drover-${uid}`;
  fs.mkdirSync(mountPoint, { recursive: true, mode: 0o700 });
  // Short: socket paths are limited to ~104 bytes.
  const controlDir = fs.mkdtempSync("/tmp/drvcli-");
  const roots: string[] = [];
  const owner = fs.statSync(hosts.jobHome);
  const onHost = (p: string) => (p.startsWith("~/") ? path.join(hosts.jobHome, p.slice(2)) : p);
  const script = `mount --bind "$1" "$2" && mount -t tmpfs -o mode=0700 none "$3" && shift 3 && exec "$@"`;
  const prefixArgv = ["-m", "sh", "-c", script, "sh", controlDir, mountPoint, hosts.jobHome];
  return {
    sb,
    hosts,
    tag,
    runRoot(suffix) {
      const r = `~/${tag}-${suffix}`;
      roots.push(onHost(r));
      return r;
    },
    onHost,
    platforms(lines) {
      sb.env.DROVER_PLATFORMS = sb.write("platforms.yaml", `${lines.join("\n")}\n`);
    },
    drover(args, opts = {}) {
      const cmd = [process.execPath, DROVER, ...args];
      // script(1) runs one shell command line on a new terminal and passes its exit code back.
      const run = opts.tty ? ["script", "-qec", cmd.map(shellQuote).join(" "), "/dev/null"] : cmd;
      const r = spawnSync("unshare", [...prefixArgv, ...run], {
        env: sb.env,
        encoding: "utf8",
        timeout: opts.timeoutMs ?? 120_000,
        cwd: sb.dir,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    spawnDrover(args) {
      return spawn("unshare", [...prefixArgv, process.execPath, DROVER, ...args], {
        env: sb.env,
        cwd: sb.dir,
        stdio: "ignore",
      });
    },
    profileBlock(lines) {
      return addProfileBlock(hosts.jobHome, tag, lines);
    },
    chownToJobUser(p) {
      fs.chownSync(p, owner.uid, owner.gid);
    },
    cleanup() {
      // End this suite's masters through their sockets, then the files.
      for (const sock of fs.existsSync(controlDir) ? fs.readdirSync(controlDir) : []) {
        spawnSync("ssh", ["-o", `ControlPath=${path.join(controlDir, sock)}`, "-O", "exit", "any"], {
          stdio: "ignore",
          timeout: 10_000,
        });
      }
      fs.rmSync(controlDir, { recursive: true, force: true });
      for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
      sb.cleanup();
    },
  };
}
