/**
 * Checks the Drover named by a contact file: through this host's /proc when the file names this
 * host, else with the probe of contact-check.ts over SSH. The host is reached through the SSH
 * settings of a platform of the run's catalog that lists it, else through plain `ssh` (the user's
 * ssh config applies either way). Synchronous on purpose: callers decide before anything else runs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { loadPlatformCatalog, parseJobSet } from "../config/index.js";
import { shellQuote } from "../script/shell-quote.js";
import { openStore } from "../store/open-store.js";
import { getRunRow } from "../store/run-row.js";
import { checkHost, sshArgv } from "../transport/ssh-args.js";
import {
  buildContactProbe,
  judgeContact,
  parseContactProbe,
  parseProcStat,
  splitCmdline,
  type ContactIdentity,
  type ContactVerdict,
  type ProcFacts,
} from "./contact-check.js";
import { platformFor } from "./platform-registry.js";
import { runPaths } from "./run-paths.js";

/** A contact as checked: the verdict and how it was reached. */
export type ContactCheck = ContactVerdict & {
  /** "local" (this host's /proc) or "ssh". */
  how: "local" | "ssh";
  /** What carried the check: `platform "NAME"` or `ssh` (plain); "" for local. */
  via: string;
};

/** How a host is reached for a check: the full argv (ending in the remote shell) and its name. */
export interface ContactRoute {
  argv: string[];
  via: string;
  timeoutMs: number;
}

/** Seconds plain ssh waits for a connection. */
export const PLAIN_CONNECT_TIMEOUT_S = 10;

/** This host's boot id, or null where it cannot be read. */
export function bootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
  } catch {
    return null;
  }
}

/** The facts about a pid on this host, from /proc. */
export function localProcFacts(pid: number): ProcFacts {
  const facts: ProcFacts = { bootId: bootId(), state: null, start: null, cmdline: null };
  try {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    if (!stat) return facts;
    facts.state = stat.state;
    facts.start = stat.start;
    facts.cmdline = splitCmdline(readFileSync(`/proc/${pid}/cmdline`));
  } catch {
    // Gone between the reads (or never there): the facts say so.
  }
  return facts;
}

/** True when a contact file names this host. */
export function isThisHost(host: string): boolean {
  return host === hostname();
}

/**
 * The way to `host`: the SSH settings of the first platform of the run's catalog that lists it
 * (its ControlMaster is used when one is open; none is created), else plain ssh in batch mode.
 */
export function contactRoute(runDir: string, host: string): ContactRoute {
  checkHost(host);
  const spec = catalogPlatform(runDir, host);
  if (spec) {
    const t = platformFor(spec).sshTransport;
    if (t) {
      const argv = sshArgv(t.settings, t.controlPathFor(host), { kind: "client", guard: false }, host);
      return {
        argv: [...argv, "--", ...t.settings.shell.map(shellQuote)],
        via: `platform "${spec.name}"`,
        timeoutMs: (t.settings.connectTimeoutS + 15) * 1000,
      };
    }
  }
  return {
    argv: [
      "ssh",
      ...["-o", "BatchMode=yes", "-o", `ConnectTimeout=${PLAIN_CONNECT_TIMEOUT_S}`, "-T", host],
      ...["--", "sh", "-s"],
    ],
    via: "ssh",
    timeoutMs: (PLAIN_CONNECT_TIMEOUT_S + 15) * 1000,
  };
}

/** The platform spec of the run's recorded catalog that lists `host` over SSH, if any. */
function catalogPlatform(runDir: string, host: string) {
  const store = runPaths(runDir).store;
  if (!existsSync(store)) return undefined;
  try {
    const db = openStore(store, { readonly: true });
    let row;
    try {
      row = getRunRow(db);
    } finally {
      db.close();
    }
    if (!row) return undefined;
    const catalog = loadPlatformCatalog({ jobSet: parseJobSet(row.source, row.path) });
    return [...catalog.platforms.values()].find((p) => p.ssh !== null && p.hosts.includes(host));
  } catch {
    // A store being created, or a catalog that no longer loads: plain ssh still reaches the host.
    return undefined;
  }
}

/** Runs the probe for `c` on `host` over SSH and judges the answer. */
export function probeOverSsh(c: ContactIdentity & { host: string }, runDir: string): ContactCheck {
  let route: ContactRoute;
  let program: string;
  try {
    route = contactRoute(runDir, c.host);
    program = buildContactProbe(c.pid);
  } catch (err) {
    return { state: "unknown", why: (err as Error).message, how: "ssh", via: "ssh" };
  }
  const [cmd = "ssh", ...args] = route.argv;
  const r = spawnSync(cmd, args, {
    input: program,
    encoding: "utf8",
    timeout: route.timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 4 * 1024 * 1024,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const spawnErr = r.error as NodeJS.ErrnoException | undefined;
  const timedOut = spawnErr?.code === "ETIMEDOUT";
  const verdict = parseContactProbe(c, {
    exitCode: r.status,
    stdout: r.stdout ?? "",
    stderr: spawnErr && !timedOut ? `${cmd}: ${spawnErr.message}` : (r.stderr ?? ""),
    timedOut,
    timeoutMs: route.timeoutMs,
  });
  return { ...verdict, how: "ssh", via: route.via };
}

/** Checks a contact: locally when it names this host, else over SSH. */
export function checkContactProcess(c: ContactIdentity & { host: string }, runDir: string): ContactCheck {
  if (isThisHost(c.host)) return { ...judgeContact(c, localProcFacts(c.pid)), how: "local", via: "" };
  return probeOverSsh(c, runDir);
}
