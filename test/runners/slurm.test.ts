import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors.js";
import type { JobRef, QueryReply } from "../../src/runners/runner.js";
import { createSlurmRunner, splitSlurmId } from "../../src/runners/slurm/slurm-runner.js";
import { slurmDirectives } from "../../src/runners/slurm/directives.js";
import { SLURM_STATES } from "../../src/runners/slurm/states.js";
import { END_LINE } from "../../src/runners/common/query-output.js";
import { assertCutsAgree, bashMatch, fixture, randomTexts, reply } from "./queue-runner-kit.js";

const job = (key: string, jobId: string): JobRef => ({ key, jobId, runnerData: {} });
const dj = {
  key: "a/01",
  jobName: "run1.a.tok123",
  stdout: "~/r/log/job/a/01/job.out",
  stderr: "/abs/job.err",
  timeLimitS: 300,
  cluster: null,
};

test("directives: Drover's own lines, the signal lead, generic attributes and raw pass-through", () => {
  const lines = slurmDirectives(
    {
      ...dj,
      attributes: { memoryBytes: 1.5 * 2 ** 30, cpus: 4, nodes: 2, queue: "short", account: "proj1" },
      raw: { "--exclusive": "", "-C": "gpu", "--gres": "gpu:1" },
    },
    60,
  );
  assert.deepEqual(lines, [
    "#SBATCH --job-name=run1.a.tok123",
    "#SBATCH --output=r/log/job/a/01/job.out",
    "#SBATCH --error=/abs/job.err",
    "#SBATCH --open-mode=append",
    "#SBATCH --time=7",
    "#SBATCH --signal=B:XCPU@60",
    "#SBATCH --mem=1536M",
    "#SBATCH --cpus-per-task=4",
    "#SBATCH --nodes=2",
    "#SBATCH --partition=short",
    "#SBATCH --account=proj1",
    "#SBATCH --exclusive",
    "#SBATCH -C gpu",
    "#SBATCH --gres=gpu:1",
  ]);
  // 61 s + 60 s lead rounds up to 3 minutes; no limit, no --time and no signal.
  assert.ok(slurmDirectives({ ...dj, timeLimitS: 61 }, 60).includes("#SBATCH --time=4"));
  assert.ok(!slurmDirectives({ ...dj, timeLimitS: null }, 60).some((l) => /--time|--signal/.test(l)));
  for (const key of ["--job-name", "-J", "--signal", "--ti", "-M", "--clusters", "--open-mode", "-o"])
    assert.throws(() => slurmDirectives({ ...dj, raw: { [key]: "x" } }, 60), ConfigError, key);
  assert.throws(() => slurmDirectives({ ...dj, raw: { "--x": "a\nb" } }, 60), ConfigError);
  assert.throws(() => slurmDirectives({ ...dj, jobName: "a b" }, 60), ConfigError);
  assert.throws(() => slurmDirectives({ ...dj, attributes: { cpus: 0 } }, 60), ConfigError);
  assert.throws(() => slurmDirectives({ ...dj, stdout: "/a b/out" }, 60), ConfigError);
});

test("submit: argv, -M and -D, and the ID read from real sbatch output by bash", () => {
  const r = createSlurmRunner({ cluster: "drvslurm2" });
  const spec = r.submitCommand({
    key: "a/01",
    token: "tok123",
    scriptPath: "~/r/job",
    stdout: "~/r/job.out",
    stderr: "~/r/job.err",
    timeLimitS: null,
  });
  assert.deepEqual(spec.argv, [
    "sbatch",
    "--parsable",
    "-M",
    "drvslurm2",
    "-D",
    { path: "~" },
    { path: "~/r/job" },
  ]);
  assert.equal(spec.stdin, "/dev/null");
  const pat = spec.idPattern ?? "";
  const withCluster = fixture("slurm-sbatch-parsable-M.txt").trim();
  assert.match(withCluster, /^[0-9]+;drvslurm2$/);
  assert.equal(bashMatch(pat, `${withCluster}\n`), withCluster);
  const plain = fixture("slurm-sbatch-parsable.txt").trim();
  assert.match(plain, /^[0-9]+$/);
  assert.equal(bashMatch(pat, `sbatch: warning: 2 cores asked\n${plain}\n`), plain);
  const ok = r.parseSubmit({ rc: 0, id: "25", start: "", boot: "b", output: "25" });
  assert.equal(ok.jobId, "25;drvslurm2");
  assert.equal(
    createSlurmRunner().parseSubmit({ rc: 0, id: "25", start: "", boot: "", output: "" }).jobId,
    "25",
  );
  const bad = r.parseSubmit({
    rc: 1,
    id: "",
    start: "",
    boot: "",
    output: "sbatch: error: Batch job submission failed: Invalid account",
  });
  assert.equal(bad.jobId, null);
  assert.match(bad.error ?? "", /Invalid account/);
  assert.deepEqual(splitSlurmId("12;c-2"), { id: "12", cluster: "c-2" });
  assert.equal(splitSlurmId("12;c 2"), null);
});

