import { test } from "node:test";
import assert from "node:assert/strict";
import { createSlurmRunner } from "../../src/runners/slurm/slurm-runner.js";
import { createSgeRunner } from "../../src/runners/sge/sge-runner.js";
import { createAtRunner } from "../../src/runners/at/at-runner.js";
import { createPbsRunner } from "../../src/runners/pbs/pbs-runner.js";
import { createLsfRunner } from "../../src/runners/lsf/lsf-runner.js";
import type { LookupJob, ParsedLookups, QueryReply, Runner } from "../../src/runners/runner.js";
import { END_LINE } from "../../src/runners/common/query-output.js";
import { runnerJobName } from "../../src/runners/common/batch-common.js";
import { reply } from "./queue-runner-kit.js";

/** 100 jobs to look up, tokens like Drover's (24 hex characters). */
const JOBS: LookupJob[] = Array.from({ length: 100 }, (_, i) => ({
  key: `j${i}/01`,
  token: `${i.toString(16).padStart(4, "0")}${"ab".repeat(10)}`,
  scriptPath: `~/r/log/job/j${i}/01/job`,
}));
const tok = (i: number) => (JOBS[i] as LookupJob).token;

/** The reading of `x` by runner `r`, for JOBS. */
function lk(r: Runner, x: QueryReply): ParsedLookups {
  assert.ok(r.parseLookups, `${r.name} has parseLookups`);
  return r.parseLookups(x, JOBS);
}

/** The keys found (with IDs) and not found of a reading; throws on an error. */
function read(p: ParsedLookups): { found: Map<string, string>; notFound: number } {
  assert.ok(p instanceof Map, `expected answers, got ${JSON.stringify(p)}`);
  const found = new Map<string, string>();
  let notFound = 0;
  for (const [k, a] of p) {
    if (a.answer.kind === "found") found.set(k, a.answer.jobId);
    else notFound++;
  }
  return { found, notFound };
}

/** One query for all jobs, and the replies every runner must refuse. */
function checkCommon(r: Runner, good: QueryReply): void {
  const qs = r.lookupsQuery?.(JOBS) ?? [];
  assert.equal(qs.length, 1, `${r.name}: one query for 100 jobs`);
  assert.equal(qs[0]?.jobs.length, 100);
  const parse = (x: QueryReply) => (r.parseLookups as NonNullable<Runner["parseLookups"]>)(x, JOBS);
  // A failed, cut or garbled reply answers no job: never "not found".
  assert.ok("error" in parse({ ...good, rc: 1 }), `${r.name}: rc 1`);
  assert.ok("error" in parse({ ...good, rc: -1 }), `${r.name}: rc -1`);
  assert.ok("error" in parse({ rc: 0, text: "", boot: "" }), `${r.name}: empty`);
  assert.ok("error" in parse({ rc: 0, text: "garbage\x00\n", boot: "" }), `${r.name}: garbage`);
  // Up to the last newline (the reply parser may drop that one: the end line is still whole).
  for (let cut = 1; cut < good.text.length - 1; cut += Math.max(1, Math.floor(good.text.length / 37))) {
    const p = parse({ ...good, text: good.text.slice(0, cut) });
    // A cut reply is an error, or (never) more "not found" than the whole one.
    if (!("error" in p)) assert.fail(`${r.name}: reply cut at ${cut} read as ${JSON.stringify([...p])}`);
  }
  // Bad tokens are never asked nor answered.
  const bad = { key: "x/01", token: "a b;rm", scriptPath: "~/j" };
  assert.deepEqual(r.lookupsQuery?.([bad]), []);
}

test("slurm: one squeue and one sacct for 100 jobs; tokens matched in names; -M cluster", () => {
  const r = createSlurmRunner({ cluster: "c2" });
  const [q] = r.lookupsQuery?.(JOBS) ?? [];
  assert.ok(q);
  assert.ok(
    q.spec.argv.every((a) => typeof a !== "string" || !a.includes(tok(5))),
    "no token in argv",
  );
  assert.deepEqual(q.spec.argv.slice(-2), ["-M", "c2"]);
  const body =
    "CLUSTER: c2\nJOBID|STATE|REASON|NAME\n" +
    `71|RUNNING|None|run.j1.${tok(1)}\n72_3|PENDING|None|run.j2.${tok(2)}\n9|RUNNING|None|other\n` +
    `@@sacct\nsacct: warning: x\nJobID|Cluster|JobName\n60|c2|run.j3.${tok(3)}\n61|c2|${tok(4)}\n` +
    `62.batch|c2|run.j5.${tok(5)}\n63|c2|run.j6.${tok(6)}x\n`;
  const good = reply(body);
  const got = read(lk(r, good));
  assert.deepEqual(
    [...got.found],
    [
      ["j1/01", "71;c2"],
      ["j3/01", "60;c2"],
      ["j4/01", "61;c2"],
    ],
  );
  assert.equal(got.notFound, 97);
  checkCommon(r, good);
  // The sacct section is required with accounting, its header too.
  assert.ok("error" in lk(r, reply("CLUSTER: c2\nJOBID|STATE|REASON|NAME\n")));
  assert.ok("error" in lk(r, reply(body.replace("JobID|Cluster|JobName\n", ""))));
  // Without accounting: squeue alone.
  const plain = createSlurmRunner({ accounting: false });
  const [pq] = plain.lookupsQuery?.(JOBS) ?? [];
  assert.ok(pq && !String(pq.spec.argv[2]).includes("sacct"));
  const p = read(lk(plain, reply(`JOBID|STATE|REASON|NAME\n5|PENDING|None|a.${tok(0)}\n`)));
  assert.deepEqual([...p.found], [["j0/01", "5"]]);
});

