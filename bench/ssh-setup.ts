/**
 * Shared pieces of the SSH benchmark: the job set text with its own platform on one test host,
 * remote programs run through an SshTransport (timed, failing loudly), waiting for a quiet host,
 * and small number helpers.
 */
import { shellPath, shellQuote } from "../src/script/shell-quote.js";
import type { Transport } from "../src/transport/transport.js";
import type { CommandResult } from "../src/transport/command-result.js";

/** Where and how the benchmark reaches its host. */
export interface BenchHost {
  /** ssh alias (drover-test-a). */
  host: string;
  /** The test hosts' ssh_config, given with `-F`. */
  sshConfig: string;
  /** `~/drover-bench-<hex>`: the run root of every run of this benchmark on the host. */
  runRoot: string;
}

/** Options of `jobSetText`. */
export interface JobSetTextOptions {
  jobs: number;
  /** Copy logs home after each job (the poll run keeps the default; the submit runs skip it). */
  retrieveLogs: boolean;
  /** Platform name (default `bench`) and job name prefix (default `j`). */
  platform?: string;
  prefix?: string;
  /** More lines of the platform's settings, indented as its keys. */
  settings?: string[];
}

/** A process start time no live process has: a recorded PID with it reads as gone. */
export const DEAD_START = "100";

/** Name of the benchmark's platform. */
export const PLATFORM = "bench";

/**
 * A job set of `jobs` no-op jobs `j0..` on platform `bench` (its own `platforms:` section), polled
 * every second so that a run of no-op jobs ends soon after its submission.
 */
export function jobSetText(h: BenchHost, o: JobSetTextOptions): string {
  const platform = o.platform ?? PLATFORM;
  const lines = [
    `platform: ${platform}`,
    "platforms:",
    `  ${platform}:`,
    `    hosts: [${h.host}]`,
    `    run_root: ${JSON.stringify(h.runRoot)}`,
    `    ssh: { options: ["-F", ${JSON.stringify(h.sshConfig)}] }`,
    "    polling: { submission: [PT1S], execution: [PT1S] }",
    ...(o.settings ?? []),
    ...(o.retrieveLogs ? [] : ["    retrieve_logs: false"]),
    "jobs:",
  ];
  for (let i = 0; i < o.jobs; i++) lines.push(`  ${o.prefix ?? "j"}${i}:`, `    script: "true"`);
  return `${lines.join("\n")}\n`;
}

/** A remote program's wall time (seconds, measured around the transport call) and its result. */
export interface Timed {
  seconds: number;
  result: CommandResult;
}

/** Runs `program` on the host through `t` (the platform's shell, over the master); throws unless it exits 0. */
export async function runRemote(t: Transport, host: string, program: string, what: string): Promise<Timed> {
  const t0 = performance.now();
  const result = await t.runProgram(host, program, { timeoutMs: 300_000 });
  const seconds = (performance.now() - t0) / 1000;
  if (result.exitCode !== 0) {
    throw new Error(
      `${what} failed on ${host} (exit ${result.exitCode ?? result.signal}): ${result.stderr.slice(0, 2000)}`,
    );
  }
  return { seconds, result };
}

/**
 * Waits (on the host) until no process of the job user there matches `pattern` (pgrep -f), so
 * that one measurement's jobs are gone before the next starts.
 */
export async function settleHost(t: Transport, host: string, pattern: string): Promise<void> {
  const program = `main() {
  local i
  for ((i = 0; i < 300; i++)); do
    pgrep -u "$(id -u)" -f -- ${shellQuote(pattern)} >/dev/null </dev/null || return 0
    sleep 0.1 </dev/null
  done
  echo "processes matching the pattern are still alive after 30 s" >&2; return 1
}
main; exit $?
`;
  await runRemote(t, host, program, `waiting for the host to settle (${pattern})`);
}

/** Removes the benchmark's run root on the host. */
export async function removeRunRoot(t: Transport, h: BenchHost): Promise<void> {
  await runRemote(t, h.host, `rm -rf -- ${shellPath(h.runRoot)} </dev/null\n`, "cleanup");
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Rounds to milliseconds' precision (seconds) or to 0.1 ms (milliseconds). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