/** Rows of a recorded table in the runner's format: id, state, reason, name. */
const rowsOf = (text: string) =>
  text.split("\n").flatMap((l) => {
    const m = /^([0-9]+)\|([A-Z_]+)\|([^|]*)\|(.*)$/.exec(l);
    return m ? [{ id: m[1] as string, state: m[2] as string, reason: m[3] as string }] : [];
  });

/** The recorded `-M` poll, in the runner's column order (derived from slurm-squeue-M.txt's columns). */
function multiClusterTable(): string {
  return fixture("slurm-squeue-M.txt")
    .split("\n")
    .map((l) => {
      if (l.startsWith("JOBID|")) return "JOBID|STATE|REASON|NAME";
      const f = l.split("|");
      return f.length >= 4 ? `${f[0]}|${f[2]}|${f[3]}|${f[1]}` : l;
    })
    .join("\n");
}

test("poll: every row of the recorded table, listed or ended as the state table says", () => {
  const r = createSlurmRunner();
  const text = fixture("slurm-squeue-drover-format.txt");
  const rows = rowsOf(text);
  assert.ok(
    rows.some((x) => SLURM_STATES[x.state]?.listed) && rows.some((x) => !SLURM_STATES[x.state]?.listed),
  );
  const jobs = [...rows.map((x) => job(`j${x.id}`, x.id)), job("missing", "999999")];
  const p = r.parsePoll(reply(text), jobs);
  assert.ok(p.ok, p.ok ? "" : p.error);
  for (const x of rows) {
    const why = x.reason === "None" ? "" : ` (${x.reason})`;
    const want = SLURM_STATES[x.state]?.listed
      ? {
          kind: "listed",
          runnerState: `${x.state}${why}`,
          pending: ["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED"].includes(x.state),
        }
      : { kind: "unlisted" };
    assert.deepEqual(p.answers.get(`j${x.id}`), want, x.id);
  }
  assert.deepEqual(p.answers.get("missing"), { kind: "unlisted" });
});

test("poll with -M: each cluster's section answers its own IDs (the same ID on two clusters)", () => {
  const r = createSlurmRunner({ cluster: "drvslurm" });
  const table = multiClusterTable();
  const [first, second] = table.split("\n\n") as [string, string];
  const jobs = [
    ...rowsOf(first).map((x) => job(`1:${x.id}`, `${x.id};drvslurm`)),
    ...rowsOf(second).map((x) => job(`2:${x.id}`, `${x.id};drvslurm2`)),
    job("plain", `${rowsOf(first)[0]?.id}`),
    job("none", "999999;drvslurm2"),
  ];
  const q = r.pollQuery(jobs);
  assert.ok(q.kind === "command");
  assert.deepEqual(q.spec.argv.slice(-2), ["-M", "drvslurm,drvslurm2"]);
  const p = r.parsePoll(reply(table), jobs);
  assert.ok(p.ok, p.ok ? "" : p.error);
  for (const [sec, rows] of [
    ["1", rowsOf(first)],
    ["2", rowsOf(second)],
  ] as const)
    for (const x of rows)
      assert.equal(
        p.answers.get(`${sec}:${x.id}`)?.kind,
        SLURM_STATES[x.state]?.listed ? "listed" : "unlisted",
      );
  assert.equal(p.answers.get("plain")?.kind, "listed");
  assert.deepEqual(p.answers.get("none"), { kind: "unlisted" });
  // The same ID on both clusters: each section answers for its own cluster.
  const same =
    "CLUSTER: drvslurm\nJOBID|STATE|REASON|NAME\n8|RUNNING|None|x\n\nCLUSTER: drvslurm2\nJOBID|STATE|REASON|NAME\n8|COMPLETED|None|y\n";
  const both = r.parsePoll(reply(same), [job("a", "8;drvslurm"), job("b", "8;drvslurm2")]);
  assert.ok(
    both.ok && both.answers.get("a")?.kind === "listed" && both.answers.get("b")?.kind === "unlisted",
  );
  // A cluster asked for but missing from the output is an error, not "jobs gone".
  assert.equal(r.parsePoll(reply(first), jobs).ok, false);
});

