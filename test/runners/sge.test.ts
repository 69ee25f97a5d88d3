import { test } from "node:test";
import assert from "node:assert/strict";
import { ensureSge } from "../helpers/runner-hosts.js";
import { ConfigError } from "../../src/errors.js";
import type { JobRef } from "../../src/runners/runner.js";
import { createSgeRunner } from "../../src/runners/sge/sge-runner.js";
import { sgeDirectives } from "../../src/runners/sge/directives.js";
import { parseQacctCalls, qacctRecords, qacctAnswer } from "../../src/runners/sge/parse-qacct.js";
import { END_LINE } from "../../src/runners/common/query-output.js";
import {
  assertCutsAgree,
  bashMatch,
  fixture,
  canStartHosts,
  randomTexts,
  reply,
  runQuery,
  runSubmit,
  ssh,
  writeJobScript,
} from "./queue-runner-kit.js";

const job = (key: string, jobId: string): JobRef => ({ key, jobId, runnerData: {} });
const dj = {
  key: "a/01",
  jobName: "run1.a.tok123",
  stdout: "~/r/job.out",
  stderr: "/abs/job.err",
  timeLimitS: 300,
  cluster: null,
};

/** A recorded qacct output framed as the accounting query frames each call. */
const framed = (id: string, name: string, rc = 0) => `@@job ${id}\n${fixture(name).trimEnd()}\n@@rc ${rc}\n`;

test("directives: Drover's own lines, h_rt, attributes, raw pass-through, reserved keys", () => {
  const lines = sgeDirectives(
    {
      ...dj,
      attributes: { memoryBytes: 4 * 2 ** 30, cpus: 4, queue: "all.q", account: "p1" },
      raw: { "-P": "proj", "-R": "y" },
    },
    "smp",
  );
  assert.deepEqual(lines, [
    "#$ -N run1.a.tok123",
    "#$ -o $HOME/r/job.out",
    "#$ -e /abs/job.err",
    "#$ -j n",
    "#$ -S /bin/bash",
    "#$ -l h_rt=300",
    "#$ -l h_vmem=1024M",
    "#$ -pe smp 4",
    "#$ -q all.q",
    "#$ -A p1",
    "#$ -P proj",
    "#$ -R y",
  ]);
  for (const key of ["-N", "-o", "-e", "-j", "-S"])
    assert.throws(() => sgeDirectives({ ...dj, raw: { [key]: "x" } }, "smp"), ConfigError, key);
  assert.throws(() => sgeDirectives({ ...dj, attributes: { nodes: 2 } }, "smp"), ConfigError);
  assert.throws(() => sgeDirectives({ ...dj, stdout: "/a:b" }, "smp"), ConfigError);
});

test("submit: qsub -terse, the ID read by bash from the recorded reply", () => {
  const r = createSgeRunner();
  const spec = r.submitCommand({
    key: "a/01",
    token: "tok123",
    scriptPath: "~/r/job",
    stdout: "~/r/o",
    stderr: "~/r/e",
    timeLimitS: null,
  });
  assert.deepEqual(spec.argv, ["qsub", "-terse", { path: "~/r/job" }]);
  assert.equal(bashMatch(spec.idPattern ?? "", fixture("sge-qsub-terse.txt")), "32");
  assert.equal(r.parseSubmit({ rc: 0, id: "32", start: "", boot: "", output: "32" }).jobId, "32");
  assert.equal(
    r.parseSubmit({ rc: 1, id: "", start: "", boot: "", output: "Unable to run job" }).jobId,
    null,
  );
});

