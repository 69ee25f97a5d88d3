/**
 * End-to-end runs of the real `drover` CLI against the SSH test hosts. Every Drover process runs in
 * its own mount namespace where the job user's home is an empty tmpfs (job files are reachable only
 * through ssh and rsync) and Drover's ControlMaster directory is this suite's private one, so its
 * masters never meet another suite's. The test itself, root outside, reads host files to assert.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { DROVER, sandbox, type Sandbox } from "../helpers/cli.js";
import { ensureSshHosts, type SshHosts } from "../helpers/hosts.js";
import { openStore } from "../../src/store/open-store.js";
import type { EventRow } from "../../src/store/events.js";

/** What a finished Drover process left. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** A Drover process started in the background, its stdout and stderr collected together. */
export interface Live {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  exited: Promise<Finished>;
}

/** One suite's view of the hosts: sandbox, private masters, run roots it removes at the end. */
export interface E2e {
  hosts: SshHosts;
  sb: Sandbox;
  /** A fresh run root `~/drv-e2e-<random>`, removed by cleanup. */
  newRunRoot(): string;
  /** The absolute path on the job hosts of `~/...` joined with `rel`. */
  onHost(p: string, ...rel: string[]): string;
  /** Writes the platforms file ($DROVER_PLATFORMS) from YAML lines. */
  platforms(lines: string[]): void;
  /** Starts `drover ARGS` hidden from the job home. */
  start(args: string[]): Live;
  /** Runs `drover ARGS` to its end (killed after `timeoutMs`). */
  run(args: string[], timeoutMs?: number): Promise<Finished>;
  /** `drover status RUN --json`, jobs by name. */
  status(run: string): Map<string, Record<string, unknown>>;
  /** Every event of a run, oldest first (read from its store). */
  events(run: string): EventRow[];
  /** Appends lines that only login shells given `tag` as $1 run; returns the exact undo. */
  profileBlock(tag: string, lines: string[]): () => void;
  cleanup(): void;
}

/** The settings every platform of these tests shares: fast polls, quick bad-host marks. */
export const PLATFORM_SETTINGS: Readonly<Record<string, string>> = {
  polling: "{ submission: [PT1S], execution: [PT1S] }",
  bad_host_time: "PT5S",
  connect_timeout: "PT2S",
  batch_timeout: "PT30S",
};

/** YAML lines of one platform on `hosts` with the shared settings, `over` replacing or adding keys. */
export function platformLines(
  name: string,
  hosts: string[],
  runRoot: string,
  sshConfig: string,
  over: Record<string, string> = {},
): string[] {
  const ssh = `{ options: ["-F", ${JSON.stringify(sshConfig)}] }`;
  const settings = { ssh, ...PLATFORM_SETTINGS, ...over };
  return [
    `  ${name}:`,
    `    hosts: [${hosts.join(", ")}]`,
    `    run_root: ${runRoot}`,
    ...Object.entries(settings).map(([k, v]) => `    ${k}: ${v}`),
  ];
}

/** A job body that records each run of it on the host: one line per run in share/<job name>. */
export const RECORD = 'echo "$DROVER_SUBMIT_NUM $$" >> "$DROVER_SHARE_DIR/$DROVER_JOB_NAME"';

/** Lines a job appended to its share file (0 when it never ran). */
export function runsOf(shareDir: string, job: string): number {
  const f = path.join(shareDir, job);
  return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
}

/** Resolves once `cond` holds, polling every `stepMs`; rejects after `ms`. */
export async function until(cond: () => boolean, ms: number, what = "condition", stepMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export { openOrSkip } from "../helpers/open-or-skip.js";

/** Starts the hosts (throws when they cannot run) and makes the suite's sandbox. */
export function e2eSandbox(): E2e {
  const hosts = ensureSshHosts();
  const sb = sandbox();
  const uid = process.getuid?.() ?? 0;
  const controlMount = `/tmp/drover-${uid}`;
  fs.mkdirSync(controlMount, { recursive: true, mode: 0o700 });
  // Short, because unix socket paths are limited to about 104 bytes.
  const controlDir = fs.mkdtempSync("/tmp/drve2e-");
  const roots: string[] = [];
  const owner = fs.statSync(hosts.jobHome);
  const onHost = (p: string, ...rel: string[]) =>
    path.join(p.startsWith("~/") ? path.join(hosts.jobHome, p.slice(2)) : p, ...rel);
  // Positional arguments only: nothing of ours becomes shell text.
  const hide = `mount --bind "$1" "$2" && mount -t tmpfs -o mode=0700 none "$3" && shift 3 && exec "$@"`;
  const nsArgv = (args: string[]) => [
    "-m",
    "sh",
    "-c",
    hide,
    "sh",
    controlDir,
    controlMount,
    hosts.jobHome,
    process.execPath,
    DROVER,
    ...args,
  ];
  const start = (args: string[]): Live => {
    const child = spawn("unshare", nsArgv(args), {
      env: sb.env,
      cwd: sb.dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<Finished>((res) =>
      child.once("close", (code, signal) => res({ code, signal, out })),
    );
    return { child, output: () => out, exited };
  };
  return {
    hosts,
    sb,
    newRunRoot() {
      const r = `~/drv-e2e-${randomBytes(5).toString("hex")}`;
      roots.push(onHost(r));
      return r;
    },
    onHost,
    platforms(lines) {
      sb.env.DROVER_PLATFORMS = sb.write("platforms.yaml", `${lines.join("\n")}\n`);
    },
    start,
    async run(args, timeoutMs = 60_000) {
      const live = start(args);
      const timer = setTimeout(() => live.child.kill("SIGKILL"), timeoutMs);
      try {
        return await live.exited;
      } finally {
        clearTimeout(timer);
      }
    },
    status(run) {
      const r = spawnSync("unshare", nsArgv(["status", run, "--json"]), {
        env: sb.env,
        cwd: sb.dir,
        encoding: "utf8",
        timeout: 30_000,
      });
      if (r.status !== 0) throw new Error(`status ${run} failed (${r.status}): ${r.stderr}`);
      const obj = JSON.parse(r.stdout) as { jobs: Record<string, unknown>[] };
      return new Map(obj.jobs.map((j) => [String(j.name), j]));
    },
    events(run) {
      const db = openStore(path.join(sb.home, run, "store.db"), { readonly: true });
      try {
        return db.prepare(`SELECT * FROM events ORDER BY id`).all() as EventRow[];
      } finally {
        db.close();
      }
    },
    profileBlock(tag, lines) {
      const file = path.join(hosts.jobHome, ".bash_profile");
      const existed = fs.existsSync(file);
      const before = existed ? fs.readFileSync(file, "utf8") : "";
      // Without a .bash_profile bash reads ~/.profile: every other login keeps doing so.
      const keep = existed ? "" : "[ -f ~/.profile ] && . ~/.profile\n";
      const sep = before === "" || before.endsWith("\n") ? "" : "\n";
      const block = `${sep}# ${tag} begin\nif [ "\${1-}" = ${tag} ]; then\n${lines.join("\n")}\nfi\n${keep}# ${tag} end\n`;
      fs.appendFileSync(file, block);
      if (!existed) fs.chownSync(file, owner.uid, owner.gid);
      return () => {
        const rest = fs.readFileSync(file, "utf8").replace(block, "");
        if (!existed && rest === "") fs.rmSync(file);
        else fs.writeFileSync(file, rest);
      };
    },
    cleanup() {
      // This suite's masters end through their own sockets; nobody else's are touched.
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