test("every state of the table: listed states stay listed, terminal ones end the job", () => {
  const r = createSlurmRunner();
  for (const [state, meaning] of Object.entries(SLURM_STATES)) {
    const p = r.parsePoll(reply(`JOBID|STATE|REASON|NAME\n7|${state}|None|x\n`), [job("k", "7")]);
    assert.ok(p.ok, state);
    assert.equal(p.answers.get("k")?.kind, meaning.listed ? "listed" : "unlisted", state);
  }
  for (const s of ["PD", "CF", "R", "CG", "RQ", "RH", "RF", "RS", "S"].map(
    (a) =>
      ({
        PD: "PENDING",
        CF: "CONFIGURING",
        R: "RUNNING",
        CG: "COMPLETING",
        RQ: "REQUEUED",
        RH: "REQUEUE_HOLD",
        RF: "REQUEUE_FED",
        RS: "RESIZING",
        S: "SUSPENDED",
      })[a],
  ))
    assert.equal(SLURM_STATES[s as string]?.listed, true, s);
  const unknown = r.parsePoll(reply("JOBID|STATE|REASON|NAME\n7|WEIRD|None|x\n"), [job("k", "7")]);
  assert.equal(unknown.ok, false);
  // Another job's unknown state does not fail the poll.
  assert.equal(r.parsePoll(reply("JOBID|STATE|REASON|NAME\n8|WEIRD|None|x\n"), [job("k", "7")]).ok, true);
});

test("a failing squeue is a poll error, never 'jobs gone' (recorded: controller down, munge down)", () => {
  const r = createSlurmRunner();
  const jobs = [job("k", "7")];
  const failures: QueryReply[] = [
    { rc: 1, text: fixture("slurm-squeue-ctld-down-stderr.txt"), boot: "" },
    { rc: 1, text: fixture("slurm-squeue-munge-down-stderr.txt"), boot: "" },
    reply(fixture("slurm-squeue-munge-down-stderr.txt")),
    reply(fixture("slurm-squeue-ctld-down-stderr.txt")),
    {
      rc: 1,
      text: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n",
      boot: "",
    },
    {
      rc: 1,
      text: 'squeue: error: Munge encode failed: Failed to access "/run/munge/munge.socket.2": No such file or directory\n',
      boot: "",
    },
    { rc: 0, text: "slurm_load_jobs error: Socket timed out on send/recv operation\n", boot: "" },
    { rc: 0, text: "", boot: "" },
    { rc: 0, text: `${END_LINE}\n`, boot: "" },
    reply("slurm_load_jobs error: Socket timed out on send/recv operation"),
  ];
  for (const f of failures) {
    const p = r.parsePoll(f, jobs);
    assert.equal(p.ok, false, f.text);
  }
  const p = r.parsePoll(reply("slurm_load_jobs error: Unable to contact slurm controller"), jobs);
  assert.ok(!p.ok && /could not reach Slurm/.test(p.error));
});

test("truncation at every cut point and random bytes: no throw, and never a listed job read as gone", () => {
  const r = createSlurmRunner({ cluster: "drvslurm" });
  const table = multiClusterTable();
  const jobs = rowsOf(table).map((x, i) => job(`k${i}`, `${x.id};${i < 3 ? "drvslurm" : "drvslurm2"}`));
  assertCutsAgree((text) => r.parsePoll({ rc: 0, text, boot: "" }, jobs), reply(table).text);
  for (const text of randomTexts(300)) {
    for (const t of [text, `${text}\n${END_LINE}\n`, `JOBID|STATE|REASON|NAME\n${text}\n${END_LINE}\n`]) {
      assert.doesNotThrow(() => r.parsePoll({ rc: 0, text: t, boot: "" }, jobs));
      assert.doesNotThrow(() => r.accounting?.parse({ rc: 0, text: t, boot: "" }, jobs));
      assert.doesNotThrow(() => r.parseLookup({ rc: 0, text: t, boot: "" }));
    }
  }
});
