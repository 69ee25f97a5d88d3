/**
 * Helpers of the remote end-to-end run suite (test/remote-e2e/remote-runs.test.ts): platforms on
 * the SSH test hosts with fast polling, job sets written and run through the real CLI in the
 * isolating namespace, and proof of which host a job ran on.
 *
 * Host proof: the three hosts share the job home, the hostname and /tmp, but b and c are sshds in
 * their own network namespaces, so a job's `/proc/self/ns/net` inode names the sshd that started
 * it; `$SSH_CONNECTION` (inherited from the batch program's ssh session) must agree.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { remoteSandbox, sshOptionsLine, type RemoteSandbox } from "../cli/remote-cli.js";
import { statusJson } from "../helpers/cli.js";
import { openOrSkip } from "./e2e.js";

/** A status row of `drover status RUN --json`. */
export type JobJson = Record<string, unknown>;

/** What one `drover run` left: its exit code and output, and the final status by job name. */
export interface RunOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  jobs: Map<string, JobJson>;
}

/** Starts the hosts and makes a remote sandbox, or says why the suite must skip (never as root). */
export function openRemoteSuite(prefix: string): { rs: RemoteSandbox | null; skip: string | false } {
  const { value, skip } = openOrSkip("SSH", () => remoteSandbox(prefix));
  return { rs: value, skip };
}

/**
 * YAML lines of one SSH platform with polling fast enough for tests (the remote defaults wait
 * 10 s before the first look); `extra` lines are added as they are (indented by four spaces).
 */
export function sshPlatform(
  rs: RemoteSandbox,
  name: string,
  hosts: string[],
  extra: string[] = [],
): string[] {
  return [
    `  ${name}:`,
    `    hosts: [${hosts.join(", ")}]`,
    `    run_root: ${rs.runRoot(name)}`,
    sshOptionsLine(rs.hosts),
    "    polling: { submission: [PT1S], execution: [PT1S], time_limit: [PT1S] }",
    "    unlisted_grace: PT2S",
    "    kill_grace: PT2S",
    ...extra.map((l) => `    ${l}`),
  ];
}

/** Writes the job set `<run>.yaml` in the sandbox and runs it to its end with the real CLI. */
export function runJobSetFile(rs: RemoteSandbox, run: string, yaml: string, timeoutMs = 90_000): RunOutcome {
  const file = rs.sb.write(`${run}.yaml`, yaml);
  const r = rs.drover(["run", file], { timeoutMs });
  if (r.code === null) throw new Error(`drover run ${run} did not end in time:\n${r.stdout}${r.stderr}`);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, jobs: statusJson(rs.sb, run) };
}

/** The local copy of a submission's log file (bytes), or null when it is not there. */
export function localLog(
  rs: RemoteSandbox,
  run: string,
  job: string,
  submit: number,
  file: string,
): Buffer | null {
  const p = join(rs.sb.home, run, "log", "job", job, String(submit).padStart(2, "0"), file);
  return existsSync(p) ? readFileSync(p) : null;
}

/** The absolute path on the job host of a run's directory under a platform's run root. */
export function hostRunPath(rs: RemoteSandbox, platform: string, run: string): string {
  return join(rs.onHost(`~/${rs.tag}-${platform}`), run);
}

/** A shell line a job runs to record where it is: `where: <netns inode> <ssh server address>`. */
export const WHERE_LINE = `printf 'where: %s %s\\n' "$(stat -L -c %i /proc/self/ns/net)" "$(set -- \${SSH_CONNECTION-none}; echo "\${3-none}")"`;

/** The test hosts' aliases by network namespace inode and their sshd addresses. */
export function hostFingerprints(): Map<string, { alias: string; address: string }> {
  const inode = (p: string) => String(statSync(p).ino);
  return new Map([
    [inode("/proc/self/ns/net"), { alias: "drover-test-a", address: "127.0.0.1" }],
    [inode("/run/netns/drv-b"), { alias: "drover-test-b", address: "10.78.0.11" }],
    [inode("/run/netns/drv-c"), { alias: "drover-test-c", address: "10.78.0.12" }],
  ]);
}

/**
 * The host a job's output proves it ran on (from its `where:` line), or an explanation when the
 * line is missing or the namespace and the ssh address disagree.
 */
export function provenHost(out: string, prints = hostFingerprints()): string {
  const m = /^where: (\d+) (\S+)$/m.exec(out);
  if (!m) return `no where line in ${JSON.stringify(out.slice(0, 200))}`;
  const known = prints.get(m[1] as string);
  if (!known) return `unknown network namespace ${m[1]}`;
  if (known.address !== m[2]) return `namespace of ${known.alias} but ssh address ${m[2]}`;
  return known.alias;
}

/** `drover status RUN JOB --why` output (events and evidence). */
export function whyText(rs: RemoteSandbox, run: string, job: string): string {
  const r = rs.drover(["status", run, job, "--why"]);
  if (r.code !== 0) throw new Error(`status --why failed: ${r.stderr}`);
  return r.stdout;
}