test("sge: one qstat -r and one qacct for 100 jobs; an empty history is not an error", () => {
  const r = createSgeRunner();
  const qs =
    "job-ID  prior   name       user         state submit/start at     queue   slots ja-task-ID\n" +
    "-----------------------------------------------------------------------------------------\n" +
    "     12 0.55500 run.j0.000 drvjob       qw    11/26/2026 11:40:00                 1\n" +
    `       Full jobname:     run.j0.${tok(0)}\n`;
  const acct = `${"=".repeat(62)}\njobname      run.j7.${tok(7)}\njobnumber    150\n${"=".repeat(119)}\n`;
  const good = reply(`${qs}@@qacct\n${acct}@@rc 0\n`);
  const got = read(lk(r, good));
  assert.deepEqual(
    [...got.found],
    [
      ["j0/01", "12"],
      ["j7/01", "150"],
    ],
  );
  assert.equal(got.notFound, 98);
  checkCommon(r, good);
  const none = read(lk(r, reply("@@qacct\nerror: unable to open accounting file\n@@rc 1\n")));
  assert.equal(none.notFound, 100);
  assert.ok("error" in lk(r, reply("@@qacct\nerror: qmaster down\n@@rc 1\n")));
  assert.ok("error" in lk(r, reply("@@qacct\njobnumber    x\n@@rc 0\n")));
});

test("at: one atq and at -c per at job; an unreadable at job leaves the rest unanswered", () => {
  const r = createAtRunner();
  const good = reply(`@@job 3 ${tok(9)}\n@@job 4 -\n@@job 5 some other text\n`);
  const got = read(lk(r, good));
  assert.deepEqual([...got.found], [["j9/01", "3"]]);
  assert.equal(got.notFound, 99);
  checkCommon(r, good);
  const unread = read(lk(r, reply(`@@job 3 ${tok(9)}\n@@unread 4\n`)));
  assert.deepEqual([...unread.found], [["j9/01", "3"]]);
  assert.equal(unread.notFound, 0);
  assert.ok("error" in lk(r, reply("@@bad x\n")));
});

test("pbs: qselect per name in one command, split by argv size; every name needs its answer", () => {
  const r = createPbsRunner({ runTag: "run" });
  // Without a run tag of its own, the run's name comes with each job looked up.
  const plain = createPbsRunner();
  const asked = plain.lookupsQuery?.(JOBS.map((j) => ({ ...j, runName: "run" }))) ?? [];
  assert.equal(asked.flatMap((c) => c.jobs).length, 100);
  assert.deepEqual(plain.lookupsQuery?.(JOBS), [], "no run name anywhere: nothing to ask by name");
  const name = (i: number) => runnerJobName("run", `j${i}`, tok(i), 236);
  const sections = JOBS.map((_, i) => `@@name ${name(i)}\n${i === 4 ? "44.server\n" : ""}`).join("");
  const good = reply(sections);
  const got = read(lk(r, good));
  assert.deepEqual([...got.found], [["j4/01", "44.server"]]);
  assert.equal(got.notFound, 99);
  checkCommon(r, good);
  assert.ok("error" in lk(r, reply(sections.replace(`@@name ${name(7)}\n`, ""))));
  assert.ok("error" in lk(r, reply(`${sections}qselect: error\n`)));
  const small = createPbsRunner({ runTag: "run", pollBudget: 1000 });
  const chunks = small.lookupsQuery?.(JOBS) ?? [];
  assert.ok(chunks.length > 1);
  assert.equal(chunks.flatMap((c) => c.jobs).length, 100);
});

test("lsf: one bjobs -a listing; no job at all is an empty list", () => {
  const r = createLsfRunner({ runTag: "run" });
  // Names are matched to tokens here: no run name is needed to ask.
  assert.equal(createLsfRunner().lookupsQuery?.(JOBS).length, 1);
  const doc = {
    COMMAND: "bjobs",
    JOBS: 2,
    RECORDS: [
      { JOBID: "801", STAT: "RUN", JOB_NAME: `run.j2.${tok(2)}` },
      { JOBID: "802", STAT: "DONE", JOB_NAME: "unrelated" },
    ],
  };
  const good: QueryReply = { rc: 0, text: `${JSON.stringify(doc, null, 1)}\n`, boot: "" };
  const got = read(lk(r, good));
  assert.deepEqual([...got.found], [["j2/01", "801"]]);
  assert.equal(got.notFound, 99);
  const none = read(lk(r, { rc: 255, text: "No job found\n", boot: "" }));
  assert.equal(none.notFound, 100);
  assert.equal(r.lookupsQuery?.(JOBS).length, 1);
  const parse = (x: QueryReply) => lk(r, x);
  assert.ok("error" in parse({ ...good, rc: 1 }));
  assert.ok("error" in parse({ rc: 0, text: "", boot: "" }));
  assert.ok("error" in parse({ rc: 0, text: "garbage\n", boot: "" }));
  for (let cut = 1; cut < good.text.length; cut += 7)
    assert.ok("error" in parse({ ...good, text: good.text.slice(0, cut) }), `cut at ${cut}`);
});

test("the end line alone is still a well-formed empty queue only where the runner says so", () => {
  // at with no at jobs at all: every job not found.
  const at = read(lk(createAtRunner(), { rc: 0, text: `${END_LINE}\n`, boot: "" }));
  assert.equal(at.notFound, 100);
  // Slurm needs squeue's header: an empty reply is an error.
  assert.ok("error" in lk(createSlurmRunner(), reply("")));
});
