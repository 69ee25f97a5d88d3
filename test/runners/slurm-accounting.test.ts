/** The Slurm runner: accounting, argv-sized ID lists, lookups and squeue end states. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ensureSlurm } from "../helpers/runner-hosts.js";
import type { JobRef } from "../../src/runners/runner.js";
import { createSlurmRunner } from "../../src/runners/slurm/slurm-runner.js";
import { slurmDirectives } from "../../src/runners/slurm/directives.js";
import { SLURM_STATES } from "../../src/runners/slurm/states.js";
import { chunkIds } from "../../src/runners/common/query-output.js";
import {
  fixture,
  canStartHosts,
  reply,
  runQuery,
  runSubmit,
  ssh,
  writeJobScript,
} from "./queue-runner-kit.js";

const job = (key: string, jobId: string): JobRef => ({ key, jobId, runnerData: {} });

test("accounting: terminal states from the recorded sacct table, with exit codes; disabled is an error", () => {
  const r = createSlurmRunner();
  const text = fixture("slurm-sacct-drover-format.txt");
  const rows = text.split("\n").flatMap((l) => {
    const m = /^([0-9]+)\|([^|]*)\|([^|]+)\|([0-9]+):([0-9]+)$/.exec(l);
    return m
      ? [{ id: m[1] as string, state: (m[3] as string).split(" ")[0] as string, code: Number(m[4]) }]
      : [];
  });
  assert.ok(
    rows.some((x) => x.state === "FAILED" && x.code > 0) && rows.some((x) => x.state === "CANCELLED"),
  );
  const jobs = [...rows.map((x) => job(`j${x.id}`, x.id)), job("unknown", "999999")];
  const a = r.accounting?.parse(reply(text), jobs);
  assert.ok(a instanceof Map);
  const want: Record<string, string> = { COMPLETED: "completed", FAILED: "failed", CANCELLED: "cancelled" };
  for (const x of rows) {
    // Pending and running jobs have no terminal state yet: no answer.
    const got = a.get(`j${x.id}`);
    if (SLURM_STATES[x.state]?.listed) assert.equal(got, undefined, x.id);
    else assert.deepEqual([got?.terminal, got?.exitCode], [want[x.state], x.code], x.id);
  }
  assert.equal(a.has("unknown"), false);
  // The recorded time-limit row (slurm-sacct-timeout.txt) in the runner's fields.
  const tmo = /^([0-9]+)\|[^|]*\|(TIMEOUT)\|([0-9:]+)/m.exec(fixture("slurm-sacct-timeout.txt"));
  assert.ok(tmo);
  const t = r.accounting?.parse(
    reply(`JobID|Cluster|State|ExitCode\n${tmo[1]}|drvslurm|TIMEOUT|${tmo[3]}\n`),
    [job("t", `${tmo[1]}`)],
  );
  assert.ok(t instanceof Map && t.get("t")?.terminal === "walltime");
  const more =
    "JobID|Cluster|State|ExitCode\n1|c|TIMEOUT|0:15\n2|c|OUT_OF_MEMORY|0:125\n3|c|NODE_FAIL|0:0\n4|c|PREEMPTED|0:15\n5|c|FAILED|0:9\n";
  const m = r.accounting?.parse(
    reply(more),
    ["1", "2", "3", "4", "5"].map((id) => job(id, `${id};c`)),
  );
  assert.ok(m instanceof Map);
  assert.deepEqual(
    [...m.values()].map((x) => [x.terminal, x.exitCode, x.signal ?? null]),
    [
      ["walltime", 143, "TERM"],
      ["oom", 253, null],
      ["node_fail", 0, null],
      ["preempted", 143, "TERM"],
      ["failed", 137, "KILL"],
    ],
  );
  const off = r.accounting?.parse(reply("Slurm accounting storage is disabled"), jobs);
  assert.ok(off !== undefined && "error" in off && /disabled/.test(String(off.error)));
  assert.ok(createSlurmRunner({ accounting: false }).accounting === undefined);
});

test("ID lists are split by argv size; IDs that do not fit wait for a later round", () => {
  const ids = Array.from({ length: 1000 }, (_, i) => String(100000 + i));
  const { words, asked, left } = chunkIds(ids, 70, 3500);
  assert.ok(words.every((w) => Buffer.byteLength(w) <= 70));
  assert.equal(words.join(",").split(",").length, asked.size);
  assert.equal(asked.size + left.length, 1000);
  assert.equal(asked.size, 500);
  const spec = createSlurmRunner().accounting?.query(ids.map((id) => job(id, id)));
  assert.equal(spec?.argv.length, 5 + 1); // sh -c script $0, the cluster word, one chunk
});

test("lookup by token in the recorded queue", () => {
  const r = createSlurmRunner();
  const q = r.lookupQuery({ key: "a/01", scriptPath: "~/x/job", token: "t1795700962" });
  assert.ok(q !== null && q.kind === "command");
  const body = `@@lookup t1795700962 -\nJOBID|STATE|REASON|NAME\n30|RUNNING|None|drv_a.t1795700962\n@@sacct\nJobID|Cluster|JobName\n`;
  assert.deepEqual(r.parseLookup(reply(body)), {
    ok: true,
    answer: { kind: "found", jobId: "30" },
    runnerData: {},
  });
  const gone = `@@lookup tok999999 drvslurm2\nCLUSTER: drvslurm2\nJOBID|STATE|REASON|NAME\n@@sacct\nJobID|Cluster|JobName\n41|drvslurm2|run.a.tok999999\n`;
  assert.deepEqual(r.parseLookup(reply(gone)), {
    ok: true,
    answer: { kind: "found", jobId: "41;drvslurm2" },
    runnerData: {},
  });
  assert.equal(r.lookupQuery({ key: "a/01", scriptPath: "~/x/job" }), null);
});

test(
  "real Slurm: submit a held job, poll it, lookup, cancel, poll and account",
  { skip: !canStartHosts && "the runner test hosts need root" },
  () => {
    ensureSlurm();
    const r = createSlurmRunner({ cluster: "drvslurm2" });
    const dir = `~/drv-slurm-runner-test`;
    const token = `t${Date.now()}`;
    const lines = slurmDirectives(
      {
        key: "a/01",
        jobName: `rt.a.${token}`,
        stdout: `${dir}/job.out`,
        stderr: `${dir}/job.err`,
        timeLimitS: 60,
        cluster: null,
        raw: { "--hold": "" },
      },
      60,
    );
    writeJobScript(dir, lines);
    const sub = runSubmit(
      r.submitCommand({
        key: "a/01",
        token,
        scriptPath: `${dir}/job`,
        stdout: `${dir}/job.out`,
        stderr: `${dir}/job.err`,
        timeLimitS: 60,
      }),
    );
    const parsed = r.parseSubmit({ rc: sub.rc, id: sub.id, start: "", boot: "", output: sub.output });
    assert.match(parsed.jobId ?? "", /^[0-9]+;drvslurm2$/, sub.output);
    const j = job("a/01", parsed.jobId as string);
    const q = r.pollQuery([j]);
    assert.ok(q.kind === "command");
    const p = r.parsePoll(runQuery(q.spec), [j]);
    assert.ok(p.ok);
    assert.deepEqual(p.answers.get("a/01"), {
      kind: "listed",
      runnerState: "PENDING (JobHeldUser)",
      pending: true,
    });
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
    const acct = r.accounting?.parse(runQuery(r.accounting.query([j])), [j]);
    assert.ok(acct instanceof Map);
    assert.equal(acct.get("a/01")?.terminal, "cancelled");
    ssh(`rm -rf ${dir}`);
  },
);

test("a terminal state squeue still shows is accounting evidence: no sacct needed for it", () => {
  const r = createSlurmRunner();
  const table =
    "JOBID|STATE|REASON|NAME\n11|COMPLETED|None|a\n12|TIMEOUT|TimeLimit|b\n13|CANCELLED|None|c\n14|OUT_OF_MEMORY|OutOfMemory|d\n15|RUNNING|None|e\n16|NODE_FAIL|None|f\n";
  const jobs = ["11", "12", "13", "14", "15", "16", "17"].map((id) => job(`j${id}`, id));
  const p = r.parsePoll(reply(table), jobs);
  assert.ok(p.ok, p.ok ? "" : p.error);
  const terminal = Object.fromEntries([...(p.accounting ?? [])].map(([k, a]) => [k, a.terminal]));
  assert.deepEqual(terminal, {
    j11: "completed",
    j12: "walltime",
    j13: "cancelled",
    j14: "oom",
    j16: "node_fail",
  });
  assert.match(p.accounting?.get("j12")?.raw ?? "", /TIMEOUT \(TimeLimit\)/);
  assert.equal(p.answers.get("j12")?.kind, "unlisted");
  assert.equal(p.answers.get("j15")?.kind, "listed");
  // Gone from squeue altogether: no evidence here, sacct is asked for it.
  assert.equal(p.accounting?.has("j17"), false);
});
