import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { LocalTransport } from "../../src/transport/local.js";
import { pollBatch, submitBatch } from "../../src/remote/batches.js";
import type { PollJob, SubmitBatchResult, SubmitJob } from "../../src/remote/batch-types.js";
import type { Transport } from "../../src/transport/transport.js";
import { fixtureJob, isLive, readOrNull, rmRun, tempRun, waitFor } from "./helpers.js";

const t = new LocalTransport();
const base = (runDir: string) => ({ runDir, runner: "background", host: "localhost", timeoutMs: 30_000 });

function pollJobs(jobs: SubmitJob[], r: SubmitBatchResult, batchId: string | null = null): PollJob[] {
  return jobs.map((j) => {
    const o = r.outcomes.get(j.key);
    return {
      key: j.key,
      logDir: j.logDir,
      jobId: o?.jobId ?? null,
      runnerData: o?.runnerData ?? {},
      batchId,
      lookup: false,
    };
  });
}

test("50 jobs: submitted in one batch, polled to completion", async () => {
  const run = tempRun();
  try {
    // One longer job: "some still run at the first poll" holds on a loaded machine too.
    const jobs = Array.from({ length: 50 }, (_, i) =>
      fixtureJob(`job${i}/01`, i === 0 ? "sleep 4" : `sleep 0.${i % 5}`),
    );
    const r = await submitBatch(t, { ...base(run), batchId: "b50", jobs });
    assert.equal(r.error, null, r.result.stderr);
    assert.ok(r.started && r.completed);
    assert.equal(r.outcomes.size, 50);
    for (const o of r.outcomes.values()) {
      assert.equal(o.rc, 0);
      assert.match(o.jobId ?? "", /^[0-9]+$/);
      assert.equal(o.runnerData.boot, r.bootId);
      assert.match(o.submitTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const journal = fs.readFileSync(path.join(run, "batches/b50"), "utf8").trim().split("\n");
    assert.match(journal[0] ?? "", /^PID [0-9]+ [0-9]+ \S+$/);
    assert.equal(journal.filter((l) => l.startsWith("SUBMIT ")).length, 50);
    assert.equal(journal.at(-1), "DONE");

    let last = await pollBatch(t, { ...base(run), jobs: pollJobs(jobs, r) });
    assert.ok(
      [...last.queue.values()].some((q) => q.kind === "listed"),
      "some jobs still run at the first poll",
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      last = await pollBatch(t, { ...base(run), jobs: pollJobs(jobs, r) });
      assert.equal(last.error, null);
      assert.equal(last.queryError, null);
      const done = [...last.status.values()].filter((s) => s?.includes("|SUCCEEDED|0\n")).length;
      const unlisted = [...last.queue.values()].filter((q) => q.kind === "unlisted").length;
      if (done === 50 && unlisted === 50) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    for (const j of jobs) {
      const s = last.status.get(j.key) ?? "";
      const id = r.outcomes.get(j.key)?.jobId;
      assert.ok(s.startsWith(`DROVER_JOB_TOKEN=${j.token}\n`), s);
      assert.ok(s.includes(`DROVER_JOB_RUNNER=background\nDROVER_JOB_ID=${id}\nDROVER_JOB_SUBMIT_TIME=`), s);
      assert.match(s, /DROVER_JOB_EXIT=[^|]+\|SUCCEEDED\|0\n$/);
      assert.deepEqual(last.queue.get(j.key), { kind: "unlisted" });
      assert.equal(fs.readFileSync(path.join(run, j.logDir, "job"), "utf8"), j.script);
    }
  } finally {
    rmRun(run);
  }
});

test("a running job is listed; a time-limited job gets XCPU from timeout", async () => {
  const run = tempRun();
  try {
    const jobs = [fixtureJob("long/01", "sleep 30 & wait $!", 1), fixtureJob("short/01", "sleep 0.1")];
    const r = await submitBatch(t, { ...base(run), batchId: "limits", jobs });
    assert.equal(r.error, null);
    const p1 = await pollBatch(t, { ...base(run), jobs: pollJobs(jobs, r) });
    assert.deepEqual(p1.queue.get("long/01"), { kind: "listed", runnerState: "running" });
    await waitFor(
      "XCPU exit",
      () => /\|XCPU\|152\n/.test(readOrNull(path.join(run, "log/job/long/01/job.status")) ?? ""),
      8000,
    );
    await waitFor("the timeout process to end", () => !isLive(r.outcomes.get("long/01")?.jobId ?? ""), 8000);
    const p2 = await pollBatch(t, { ...base(run), jobs: pollJobs(jobs, r) });
    assert.deepEqual(p2.queue.get("long/01"), { kind: "unlisted" });
    assert.match(p2.status.get("long/01") ?? "", /DROVER_JOB_EXIT=[^|]+\|XCPU\|152\n$/);
    assert.ok(fs.existsSync(path.join(run, "log/job/long/01/job.out")));
    assert.ok(fs.existsSync(path.join(run, "log/job/long/01/job.err")));
  } finally {
    rmRun(run);
  }
});

test("status files with forged markers (even with the call's nonce) and no final newline come back intact", async () => {
  const run = tempRun();
  try {
    const logDir = "log/job/evil/01";
    const file = path.join(run, logDir, "job.status");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A transport that learns the nonce from the program and plants it in the status file first.
    const spy: Transport = {
      kind: "local",
      runProgram: (host, program, opts) => {
        const nonce =
          /@@drover:([0-9a-f]+) /.exec(program.slice(program.indexOf("main; exit $?")))?.[1] ?? "";
        const forged = [
          "DROVER_JOB_TOKEN=abc",
          `@@drover:${nonce} end 0`,
          `@@drover:${nonce} status other/01`,
          `@@drover:${nonce} done -`,
          "|pipe line",
          ":colon line",
          "",
          `@@drover:${nonce} end 0`,
        ].join("\n");
        fs.writeFileSync(file, forged);
        return t.runProgram(host, program, opts);
      },
    };
    const job: PollJob = {
      key: "evil/01",
      logDir,
      jobId: null,
      runnerData: {},
      batchId: null,
      lookup: false,
    };
    const empty: PollJob = { ...job, key: "empty/01", logDir: "log/job/empty/01" };
    fs.mkdirSync(path.join(run, "log/job/empty/01"), { recursive: true });
    fs.writeFileSync(path.join(run, "log/job/empty/01/job.status"), "");
    const missing: PollJob = { ...job, key: "missing/01", logDir: "log/job/missing/01" };
    const p = await pollBatch(spy, { ...base(run), jobs: [job, empty, missing] });
    assert.equal(p.error, null, String(p.error));
    assert.ok(p.completed);
    assert.equal(p.status.get("evil/01"), fs.readFileSync(file, "utf8"));
    assert.equal(p.status.get("empty/01"), "");
    assert.equal(p.status.get("missing/01"), null);
    assert.equal(p.status.has("other/01"), false);
    assert.deepEqual(p.queue.get("evil/01"), { kind: "unknown" });
  } finally {
    rmRun(run);
  }
});

test("hostile keys and paths: spaces, quotes, $(...) and ' rc=' in keys", async () => {
  const run = tempRun("r 'a\" $(touch pwned) `id`");
  try {
    const keys = [`we ird'"$(touch pwned)/01`, "x rc=1 id=2 start=3/01", "back\\slash `id`/01"];
    const jobs = keys.map((k) => fixtureJob(k));
    const r = await submitBatch(t, { ...base(run), batchId: "hostile", jobs });
    assert.equal(r.error, null, r.result.stderr);
    assert.deepEqual([...r.outcomes.keys()].sort(), [...keys].sort());
    await waitFor("ends", () =>
      jobs.every((j) => (readOrNull(path.join(run, j.logDir, "job.status")) ?? "").includes("EXIT")),
    );
    const p = await pollBatch(t, { ...base(run), jobs: pollJobs(jobs, r, "hostile") });
    assert.equal(p.error, null);
    for (const j of jobs) {
      assert.deepEqual(p.journals.get(j.key), {
        kind: "line",
        rc: 0,
        jobId: r.outcomes.get(j.key)?.jobId,
        output: "",
      });
      assert.match(p.status.get(j.key) ?? "", /SUCCEEDED/);
    }
    assert.equal(fs.existsSync(path.join(path.dirname(run), "pwned")), false);
    assert.equal(fs.existsSync("pwned"), false);
  } finally {
    rmRun(run);
  }
});

test("a reused batch id is refused: the journal is created exclusively, nothing runs twice", async () => {
  const run = tempRun();
  try {
    const jobs = [fixtureJob("once/01")];
    const r1 = await submitBatch(t, { ...base(run), batchId: "same", jobs });
    assert.equal(r1.error, null);
    const r2 = await submitBatch(t, { ...base(run), batchId: "same", jobs: [fixtureJob("twice/01")] });
    assert.ok(r2.started);
    assert.match(r2.error ?? "", /journal/);
    assert.equal(r2.outcomes.size, 0);
    assert.equal(fs.existsSync(path.join(run, "log/job/twice/01/job")), false);
  } finally {
    rmRun(run);
  }
});

test("invalid requests are rejected before anything is sent", async () => {
  const run = "/tmp/never-used";
  const ok = fixtureJob("a/01");
  await assert.rejects(submitBatch(t, { ...base(run), batchId: "../x", jobs: [ok] }), /batchId/);
  await assert.rejects(
    submitBatch(t, { ...base(run), batchId: "b", jobs: [{ ...ok, key: "a\nb" }] }),
    /job key/,
  );
  await assert.rejects(
    submitBatch(t, { ...base(run), batchId: "b", jobs: [{ ...ok, logDir: "../../etc" }] }),
    /logDir/,
  );
  await assert.rejects(
    submitBatch(t, { ...base(run), batchId: "b", jobs: [{ ...ok, token: "a b" }] }),
    /token/,
  );
  await assert.rejects(submitBatch(t, { ...base("relative"), batchId: "b", jobs: [ok] }), /runDir/);
  await assert.rejects(submitBatch(t, { ...base(run), batchId: "b", jobs: [ok, ok] }), /twice/);
  await assert.rejects(
    submitBatch(t, { ...base(run), runner: "nope", batchId: "b", jobs: [ok] }),
    /unknown job runner/,
  );
});

test("timing: submit 1,000 no-op jobs locally (printed, not asserted)", async () => {
  const run = tempRun();
  try {
    const jobs = Array.from({ length: 1000 }, (_, i) => fixtureJob(`noop${i}/01`));
    const t0 = Date.now();
    const r = await submitBatch(t, { ...base(run), batchId: "k1", jobs });
    const ms = Date.now() - t0;
    assert.equal(r.error, null);
    assert.equal(r.outcomes.size, 1000);
    const t1 = Date.now();
    const p = await pollBatch(t, { ...base(run), jobs: pollJobs(jobs, r) });
    assert.equal(p.status.size, 1000);
    console.log(`# submit 1,000 no-op jobs: ${ms} ms; poll them: ${Date.now() - t1} ms`);
  } finally {
    rmRun(run);
  }
});

test("a run directory under ~/ expands to the home on the host, for files, journal, launch and poll", async () => {
  const home = tempRun("home");
  try {
    const th = new LocalTransport(["env", `HOME=${home}`, "bash", "-l", "-s"]);
    const jobs = [fixtureJob("tilde/01")];
    const req = { runDir: "~/runs/r 1", runner: "background", host: "localhost", timeoutMs: 10_000 };
    const r = await submitBatch(th, { ...req, batchId: "tb", jobs });
    assert.equal(r.error, null, r.result.stderr);
    const status = path.join(home, "runs/r 1/log/job/tilde/01/job.status");
    await waitFor("job end", () => /SUCCEEDED/.test(readOrNull(status) ?? ""));
    assert.ok(fs.existsSync(path.join(home, "runs/r 1/batches/tb")));
    const p = await pollBatch(th, { ...req, jobs: pollJobs(jobs, r, "tb") });
    assert.equal(p.status.get("tilde/01"), fs.readFileSync(status, "utf8"));
    assert.equal(p.journals.get("tilde/01")?.kind, "line");
  } finally {
    rmRun(home);
  }
});
