/**
 * The torture's counting catches what it must: a submission run twice, a job whose run left no
 * trace, a wrong final state, a second Slurm job for one submission; and passes a clean run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { countTorture, parseSacct, runsBySubmit, type StoredSubmission } from "./torture-count.js";
import { planJobs, tortureJobSet } from "./torture-jobs.js";

const RUN = "tortx";

/** The store rows and side effects of a run where every job did exactly what it was designed to. */
function cleanRun() {
  const plan = planJobs(60);
  const subs: StoredSubmission[] = [];
  const effects = new Map<string, string>();
  const inits = new Map<string, number>();
  const sacct: string[] = [];
  for (const j of plan) {
    const n = j.kind === "retry" ? 2 : 1;
    for (let k = 1; k <= n; k++) {
      const last = k === n;
      const token = `tok${j.name}x${k}`;
      subs.push({
        name: j.name,
        submit_num: k,
        state: last ? j.state : "failed",
        reason: last ? j.reason : "exit(4)",
        exit_code: last ? j.exitCode : 4,
        runner_job_id: j.runs > 0 ? `${1000 + subs.length}` : null,
        token: j.runs > 0 ? token : null,
        started_at: j.runs > 0 ? "2026-11-26T00:00:00Z" : null,
      });
      inits.set(`${j.name}/0${k}`, j.runs > 0 ? 1 : 0);
      if (j.runs > 0) effects.set(j.name, `${effects.get(j.name) ?? ""}${j.name} ${k} 42 hosta\n`);
      if (j.platform === "slurm" && j.runs > 0)
        sacct.push(`${RUN}.${j.name}.${token}|${1000 + subs.length - 1}|COMPLETED`);
    }
  }
  return { plan, subs, effects, inits, sacct: [...sacct, "other.t1.x|5|COMPLETED", ""].join("\n") };
}

test("a clean run counts clean; the plan has every kind on every platform", () => {
  const r = cleanRun();
  const c = countTorture(RUN, r.plan, r.subs, r.effects, parseSacct(r.sacct, RUN), r.inits);
  assert.deepEqual(c.problems, []);
  assert.equal(c.lost + c.duplicated + c.wrong, 0);
  assert.equal(
    c.sacctRecords,
    r.subs.filter((s) => s.token && r.plan.find((j) => j.name === s.name)?.platform === "slurm").length,
  );
  const kinds = new Set(r.plan.map((j) => `${j.platform} ${j.kind}`));
  for (const p of ["ssh_bg", "slurm", "localhost"])
    for (const k of ["ok", "exit3", "selfterm", "retry", "chain", "needfail"])
      assert.ok(kinds.has(`${p} ${k}`), `${p} ${k}`);
});

test("a duplicate run, a lost run, a wrong state and a second Slurm job are each caught", () => {
  const r = cleanRun();
  const ok = r.plan.find((j) => j.kind === "ok" && j.platform === "ssh_bg")!;
  r.effects.set(ok.name, `${r.effects.get(ok.name)}${ok.name} 1 43 hosta\n`);
  const other = r.plan.find((j) => j.kind === "ok" && j.platform === "localhost")!;
  r.effects.set(other.name, "");
  const three = r.subs.find((s) => r.plan.find((j) => j.name === s.name)?.kind === "exit3")!;
  three.state = "succeeded";
  const slurm = r.subs.find((s) => s.token && r.plan.find((j) => j.name === s.name)?.platform === "slurm")!;
  const c = countTorture(
    RUN,
    r.plan,
    r.subs,
    r.effects,
    parseSacct(`${r.sacct}\n${RUN}.${slurm.name}.${slurm.token}|9|COMPLETED`, RUN),
    r.inits,
  );
  assert.ok(c.duplicated >= 2, c.problems.join("\n"));
  assert.ok(c.lost >= 1 && c.wrong >= 2, c.problems.join("\n"));
  for (const name of [ok.name, other.name, three.name, slurm.name])
    assert.ok(
      c.problems.some((p) => p.startsWith(`${name}/`) || p.startsWith(`${name} `)),
      name,
    );
});

test("a job left submitting is lost; side-effect lines parse per submission", () => {
  const r = cleanRun();
  const s = r.subs.find((x) => x.state === "succeeded")!;
  s.state = "submitting";
  const c = countTorture(RUN, r.plan, r.subs, r.effects, [], r.inits);
  assert.ok(c.lost >= 1);
  assert.deepEqual(
    [...runsBySubmit("t1 1 5 h\nt1 2 6 h\nt1 2 7 h\ngarbage\n")],
    [
      [1, 1],
      [2, 2],
    ],
  );
});

test("the job set names every platform and gives each job submission retries", () => {
  const text = tortureJobSet(planJobs(6), ["platforms: {}"], 10);
  assert.match(text, /^max_active: 10$/m);
  assert.equal(text.match(/retries: \{ submission: \[PT1S, PT1S, PT1S\]/g)?.length, 6);
  assert.throws(() => planJobs(2), /at least 3 jobs/);
});
