/**
 * The reconcile half of the torture benchmark: 10,000 non-final background jobs on one SSH host
 * after a restart. A real run is created by Drover's own `openRun` (so the schema and rows are
 * right), its rows are set `running` with job IDs and guard data, and their status files are
 * written on the host by one awk: most with an EXIT line, some with INIT only (their process gone:
 * vanished), a few whose process is alive (a short `sleep` that then writes its EXIT line). Then
 * the real `drover run` resumes it, timed from spawn until every job is final; the floor is one
 * awk over the same status files through the same SSH master.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadJobSet } from "../src/config/index.js";
import { releaseContact } from "../src/manager/contact-file.js";
import { openRun } from "../src/manager/open-run.js";
import { runPlatforms, runnerOf } from "../src/manager/platform-registry.js";
import { shellPath, shellQuote } from "../src/script/shell-quote.js";
import { insertBatch } from "../src/store/batches.js";
import { updateJobRow } from "../src/store/job-rows.js";
import type { SshTransport } from "../src/transport/ssh.js";
import { DROVER } from "../test/helpers/cli.js";
import { pollFloor } from "./ssh-floors.js";
import { DEAD_START, jobSetText, removeRunRoot, runRemote, type BenchHost } from "./ssh-setup.js";

const RUN = "reconrun";
const PLATFORM = "recon";

/** What the reconcile measured. */
export interface ReconcileFigures {
  jobs: number;
  live: number;
  /** Spawn of `drover run` to the last job final (its output line). */
  allFinalS: number;
  /** Spawn to the last job final among those whose process was gone (the reconcile proper). */
  deadFinalS: number;
  /** Spawn to the first job final (start-up: node, the 10,000-job file, the store, first replies). */
  firstFinalS: number;
  /** Spawn to the end of the process. */
  exitS: number;
  floorS: number;
  /** Final jobs by `state reason`. */
  outcomes: Record<string, number>;
}

/** Job i's designed status: EXIT|3 for every tenth from 4, INIT only for every tenth from 9. */
const FABRICATE_AWK = `BEGIN {
  getline max < "/proc/sys/kernel/pid_max"; getline boot < "/proc/sys/kernel/random/boot_id"
  print "boot " boot; print "home " R; p = max
  for (i = 0; i < n; i++) {
    while (--p > 1 && (getline l < ("/proc/" p "/stat")) > 0) close("/proc/" p "/stat")
    if (p <= 1) { print "not enough free PIDs" > "/dev/stderr"; exit 1 }
    f = R "/log/job/r" i "/01/job.status"
    printf "DROVER_JOB_TOKEN=%s%012x\\nDROVER_JOB_RUNNER=background\\nDROVER_JOB_ID=%d\\n", tok, i, p > f
    printf "DROVER_JOB_SUBMIT_TIME=%s\\nDROVER_JOB_INIT=%s|1|%d|%d\\n", t, t, p, p > f
    if (i >= live && i % 10 == 4) printf "DROVER_JOB_EXIT=%s|EXIT|3\\n", t > f
    else if (i >= live && i % 10 != 9) printf "DROVER_JOB_EXIT=%s|SUCCEEDED|0\\n", t > f
    if (close(f) != 0) { print "cannot write " f > "/dev/stderr"; exit 1 }
    print "r" i " " p
  }
}`;

/** Starts `live` processes for jobs r0.. (sleep 2, then their EXIT line); returns pid and start time. */
async function startLive(t: SshTransport, h: BenchHost, hostDir: string, live: number): Promise<string[][]> {
  const body = 'sleep 2; printf "DROVER_JOB_EXIT=%s|SUCCEEDED|0\\n" "$(date -u +%FT%TZ)" >> "$1"';
  const program = `main() {
  local R=${shellPath(hostDir)} i pid st
  set -m
  for ((i = 0; i < ${live}; i++)); do
    bash -c ${shellQuote(body)} live "$R/log/job/r$i/01/job.status" </dev/null >/dev/null 2>&1 &
    pid=$!
    st=$(awk '{ sub(/^.*\\) /, ""); print $20 }' "/proc/$pid/stat" </dev/null)
    echo "$i $pid $st"
  done
}
main; exit $?
`;
  const out = (await runRemote(t, h.host, program, "starting the live jobs")).result.stdout;
  return out.split("\n").flatMap((l) => (/^\d+ \d+ \d+$/.test(l) ? [l.split(" ")] : []));
}

/** Fabricates the run (host files, then the store), resumes it with `drover run` and times it. */
export async function benchReconcile(
  h: BenchHost,
  base: string,
  n: number,
  live: number,
): Promise<ReconcileFigures> {
  const file = join(base, `${RUN}.yaml`);
  // `n` jobs `r0..` on one SSH platform, polled every second, logs left on the host.
  const text = jobSetText(h, {
    jobs: n,
    retrieveLogs: false,
    platform: PLATFORM,
    prefix: "r",
    settings: ["    unlisted_grace: PT0S"],
  });
  writeFileSync(file, text);
  const rp = runPlatforms(loadJobSet(file));
  // The platform's own transport: the floor goes through the master `drover run` uses.
  const transport = rp.platforms.get(PLATFORM)?.transport as SshTransport | undefined;
  if (!transport) throw new Error("the reconcile platform has no transport");
  try {
    return await fabricateAndTime(transport, h, base, n, live, file, text);
  } finally {
    await removeRunRoot(transport, h).catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
  }
}

