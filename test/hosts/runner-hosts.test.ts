/**
 * The real job-runner test hosts, used as Drover uses them: as the job user through
 * `ssh drover-test-a`. Slurm on both clusters (-M, MinJobAge, sacct, scancel, requeue, many jobs at
 * once, munge and slurmctld outages), Grid Engine (qsub, qstat, qdel, qacct) and at (at, atq, atrm).
 */
import { after, describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { ensureAtd, ensureSge, ensureSlurm, runnerCtl } from "../helpers/runner-hosts.js";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the Slurm checks run side by side). */
function run(argv: string[], input?: string, timeoutMs = 30_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

const slurm = ensureSlurm();
const sge = ensureSge();
const atd = ensureAtd();
// Job names carry this tag: other suites may use the same runners as the same user at once.
const tag = `rh${process.pid}x${randomBytes(2).toString("hex")}`;
const sh = (cmd: string, input?: string) => run(["ssh", "-F", slurm.ssh.sshConfig, slurm.host, cmd], input);
const [C1, C2] = slurm.clusters;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value; fails after `withinMs`. */
async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined>, everyMs = 500) {
  const end = Date.now() + withinMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${withinMs} ms: ${what}`);
    await sleep(everyMs);
  }
}
/** The job's state as `squeue -t all` sees it, or undefined when squeue no longer lists it. */
async function squeueState(id: string, cluster: string = C1): Promise<{ state?: string; ran: Ran }> {
  const ran = await sh(`squeue -M ${cluster} -h -t all -j ${id} -o '%i|%T|%r'`);
  const row = ran.stdout.split("\n").find((l) => l.startsWith(`${id}|`));
  return { state: row?.split("|")[1], ran };
}
async function sacctState(id: string, cluster: string = C1): Promise<string | undefined> {
  const r = await sh(`sacct -M ${cluster} -n -P -X -o JobID,State,ExitCode -j ${id}`);
  return r.stdout.split("\n").find((l) => l.startsWith(`${id}|`));
}
async function submit(args: string, cluster?: string): Promise<string> {
  const m = cluster ? `-M ${cluster} ` : "";
  const r = await sh(`sbatch ${m}--parsable -o /dev/null -J ${tag} ${args}`);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}
const running = (id: string, cluster: string = C1) =>
  until(`job ${id} running on ${cluster}`, 10_000, async () =>
    (await squeueState(id, cluster)).state === "RUNNING" ? true : undefined,
  );

after(async () => {
  await sh(`for c in ${C1} ${C2}; do scancel -M $c -n ${tag}; done; qdel '${tag}*' >/dev/null 2>&1
    for j in $(atq | cut -f1); do at -c $j | grep -q ${tag} && atrm $j; done; rm -f ~/${tag}.*; true`);
});

describe("slurm through drover-test-a", { concurrency: true }, () => {
  it("submits with --parsable on both clusters (ID, and ID;CLUSTER with -M) and cancels", async () => {
    const id1 = await submit("--wrap 'sleep 30'");
    assert.match(id1, /^\d+$/);
    const reply2 = await submit("--wrap 'sleep 30'", C2);
    const m = /^(\d+);drvslurm2$/.exec(reply2);
    assert.ok(m, `sbatch -M reply: ${reply2}`);
    const id2 = m[1] as string;
    // jobs start within about a second on an idle cluster
    await Promise.all([running(id1), running(id2, C2)]);
    const listed = await sh(`squeue -M ${C1},${C2} -o '%i|%j|%T' -u ${slurm.ssh.jobUser}`);
    assert.match(listed.stdout, /^CLUSTER: drvslurm$/m);
    assert.match(listed.stdout, /^CLUSTER: drvslurm2$/m);
    assert.ok(
      listed.stdout.includes(`${id1}|${tag}|RUNNING`) && listed.stdout.includes(`${id2}|${tag}|RUNNING`),
    );
    assert.equal((await sh(`scancel ${id1} && scancel -M ${C2} ${id2}`)).code, 0);
    for (const [id, c] of [
      [id1, C1],
      [id2, C2],
    ] as const) {
      const row = await until(`sacct shows ${id} cancelled`, 15_000, async () => {
        const r = await sacctState(id, c);
        return r?.includes("CANCELLED") ? r : undefined;
      });
      assert.match(row, new RegExp(`^${id}\\|CANCELLED by \\d+\\|0:0$`));
    }
  });

  it("runs ~20 one-CPU jobs at once on one node", async () => {
    const r = await sh(
      `for i in $(seq 20); do sbatch --parsable -o /dev/null -J ${tag} --wrap 'sleep 15' || exit; done`,
    );
    assert.equal(r.code, 0, r.stderr);
    const ids = r.stdout.trim().split("\n");
    assert.equal(ids.length, 20);
    await until("20 jobs running", 15_000, async () => {
      const q = await sh(`squeue -h -j ${ids.join(",")} -o %T`);
      return q.stdout.split("\n").filter((s) => s === "RUNNING").length === 20 ? true : undefined;
    });
    await sh(`scancel ${ids.join(" ")}`);
  });

  it("keeps a finished job in squeue for MinJobAge, then only sacct knows it", async () => {
    const id = await submit("--wrap 'exit 3'");
    await until(`job ${id} failed`, 10_000, async () =>
      (await squeueState(id)).state === "FAILED" ? true : undefined,
    );
    const failedAt = Date.now();
    const limitMs = (slurm.minJobAgeS + slurm.purgeIntervalS + 10) * 1000;
    const gone = await until(
      `job ${id} purged from squeue`,
      limitMs,
      async () => {
        const q = await squeueState(id);
        return q.state === undefined ? q.ran : undefined;
      },
      1000,
    );
    assert.ok(Date.now() - failedAt >= (slurm.minJobAgeS - 2) * 1000, "purged before MinJobAge");
    // a purged job is an error for squeue -j (exit 1), not an empty answer
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /Invalid job id specified/);
    assert.equal(await sacctState(id), `${id}|FAILED|3:0`);
  });

  it("requeues a running job with scontrol requeue; it runs again", async () => {
    const id = await submit("--wrap 'sleep 60'");
    await running(id);
    const rq = await sh(`scontrol requeue ${id}`);
    assert.equal(rq.code, 0, rq.stderr);
    const show = await sh(`scontrol show job ${id}`);
    assert.match(show.stdout, /JobState=PENDING Reason=BeginTime/);
    assert.match(show.stdout, /Restarts=1/);
    await until(`requeued job ${id} running again`, (slurm.requeueDelayS + 20) * 1000, async () =>
      (await squeueState(id)).state === "RUNNING" ? true : undefined,
    );
    const runs = await sh(`sacct -n -P -X -D -o JobID,State -j ${id}`);
    assert.match(runs.stdout, new RegExp(`^${id}\\|REQUEUED$`, "m"));
    await sh(`scancel ${id}`);
  });
});

test("munge and slurmctld outages make squeue fail; starting them again mends it", async () => {
  runnerCtl("munge-stop");
  try {
    const down = await sh("squeue -h");
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /Munge encode failed/);
  } finally {
    runnerCtl("munge-start");
  }
  assert.equal((await sh("squeue -h")).code, 0);

  runnerCtl("slurmctld-stop");
  try {
    const down = await sh("squeue -h");
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /Unable to contact slurm controller/);
    assert.equal((await sh(`squeue -h -M ${C2}`)).code, 0, "the other cluster stays up");
  } finally {
    runnerCtl("slurmctld-start");
  }
  assert.equal((await sh("squeue -h")).code, 0);
  assert.match(runnerCtl("status"), /^slurmctld-drvslurm up \d+$/m);
});

test("grid engine: qsub -terse, qstat, qdel, qacct", async () => {
  const q = `qsub -terse -o /dev/null -j y`;
  const sub = await sh(`${q} -N ${tag}.sleep -b y sleep 60`);
  assert.equal(sub.code, 0, sub.stderr);
  const id = sub.stdout.trim();
  assert.match(id, /^\d+$/);
  const qstat = await sh(`qstat -u ${sge.ssh.jobUser}`);
  // qstat cuts names to 10 characters
  assert.match(qstat.stdout, new RegExp(`^\\s*${id}\\s+\\S+\\s+${tag.slice(0, 10)}\\s`, "m"));
  const del = await sh(`qdel ${id}`);
  assert.match(del.stdout, new RegExp(`has (registered the job|deleted job) ${id}`));
  await until(`job ${id} gone from qstat`, 10_000, async () =>
    (await sh(`qstat -u ${sge.ssh.jobUser}`)).stdout.match(new RegExp(`^\\s*${id}\\s`, "m"))
      ? undefined
      : true,
  );
  // a job script on stdin; its exit status reaches qacct within a few seconds (no flush delay)
  const fail = (await sh(`${q} -N ${tag}.fail`, "#!/bin/sh\nexit 3\n")).stdout.trim();
  assert.match(fail, /^\d+$/);
  const acct = await until(`qacct -j ${fail}`, 20_000, async () => {
    const r = await sh(`qacct -j ${fail}`);
    return r.code === 0 ? r.stdout : undefined;
  });
  assert.match(acct, /^exit_status\s+3\s*$/m);
  assert.match(acct, new RegExp(`^jobname\\s+${tag}\\.fail\\s*$`, "m"));
});

test("at: at now runs a job (ID on stderr), atq lists a pending one, atrm removes it", async () => {
  const out = `~/${tag}.at`;
  const now = await sh("at now", `echo at-ran > ${out}\n`);
  assert.equal(now.code, 0, now.stderr);
  assert.match(now.stderr, /^job \d+ at /m);
  assert.equal(now.stdout, "");
  await until("the at job wrote its file", 10_000, async () =>
    (await sh(`cat ${out} 2>/dev/null`)).stdout === "at-ran\n" ? true : undefined,
  );
  const later = await sh("at now + 1 hour", `true ${tag}\n`);
  const id = /^job (\d+) at /m.exec(later.stderr)?.[1];
  assert.ok(id, later.stderr);
  assert.match((await sh("atq")).stdout, new RegExp(`^${id}\\t.* ${atd.queue} ${atd.ssh.jobUser}$`, "m"));
  assert.equal((await sh(`atrm ${id}`)).code, 0);
  assert.doesNotMatch((await sh("atq")).stdout, new RegExp(`^${id}\\t`, "m"));
});
