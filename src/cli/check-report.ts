/**
 * `drover check`: what one host's check found, judged (failures and warnings) and put into words
 * and JSON. Pure: the facts come from check-host-steps.ts.
 */
import type { CheckHostResult } from "../remote/host-ops-types.js";

/** Clock skew beyond this many milliseconds is flagged. */
export const MAX_SKEW_MS = 5000;
/** Drover's rsync calls use `--info` (3.1.0) on this side and `--protect-args` (3.0.0) on the host. */
export const MIN_LOCAL_RSYNC = "3.1.0";
export const MIN_HOST_RSYNC = "3.0.0";

/** One timed step of a host check. */
export interface CheckStep {
  step: "connect" | "program" | "rsync";
  ms: number;
  ok: boolean;
  /** What happened, in a few words ("master opened", "skipped: no connection"). */
  note: string;
}

/** Everything one host's check found. */
export interface HostFacts {
  platform: string;
  host: string;
  transport: "ssh" | "local";
  /** The run root checked on the host (localhost: this machine's DROVER_HOME). */
  runRoot: string;
  tools: string[];
  /** False when the runner's own tools are not known to this Drover (only the common ones checked). */
  runnerKnown: boolean;
  runner: string;
  steps: CheckStep[];
  /** Why the host could not be reached at all, or null. */
  connectError: string | null;
  check: CheckHostResult | null;
  /** This machine's rsync version, or null when it has none. */
  localRsync: string | null;
  /** A dry-run rsync of the run root over the master: null when not tried (local platforms). */
  rsyncProbe: { ok: boolean; message: string } | null;
  /**
   * How sharing was decided: a marker in our copy of the run root; none because that directory does
   * not exist here, or appeared here during the check, or takes no file from us; the same machine.
   */
  sharedBy: "marker" | "no-local-dir" | "appeared" | "unwritable-here" | "same-machine";
}

export interface Problem {
  level: "fail" | "warn";
  text: string;
}

/** The problems in `f`, failures first. A host passes when none is a failure. */
export function judgeHost(f: HostFacts): Problem[] {
  const p: Problem[] = [];
  const fail = (text: string) => p.push({ level: "fail", text });
  const warn = (text: string) => p.push({ level: "warn", text });
  if (f.connectError !== null) fail(f.connectError);
  const c = f.check;
  if (c) {
    if (c.error) fail(c.error);
    const missing = c.tools.filter((t) => t.path === null).map((t) => t.name);
    if (c.started && missing.length > 0)
      fail(`missing on the host's PATH (login shell): ${missing.join(" ")}`);
    if (c.loginShellProblem && c.started) fail(c.loginShellProblem);
    if (c.completed && !c.runRootWritable) fail(`the run root ${f.runRoot} is not writable on the host`);
    if (c.loginNoise !== "")
      warn(
        `the login shell prints to stdout before the program (${oneLine(c.loginNoise)}): Drover skips it, but scp and some tools break; make the profile quiet when stdin is not a terminal`,
      );
    if (c.skewMs !== null && Math.abs(c.skewMs) > MAX_SKEW_MS)
      warn(
        `the host's clock is ${(c.skewMs / 1000).toFixed(1)} s off this machine's (more than ${MAX_SKEW_MS / 1000} s): job times will disagree`,
      );
    if (c.completed && c.skewMs === null) warn("the host's clock could not be read");
  }
  if (f.rsyncProbe && !f.rsyncProbe.ok) fail(`rsync over the connection failed: ${f.rsyncProbe.message}`);
  const usesRsync = f.tools.includes("rsync");
  if (usesRsync && f.localRsync === null) fail("rsync is missing on this machine");
  if (f.localRsync !== null && versionBelow(f.localRsync, MIN_LOCAL_RSYNC))
    fail(`rsync ${f.localRsync} on this machine is older than ${MIN_LOCAL_RSYNC}`);
  const hostRsync = c?.rsyncVersion ?? null;
  if (hostRsync !== null && versionBelow(hostRsync, MIN_HOST_RSYNC))
    fail(`rsync ${hostRsync} on the host is older than ${MIN_HOST_RSYNC}`);
  if (!f.runnerKnown)
    warn(
      `the commands of runner "${f.runner}" are not known to this Drover: only the common tools were checked`,
    );
  return [...p.filter((x) => x.level === "fail"), ...p.filter((x) => x.level === "warn")];
}