/** The body of `benchReconcile`, on the platform's transport. */
async function fabricateAndTime(
  transport: SshTransport,
  h: BenchHost,
  base: string,
  n: number,
  live: number,
  file: string,
  text: string,
): Promise<ReconcileFigures> {
  const jobSet = loadJobSet(file);
  const rp = runPlatforms(jobSet);
  const hostDir = `${h.runRoot}/${RUN}`;
  const token = randomBytes(6).toString("hex");
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const fab = `main() {
  local R=${shellPath(hostDir)}
  mkdir -p -- "$R"/batches "$R"/share "$R"/log/job/r{0..${n - 1}}/01 </dev/null || return 1
  LC_ALL=C awk -v R="$R" -v n=${n} -v live=${live} -v t=${shellQuote(time)} -v tok=${token} ${shellQuote(FABRICATE_AWK)} </dev/null
}
main; exit $?
`;
  const out = (await runRemote(transport, h.host, fab, "fabricating the reconcile run")).result.stdout;
  const boot = /^boot (\S+)$/m.exec(out)?.[1];
  const home = /^home (.+)$/m.exec(out)?.[1];
  const pids = out.split("\n").flatMap((l) => /^r\d+ (\d+)$/.exec(l)?.[1] ?? []);
  if (!boot || !home || pids.length !== n) throw new Error(`fabrication printed ${pids.length} of ${n} jobs`);

  const home0 = join(base, "runs");
  mkdirSync(home0, { recursive: true });
  const run = openRun(jobSet, {
    home: home0,
    name: RUN,
    mode: "resume",
    command: "bench torture",
    say: () => {},
    source: text,
    runnerOf: (p) => runnerOf(rp, p),
  });
  try {
    const batchId = `fabricated-${token}`;
    const row = (i: number, pid: string, start: string) => ({
      state: "running" as const,
      host: h.host,
      runner_job_id: pid,
      runner_data: JSON.stringify({ start, boot }),
      token: `${token}${i.toString(16).padStart(12, "0")}`,
      batch_id: batchId,
      run_count: 1,
      submitted_at: time,
      started_at: time,
      next_poll_at: time,
    });
    run.db.transaction(() => {
      insertBatch(run.db, {
        id: batchId,
        kind: "submit",
        platform: PLATFORM,
        host: h.host,
        started_at: time,
        state: "done",
      });
      pids.forEach((pid, i) => updateJobRow(run.db, `r${i}`, 1, row(i, pid, DEAD_START)));
    })();
    // Started last, so that they are still alive when Drover comes back.
    const alive = await startLive(transport, h, hostDir, live);
    if (alive.length !== live) throw new Error(`${alive.length} of ${live} live jobs started`);
    run.db.transaction(() => {
      for (const [i, pid, start] of alive)
        updateJobRow(run.db, `r${i}`, 1, row(Number(i), pid as string, start as string));
    })();
  } finally {
    run.db.close();
    releaseContact(run.runDir, run.contact);
  }
  const timed = await timeDroverRun(file, home0, n, live);
  const floorS = await pollFloor(
    transport,
    h.host,
    pids.map((_, i) => `${home}/log/job/r${i}/01/job.status`),
  );
  return { jobs: n, live, ...timed, floorS };
}

/** Spawns `drover run FILE` and times it from its output (one line per state change). */
async function timeDroverRun(
  file: string,
  home: string,
  n: number,
  live: number,
): Promise<Pick<ReconcileFigures, "allFinalS" | "deadFinalS" | "firstFinalS" | "exitS" | "outcomes">> {
  const t0 = performance.now();
  // DROVER_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the timed Drover.
  const nodeArgs = (process.env.DROVER_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, DROVER, "run", file], {
    env: { ...process.env, DROVER_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buf = "";
  let err = "";
  let finals = 0;
  let deadFinals = 0;
  let allFinalS = 0;
  let deadFinalS = 0;
  let firstFinalS = 0;
  const outcomes: Record<string, number> = {};
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines) {
      const m = / r(\d+)\/01 running -> (succeeded|failed)(?:: (\S+))?/.exec(l);
      if (!m) continue;
      const key = `${m[2]} ${m[3] ?? "succeeded"}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      const s = (performance.now() - t0) / 1000;
      if (finals === 0) firstFinalS = s;
      if (++finals === n) allFinalS = s;
      if (Number(m[1]) >= live && ++deadFinals === n - live) deadFinalS = s;
    }
  });
  const code = await new Promise<number | null>((res) => child.once("close", (c) => res(c)));
  const exitS = (performance.now() - t0) / 1000;
  if (finals !== n)
    throw new Error(`drover run ended (${code}) with ${finals} of ${n} jobs final: ${err.slice(-2000)}`);
  return { allFinalS, deadFinalS, firstFinalS, exitS, outcomes };
}
