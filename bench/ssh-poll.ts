/**
 * The poll half of the SSH benchmark: a fabricated run of N finished background jobs on the host
 * (status files as Drover's wrapper writes them, made by one remote awk; PIDs free on the host)
 * and in a real store (rows `running` with their job IDs and guard data), then the library's
 * `pollBatch` of all N at once and the manager's poll round (call to store commit).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadJobSet, type JobSet } from "../src/config/index.js";
import { pollBatch } from "../src/remote/batches.js";
import type { PollJob } from "../src/remote/batch-types.js";
import { shellPath, shellQuote } from "../src/script/shell-quote.js";
import { insertBatch } from "../src/store/batches.js";
import { updateJobRow } from "../src/store/job-rows.js";
import { openRun } from "../src/manager/open-run.js";
import { releaseContact } from "../src/manager/contact-file.js";
import { runPlatforms, runnerOf } from "../src/manager/platform-registry.js";
import type { Platform } from "../src/manager/platform.js";
import { jobLogRel } from "../src/manager/run-paths.js";
import { Scheduler } from "../src/manager/scheduler.js";
import { systemClock, type RunContext } from "../src/manager/run-context.js";
import type { SshTransport } from "../src/transport/ssh.js";
import { DEAD_START, PLATFORM, jobSetText, runRemote, type BenchHost } from "./ssh-setup.js";

/** Run name of the fabricated run (the same on the host for every store made of it). */
const RUN = "pollrun";

/** The fabricated run on the host: job i is `j<i>` with PID `pids[i]`. */
export interface FabricatedRun {
  jobSet: JobSet;
  jobSetText: string;
  platform: Platform;
  /** The run directory on the host (`<run root>/pollrun`). */
  hostDir: string;
  /** Absolute paths of the status files on the host (for the poll floor). */
  statusPaths: string[];
  pids: string[];
  boot: string;
  token: string;
  time: string;
}

/** The awk that writes N status files and prints `boot <id>`, then `j<i> <pid>` per job. */
const FABRICATE_AWK = `BEGIN {
  getline max < "/proc/sys/kernel/pid_max"; getline boot < "/proc/sys/kernel/random/boot_id"
  print "boot " boot; print "home " R; p = max
  for (i = 0; i < n; i++) {
    while (--p > 1 && (getline l < ("/proc/" p "/stat")) > 0) close("/proc/" p "/stat")
    if (p <= 1) { print "not enough free PIDs" > "/dev/stderr"; exit 1 }
    f = R "/log/job/j" i "/01/job.status"
    printf "DROVER_JOB_TOKEN=%s%012x\\nDROVER_JOB_RUNNER=background\\nDROVER_JOB_ID=%d\\n", tok, i, p > f
    printf "DROVER_JOB_SUBMIT_TIME=%s\\nDROVER_JOB_INIT=%s|1|%d|%d\\n", t, t, p, p > f
    printf "DROVER_JOB_EXIT=%s|SUCCEEDED|0\\n", t > f
    if (close(f) != 0) { print "cannot write " f > "/dev/stderr"; exit 1 }
    print "j" i " " p
  }
}`;

/** Writes the run's status files on the host (one mkdir, one awk) and loads its job set. */
export async function fabricateRun(
  t: SshTransport,
  h: BenchHost,
  base: string,
  n: number,
): Promise<FabricatedRun> {
  const hostDir = `${h.runRoot}/${RUN}`;
  const token = randomBytes(6).toString("hex");
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const program = `main() {
  local R=${shellPath(hostDir)}
  mkdir -p -- "$R"/batches "$R"/log/job/j{0..${n - 1}}/01 </dev/null || return 1
  LC_ALL=C awk -v R="$R" -v n=${n} -v t=${shellQuote(time)} -v tok=${token} ${shellQuote(FABRICATE_AWK)} </dev/null
}
main; exit $?
`;
  const out = (await runRemote(t, h.host, program, "fabricating the poll run")).result.stdout;
  const lines = out.split("\n").filter((l) => l !== "");
  const boot = /^boot (\S+)$/m.exec(out)?.[1];
  const home = /^home (.+)$/m.exec(out)?.[1];
  const pids = lines.flatMap((l) => /^j\d+ (\d+)$/.exec(l)?.[1] ?? []);
  if (!boot || !home || pids.length !== n) throw new Error(`fabrication printed ${pids.length} of ${n} jobs`);
  const text = jobSetText(h, { jobs: n, retrieveLogs: true });
  const file = join(base, "poll.yaml");
  writeFileSync(file, text);
  const jobSet = loadJobSet(file);
  const platform = runPlatforms(jobSet).platforms.get(PLATFORM) as Platform;
  const statusPaths = pids.map((_, i) => `${home}/log/job/j${i}/01/job.status`);
  return { jobSet, jobSetText: text, platform, hostDir, statusPaths, pids, boot, token, time };
}