test("poll: recorded qstat states (r, Eqw, hqw, qw) listed, others unlisted; empty queue", () => {
  const r = createSgeRunner();
  const text = fixture("sge-qstat-states.txt");
  const rows = text.split("\n").flatMap((l) => {
    const m = /^\s*([0-9]+)\s+\S+\s+\S+\s+\S+\s+(\S+)\s/.exec(l);
    return m ? [{ id: m[1] as string, state: m[2] as string }] : [];
  });
  assert.deepEqual(rows.map((x) => x.state).sort(), ["Eqw", "hqw", "qw", "r"]);
  const jobs = [...rows.map((x) => job(`j${x.id}`, x.id)), job("gone", "999999")];
  const p = r.parsePoll(reply(text), jobs);
  assert.ok(p.ok);
  for (const x of rows) assert.deepEqual(p.answers.get(`j${x.id}`), { kind: "listed", runnerState: x.state });
  assert.deepEqual(p.answers.get("gone"), { kind: "unlisted" });
  const empty = r.parsePoll(reply(fixture("sge-qstat-empty.txt")), jobs);
  assert.ok(empty.ok && [...empty.answers.values()].every((a) => a.kind === "unlisted"));
  for (const s of ["t", "Rr", "s", "S", "T", "dr", "hRwq", "Ehqw"]) {
    const row = `job-ID  prior   name       user         state submit/start at     queue\n${"-".repeat(40)}\n     7 0.5 x u ${s}     11/26/2026 13:49:24 all.q@vm 1\n`;
    const q = r.parsePoll(reply(row), [job("k", "7")]);
    assert.ok(q.ok && q.answers.get("k")?.kind === "listed", s);
  }
});

test("a failing or cut qstat is a poll error", () => {
  const r = createSgeRunner();
  const jobs = [job("k", "24")];
  assert.equal(
    r.parsePoll(
      { rc: 1, text: "error: commlib error: can't connect to service (Connection refused)\n", boot: "" },
      jobs,
    ).ok,
    false,
  );
  assert.equal(r.parsePoll({ rc: 0, text: "", boot: "" }, jobs).ok, false);
  assertCutsAgree(
    (text) => r.parsePoll({ rc: 0, text, boot: "" }, jobs),
    reply(fixture("sge-qstat-states.txt")).text,
  );
  for (const t of randomTexts(300)) {
    assert.doesNotThrow(() => r.parsePoll({ rc: 0, text: `${t}\n${END_LINE}\n`, boot: "" }, jobs));
    assert.doesNotThrow(() =>
      r.accounting?.parse({ rc: 0, text: `@@job 24\n${t}\n@@rc 0\n${END_LINE}\n`, boot: "" }, jobs),
    );
    assert.doesNotThrow(() =>
      r.parseLookup({ rc: 0, text: `@@lookup tok123\n${t}\n${END_LINE}\n`, boot: "" }),
    );
  }
});

test("accounting: recorded qacct records map to completed, exit 3, cancelled (qdel), walltime (h_rt)", () => {
  const r = createSgeRunner();
  const idOf = (name: string) => /^jobnumber\s+([0-9]+)/m.exec(fixture(name))?.[1] ?? "?";
  const names = {
    ok: "sge-qacct-completed.txt",
    fail: "sge-qacct-failed.txt",
    del: "sge-qacct-deleted.txt",
    tmo: "sge-qacct-timeout.txt",
  };
  const jobs = [...Object.entries(names).map(([k, n]) => job(k, idOf(n))), job("new", "999999")];
  const text =
    Object.values(names)
      .map((n) => framed(idOf(n), n))
      .join("") + framed("999999", "sge-qacct-unknown-stderr.txt", 1);
  const a = r.accounting?.parse(reply(text), jobs);
  assert.ok(a instanceof Map);
  const got = Object.fromEntries([...a].map(([k, v]) => [k, `${v.terminal}:${v.exitCode}`]));
  // The job qacct does not know yet (flush time) has no answer rather than "vanished".
  assert.deepEqual(got, { ok: "completed:0", fail: "failed:3", del: "cancelled:137", tmo: "walltime:137" });
  // A frame cut before its rc line, or a job without a frame, is an error.
  assert.ok("error" in (parseQacctCalls(["@@job 25", "failed 0"], ["25"]) as object));
  assert.ok("error" in (parseQacctCalls([], ["25"]) as object));
  const other = parseQacctCalls(["@@job 25", "error: unknown failure", "@@rc 2"], ["25"]);
  assert.ok("error" in other);
  // Setup failures before the job ran: failed with no exit code of its own.
  const recs = qacctRecords([
    "=".repeat(20),
    "failed       26  : opening input/output file",
    "exit_status  0",
  ]);
  assert.ok(Array.isArray(recs) && recs[0] !== undefined);
  assert.deepEqual(qacctAnswer(recs[0]), {
    terminal: "failed",
    exitCode: null,
    raw: "failed 26  : opening input/output file; exit_status 0; ru_wallclock ?",
  });
});

