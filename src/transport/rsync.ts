/**
 * Files to and from job hosts with the system rsync, over the host's shared ssh master (one session
 * slot per call, like a batch program) or, with `ssh: null`, between local paths.
 *
 * rsync does not create missing parent directories here (`--mkpath` needs 3.2.3 on both ends; RHEL 8
 * has 3.1.3): the caller makes them first. Names travel with `--protect-args`, so spaces and shell
 * characters in paths need no remote quoting; `~/x` means x in the home directory.
 */
import type { CommandResult } from "./command-result.js";
import { DroverError } from "../errors.js";
import { runProcess } from "./run-process.js";
import { localPath, parseRsyncOutput, remotePath, rsyncRshString, type RsyncReport } from "./rsync-args.js";
import { checkHost } from "./ssh-args.js";
import type { SshTransport } from "./ssh.js";

/** The result of one rsync call: the process result plus what rsync reported. */
export interface RsyncResult extends CommandResult, RsyncReport {}

/** Local files or trees to a host (or to a local path with `ssh: null`). */
export interface RsyncPushRequest {
  ssh: SshTransport | null;
  host: string;
  /** Local paths; a trailing slash copies a directory's contents, as in rsync. */
  sources: string[];
  /** The destination on the host (`~/` allowed); its parent must exist. */
  dest: string;
  /** Extra rsync options (each must start with "-"), e.g. ["--delete"]. */
  options?: string[];
  /** The rsync command (default ["rsync"]; a platform may name another path or wrapper). */
  command?: string[];
  timeoutMs: number;
}

/** Files or trees from a host into a local directory. */
export interface RsyncPullRequest {
  ssh: SshTransport | null;
  host: string;
  /** Paths on the host (`~/` allowed). */
  sources: string[];
  /** The local destination directory. */
  dest: string;
  /** Files larger than this are skipped and listed in `skippedForSize`. */
  maxSizeBytes?: number;
  options?: string[];
  /** The rsync command (default ["rsync"]). */
  command?: string[];
  timeoutMs: number;
}

/** Copies with `--recursive --links --perms --times`; itemizes what it sent. Bad input rejects. */
export async function rsyncPush(req: RsyncPushRequest): Promise<RsyncResult> {
  const sources = list(req.sources, "rsync push sources").map((p) => localPath(p, "rsync push source"));
  const remote = req.ssh !== null;
  const dest = remote ? remotePath(req.dest, "rsync push dest") : localPath(req.dest, "rsync push dest");
  return run(req.ssh, req.host, options(req.options), sources, dest, "push", req.timeoutMs, req.command);
}

/** Copies into `dest`, skipping (and reporting) files over `maxSizeBytes`. Bad input rejects. */
export async function rsyncPull(req: RsyncPullRequest): Promise<RsyncResult> {
  const remote = req.ssh !== null;
  const sources = list(req.sources, "rsync pull sources").map((p) =>
    remote ? remotePath(p, "rsync pull source") : localPath(p, "rsync pull source"),
  );
  const dest = localPath(req.dest, "rsync pull dest");
  const extra = options(req.options);
  if (req.maxSizeBytes !== undefined) {
    const n = req.maxSizeBytes;
    if (!Number.isSafeInteger(n) || n < 1)
      throw new DroverError(`rsync pull: maxSizeBytes ${String(n)} is not a positive whole number`);
    extra.push(`--max-size=${n}`);
  }
  return run(req.ssh, req.host, extra, sources, dest, "pull", req.timeoutMs, req.command);
}

async function run(
  ssh: SshTransport | null,
  host: string,
  extra: string[],
  sources: string[],
  dest: string,
  dir: "push" | "pull",
  timeoutMs: number,
  command: string[] = ["rsync"],
): Promise<RsyncResult> {
  if (
    command.length === 0 ||
    command.some((w) => typeof w !== "string" || w.length === 0 || w.includes("\0"))
  )
    throw new DroverError("rsync: the command must be a non-empty list of words");
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw new DroverError(`rsync: timeoutMs ${timeoutMs} is not valid`);
  const base = [
    ...command,
    "--recursive",
    "--links",
    "--perms",
    "--times",
    "--protect-args",
    "--itemize-changes",
    "--info=skip1",
    ...extra,
  ];
  let r: CommandResult;
  if (ssh === null) {
    r = await runProcess({ argv: [...base, "--", ...sources, dest], host, timeoutMs });
  } else {
    checkHost(host);
    if (host.includes(":")) throw new DroverError(`rsync: host ${JSON.stringify(host)} must not contain ":"`);
    const at = (p: string): string => `${host}:${p}`;
    r = await ssh.runSession(host, (sshWords) => {
      const files = dir === "push" ? [...sources, at(dest)] : [...sources.map(at), dest];
      return runProcess({ argv: [...base, "-e", rsyncRshString(sshWords), "--", ...files], host, timeoutMs });
    });
  }
  return { ...r, ...parseRsyncOutput(r.stdout) };
}

function list(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0)
    throw new DroverError(`${what}: expected a non-empty list of paths`);
  return v as string[];
}

function options(v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new DroverError("rsync options: expected a list");
  for (const o of v) {
    if (
      typeof o !== "string" ||
      !o.startsWith("-") ||
      o === "--" ||
      o.includes("\0") ||
      /^(-e|--rsh)/.test(o)
    ) {
      throw new DroverError(
        `rsync options: ${JSON.stringify(o)} is not allowed (options start with "-"; -e is Drover's)`,
      );
    }
  }
  return [...(v as string[])];
}