/** The poll request entry of job i, as the manager builds it for a running job. */
function pollJob(f: FabricatedRun, i: number): PollJob {
  return {
    key: `j${i}/01`,
    logDir: jobLogRel(`j${i}`, 1),
    jobId: f.pids[i] as string,
    runnerData: { start: DEAD_START, boot: f.boot },
    batchId: null,
    lookup: false,
  };
}

/** Times one `pollBatch` of every job; checks that every status file came back and no job is listed. */
export async function timePollBatch(f: FabricatedRun, host: string): Promise<number> {
  const jobs = f.pids.map((_, i) => pollJob(f, i));
  const t0 = performance.now();
  const res = await pollBatch(f.platform.transport, {
    runDir: f.hostDir,
    runner: f.platform.runner,
    host,
    timeoutMs: 300_000,
    jobs,
  });
  const s = (performance.now() - t0) / 1000;
  const read = [...res.status.values()].filter((v) => v !== null && v.includes("DROVER_JOB_EXIT=")).length;
  const unlisted = [...res.queue.values()].filter((q) => q.kind === "unlisted").length;
  if (!res.completed || read !== jobs.length || unlisted !== jobs.length) {
    throw new Error(
      `poll batch: ${read} status files, ${unlisted} unlisted of ${jobs.length}: ${res.error ?? ""}`,
    );
  }
  return s;
}

/** A manager poll round's seconds: call to commit, and from the last reply's event to commit. */
export interface ManagerPoll {
  s: number;
  recordS: number;
}

/**
 * Makes a store for the fabricated run under `home` (every job `running` on the host with its
 * PID and guard data), runs the manager's poll round once and checks that every job ended
 * `succeeded` from its status file.
 */
export async function timeManagerPoll(
  f: FabricatedRun,
  host: string,
  home: string,
  maxBatch: number | null,
): Promise<ManagerPoll> {
  let replyAt = 0;
  mkdirSync(home, { recursive: true });
  const rp = runPlatforms(f.jobSet);
  const run = openRun(f.jobSet, {
    home,
    name: RUN,
    mode: "resume",
    command: "bench ssh",
    say: () => {},
    source: f.jobSetText,
    runnerOf: (p) => runnerOf(rp, p),
  });
  try {
    const batchId = `fabricated-${f.token}`;
    run.db.transaction(() => {
      insertBatch(run.db, {
        id: batchId,
        kind: "submit",
        platform: PLATFORM,
        host,
        started_at: f.time,
        state: "done",
      });
      f.pids.forEach((pid, i) =>
        updateJobRow(run.db, `j${i}`, 1, {
          state: "running",
          host,
          runner_job_id: pid,
          runner_data: JSON.stringify({ start: DEAD_START, boot: f.boot }),
          token: `${f.token}${i.toString(16).padStart(12, "0")}`,
          batch_id: batchId,
          run_count: 1,
          submitted_at: f.time,
          started_at: f.time,
          next_poll_at: f.time,
        }),
      );
    })();
    const ctx: RunContext = {
      runName: RUN,
      runDir: run.runDir,
      db: run.db,
      jobSet: f.jobSet,
      specs: new Map(f.jobSet.jobs.map((j) => [j.name, j])),
      platforms: rp.platforms,
      groups: rp.groups,
      clock: systemClock,
      maxBatch,
      maxActive: null,
      installs: new Map(),
      // The reply's event is written when the batch is back and parsed, before its records.
      listeners: [
        (e) =>
          void (e.kind === "command" && e.text.startsWith("poll batch") && (replyAt = performance.now())),
      ],
    };
    const scheduler = new Scheduler(ctx);
    const t0 = performance.now();
    await scheduler.pollRound();
    const end = performance.now();
    const ok = run.db
      .prepare(
        `SELECT COUNT(*) AS n FROM jobs WHERE state = 'succeeded' AND reason = 'succeeded' AND exit_code = 0`,
      )
      .get() as { n: number };
    if (ok.n !== f.pids.length) {
      const states = run.db
        .prepare(`SELECT state, reason, COUNT(*) AS n FROM jobs GROUP BY state, reason`)
        .all();
      throw new Error(`manager poll: ${ok.n} of ${f.pids.length} jobs succeeded: ${JSON.stringify(states)}`);
    }
    return { s: (end - t0) / 1000, recordS: (end - replyAt) / 1000 };
  } finally {
    run.db.close();
    releaseContact(run.runDir, run.contact);
  }
}
