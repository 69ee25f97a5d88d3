/**
 * `drover connect HOST|PLATFORM [--check|--close] [JOBSET]`: opens the shared ssh master of a host
 * (or of each host of a platform) with the platform's ssh settings and leaves it running, so runs
 * reuse it: the way in for sites whose login needs a person (a password, a 2FA prompt), and for
 * platforms with `connect: manual`. With a terminal the login is interactive; without one it is a
 * batch login (keys and agents only). `--check` tells whether a master is up, `--close` ends it.
 */
import { loadJobSet, loadPlatformCatalog, platformChoices, type PlatformCatalog } from "../config/index.js";
import { DroverError, UsageError } from "../errors.js";
import { platformFor } from "../manager/platform-registry.js";
import { classifySshResult } from "../transport/ssh-errors.js";
import { SshTransport } from "../transport/ssh.js";
import { parseArgs } from "./args.js";
import type { Out } from "./out.js";

const USAGE = "usage: drover connect HOST|PLATFORM [JOBSET] [--check|--close]";

/** One host to act on and the transport (ssh settings) that reaches it. */
export interface ConnectTarget {
  host: string;
  /** Where the settings come from: a platform name, or null for ssh's defaults. */
  platform: string | null;
  ssh: SshTransport;
}

/**
 * The hosts `name` stands for: every host of a platform or group, else the host itself with the
 * ssh settings of the first platform listing it (ssh's defaults when none does). Platforms without
 * ssh are skipped; a name that is only such platforms is a usage error.
 */
export function connectTargets(catalog: PlatformCatalog, name: string): ConnectTarget[] {
  const specs = platformChoices(catalog, name);
  if (specs.length > 0) {
    const remote = specs.filter((s) => s.ssh !== null);
    if (remote.length === 0)
      throw new UsageError(`connect: platform "${name}" uses local processes, not ssh: nothing to connect`);
    return remote.flatMap((s) =>
      s.hosts.map((host) => ({ host, platform: s.name, ssh: platformFor(s).sshTransport as SshTransport })),
    );
  }
  const owner = [...catalog.platforms.values()].find((s) => s.ssh !== null && s.hosts.includes(name));
  if (owner)
    return [{ host: name, platform: owner.name, ssh: platformFor(owner).sshTransport as SshTransport }];
  return [{ host: name, platform: null, ssh: new SshTransport() }];
}

/** Opens, checks or closes masters; resolves 0 when every host is as asked, else 1. */
export async function connectCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, { booleans: ["--check", "--close"] }, "connect");
  const [name, file, extra] = a.positional;
  if (name === undefined || extra !== undefined) throw new UsageError(USAGE);
  if (a.flags.has("--check") && a.flags.has("--close"))
    throw new UsageError("connect: give --check or --close, not both");
  const jobSet = file === undefined ? undefined : loadJobSet(file);
  const targets = connectTargets(loadPlatformCatalog({ jobSet }), name);
  let ok = true;
  // One host at a time: an interactive login owns the terminal.
  for (const t of targets) {
    const where = t.platform === null ? `${t.host} (no platform lists it: ssh defaults)` : t.host;
    try {
      if (a.flags.has("--check")) {
        const up = await t.ssh.checkMaster(t.host);
        out.print(`${where}: ${up ? "connected (master up)" : "not connected"}`);
        ok &&= up;
      } else if (a.flags.has("--close")) {
        ok = (await close(t, where, out)) && ok;
      } else {
        ok = (await open(t, where, out)) && ok;
      }
    } catch (err) {
      // A host name ssh refuses (bad characters) or bad ssh settings: say so, go on with the rest.
      if (!(err instanceof DroverError)) throw err;
      out.note(`drover: ${t.host}: ${err.message}`);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

async function open(t: ConnectTarget, where: string, out: Out): Promise<boolean> {
  if (await t.ssh.checkMaster(t.host)) {
    out.print(`${where}: already connected (master up)`);
    return true;
  }
  const interactive = process.stdin.isTTY === true;
  if (interactive) out.note(`connecting to ${t.host} (answer any prompt below)...`);
  const r = await t.ssh.openMaster(t.host, { interactive });
  if (r.exitCode === 0 && !r.timedOut) {
    out.print(
      `${where}: connected; the master stays up until idle for ${t.ssh.settings.controlPersist} (drover connect ${t.host} --close ends it)`,
    );
    return true;
  }
  const why = classifySshResult(r, false)?.message ?? `${t.host}: ssh exited ${String(r.exitCode)}`;
  out.print(`${where}: NOT connected: ${why}`);
  return false;
}

async function close(t: ConnectTarget, where: string, out: Out): Promise<boolean> {
  if (!(await t.ssh.checkMaster(t.host))) {
    out.print(`${where}: not connected (nothing to close)`);
    return true;
  }
  const r = await t.ssh.closeMaster(t.host);
  const closed = r.exitCode === 0 || !(await t.ssh.checkMaster(t.host));
  out.print(
    `${where}: ${closed ? "closed" : `could not close: ${r.stderr.trim() || `exit ${String(r.exitCode)}`}`}`,
  );
  return closed;
}