/** True when dotted version `v` is below `min` (`3.1.3` < `3.2.0`; suffixes like `pre1` ignored). */
export function versionBelow(v: string, min: string): boolean {
  const a = v.split(".").map((x) => parseInt(x, 10) || 0);
  const b = min.split(".").map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

/** The human report of one host: a heading with the verdict, then one line per fact and problem. */
export function formatHostReport(f: HostFacts, problems: Problem[]): string[] {
  const verdict = problems.some((x) => x.level === "fail")
    ? "FAILED"
    : problems.length > 0
      ? "passed with warnings"
      : "passed";
  const lines = [`${f.platform} / ${f.host} (${f.transport}): ${verdict}`];
  const step = (s: CheckStep) => `  ${`${s.step}:`.padEnd(9)}${String(s.ms).padStart(6)} ms  ${s.note}`;
  lines.push(...f.steps.map(step));
  const c = f.check;
  if (c?.started) {
    const tools = c.tools.map((t) => (t.path === null ? `${t.name} MISSING` : t.name)).join(", ");
    lines.push(`  tools:    ${tools}`);
  }
  if (c?.started || f.localRsync !== null) {
    const bash = c?.started ? `bash ${c.bashVersion ?? "?"}, ` : "";
    const host = c?.started ? (c.rsyncVersion ?? "missing") : "?";
    lines.push(`  versions: ${bash}rsync ${host} (here ${f.localRsync ?? "missing"})`);
  }
  if (c?.completed) {
    lines.push(`  clock:    ${c.skewMs === null ? "unknown" : `${(c.skewMs / 1000).toFixed(1)} s skew`}`);
    lines.push(`  run root: ${f.runRoot} ${c.runRootWritable ? "writable" : "NOT writable"}`);
    lines.push(`  shared:   ${sharedText(f)}`);
    lines.push(`  login:    ${loginText(c)}`);
  }
  for (const x of problems) lines.push(`  ${x.level === "fail" ? "FAIL" : "warn"}: ${x.text}`);
  return lines;
}

function sharedText(f: HostFacts): string {
  const shared = f.check?.shared ?? null;
  switch (f.sharedBy) {
    case "same-machine":
      return "yes (this machine)";
    case "no-local-dir":
      return `no (${f.runRoot} does not exist on this machine)`;
    case "appeared":
      return `unknown: ${f.runRoot} appeared on this machine during the check (made by the host?): check again`;
    case "unwritable-here":
      return `unknown: no file can be made in ${f.runRoot} on this machine`;
  }
  if (shared === null) return "unknown";
  return shared
    ? "yes: the host's run root is this machine's (run files are not copied there)"
    : "no: run files are copied to the host";
}

function loginText(c: CheckHostResult): string {
  if (c.loginShellProblem) return "reads stdin";
  if (c.loginNoise !== "") return "prints to stdout";
  return "quiet";
}

function oneLine(text: string): string {
  const t = text.trim().replace(/\s*\n\s*/g, " | ");
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

/** The JSON object of one host's check (`drover check --json`). */
export function hostJson(f: HostFacts, problems: Problem[]) {
  const c = f.check;
  return {
    platform: f.platform,
    host: f.host,
    transport: f.transport,
    ok: !problems.some((x) => x.level === "fail"),
    steps: f.steps,
    tools: c?.started ? c.tools : null,
    bash_version: c?.bashVersion ?? null,
    rsync: { host: c?.rsyncVersion ?? null, local: f.localRsync, probe: f.rsyncProbe },
    skew_ms: c?.skewMs ?? null,
    run_root: f.runRoot,
    run_root_writable: c?.completed ? c.runRootWritable : null,
    shared: sharedValue(f),
    login: c ? { noise: c.loginNoise, problem: c.loginShellProblem } : null,
    problems,
  };
}

function sharedValue(f: HostFacts): boolean | null {
  if (f.sharedBy === "same-machine") return true;
  if (f.sharedBy === "no-local-dir") return false;
  return f.sharedBy === "marker" ? (f.check?.shared ?? null) : null;
}