test("lookup: the full job name in qstat -r, then a finished job by qacct's name pattern", () => {
  const r = createSgeRunner();
  const q = r.lookupQuery({ key: "a/01", scriptPath: "~/x/job", token: "t1795700962" });
  assert.ok(q !== null && q.kind === "command");
  const qs = fixture("sge-qstat-drover-format.txt");
  const runningId = /^\s*([0-9]+)\s.*\n\s+Full jobname:\s+drv_running\s*$/m.exec(qs)?.[1];
  assert.ok(runningId !== undefined);
  const queued = `@@lookup drv_running\n${qs}@@qacct\nerror: job name *.drv_running not found\n@@rc 1\n`;
  assert.deepEqual(r.parseLookup(reply(queued)), {
    ok: true,
    answer: { kind: "found", jobId: runningId },
    runnerData: {},
  });
  const pat = fixture("sge-qacct-pattern.txt");
  const name = /^jobname\s+(\S+)/m.exec(pat)?.[1] ?? "";
  const token = name.slice(name.lastIndexOf(".") + 1);
  const doneId = /^jobnumber\s+([0-9]+)/m.exec(pat)?.[1];
  const done = `@@lookup ${token}\n@@qacct\n${pat}@@rc 0\n`;
  assert.deepEqual(r.parseLookup(reply(done)), {
    ok: true,
    answer: { kind: "found", jobId: doneId },
    runnerData: {},
  });
  const none = `@@lookup tok999999\n@@qacct\nerror: job name *.tok999999 not found\n@@rc 1\n`;
  assert.deepEqual(r.parseLookup(reply(none)), { ok: true, answer: { kind: "not-found" }, runnerData: {} });
});

test(
  "real Grid Engine: submit held, poll, lookup, qdel, poll",
  { skip: !canStartHosts && "the runner test hosts need root" },
  () => {
    ensureSge();
    const r = createSgeRunner();
    const dir = "~/drv-sge-runner-test";
    const token = `t${Date.now()}`;
    const lines = sgeDirectives(
      {
        key: "a/01",
        jobName: `rt.a.${token}`,
        stdout: `${dir}/job.out`,
        stderr: `${dir}/job.err`,
        timeLimitS: 60,
        cluster: null,
        raw: { "-h": "" },
      },
      "smp",
    );
    writeJobScript(dir, lines);
    const sub = runSubmit(
      r.submitCommand({
        key: "a/01",
        token,
        scriptPath: `${dir}/job`,
        stdout: "",
        stderr: "",
        timeLimitS: 60,
      }),
    );
    const parsed = r.parseSubmit({ rc: sub.rc, id: sub.id, start: "", boot: "", output: sub.output });
    assert.match(parsed.jobId ?? "", /^[0-9]+$/, sub.output);
    const j = job("a/01", parsed.jobId as string);
    const q = r.pollQuery([j]);
    assert.ok(q.kind === "command");
    const p = r.parsePoll(runQuery(q.spec), [j]);
    assert.ok(p.ok, p.ok ? "" : p.error);
    assert.deepEqual(p.answers.get("a/01"), { kind: "listed", runnerState: "hqw" });
    const l = r.lookupQuery({ key: "a/01", scriptPath: `${dir}/job`, token });
    assert.ok(l !== null && l.kind === "command");
    assert.deepEqual(r.parseLookup(runQuery(l.spec)), {
      ok: true,
      answer: { kind: "found", jobId: j.jobId },
      runnerData: {},
    });
    const k = r.killAction(j);
    assert.ok(k.kind === "command");
    assert.equal(runQuery(k.spec).rc, 0);
    const after = r.parsePoll(runQuery(q.spec), [j]);
    assert.ok(after.ok);
    assert.deepEqual(after.answers.get("a/01"), { kind: "unlisted" });
    // Never started: qacct has nothing for it (no answer, not an error).
    const acct = r.accounting?.parse(runQuery(r.accounting.query([j])), [j]);
    assert.ok(acct instanceof Map && !acct.has("a/01"));
    ssh(`rm -rf ${dir}`);
  },
);
