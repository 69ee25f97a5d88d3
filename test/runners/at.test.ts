import { test } from "node:test";
import assert from "node:assert/strict";
import { ensureAtd } from "../helpers/runner-hosts.js";
import type { JobRef } from "../../src/runners/runner.js";
import { createAtRunner } from "../../src/runners/at/at-runner.js";
import { atLauncher, statusPathOf } from "../../src/runners/at/launcher.js";
import { parseAtq } from "../../src/runners/at/parse-atq.js";
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
} from "./queue-runner-kit.js";

const target = (dir: string, token: string, timeLimitS: number | null = null) => ({
  key: "a/01",
  token,
  scriptPath: `${dir}/job`,
  stdout: `${dir}/job.out`,
  stderr: `${dir}/job.err`,
  timeLimitS,
});
/** The recorded atq lines as [id, queue] pairs (read independently of the parser). */
const atqRows = () =>
  fixture("at-atq.txt")
    .split("\n")
    .flatMap((l) => {
      const m = /^([0-9]+)\t.* (\S) \S+$/.exec(l);
      return m ? [[m[1] as string, m[2] as string] as const] : [];
    });
const idIn = (queue: (q: string) => boolean) => atqRows().find(([, q]) => queue(q))?.[0] ?? "?";

const job = (key: string, jobId: string, runnerData: Record<string, string> = {}): JobRef => ({
  key,
  jobId,
  runnerData,
});

test("atq: queued letters and the running `=` from the recorded output; empty; junk", () => {
  const q = parseAtq(fixture("at-atq.txt").split("\n"));
  assert.ok(q instanceof Map);
  assert.deepEqual(
    [...q.values()].map((j) => [j.id, j.queue, j.state]),
    atqRows().map(([id, qu]) => [id, qu, qu === "=" ? "running" : "queued"]),
  );
  assert.ok(atqRows().some(([, qu]) => qu === "=") && atqRows().some(([, qu]) => qu !== "="));
  assert.deepEqual(parseAtq(fixture("at-atq-empty.txt").split("\n")), new Map());
  assert.ok("error" in parseAtq(["5 Thu Nov 26 13:48:00 2026 = drvjob"]));
});

test("submit: the job number from at's stderr (recorded), read by bash; the launcher text", () => {
  const r = createAtRunner();
  const spec = r.submitCommand(target("~/r/log/job/a/01", "tok123abc", 60));
  assert.equal(spec.argv[0], "sh");
  assert.equal(spec.stdin, "/dev/null");
  const recorded = /job ([0-9]+) at /.exec(fixture("at-submit-stderr.txt"))?.[1];
  assert.ok(recorded !== undefined);
  assert.equal(bashMatch(spec.idPattern ?? "", fixture("at-submit-stderr.txt")), recorded);
  assert.deepEqual(r.parseSubmit({ rc: 0, id: "3", start: "", boot: "b1", output: "" }), {
    jobId: "3",
    runnerData: { boot: "b1" },
    error: null,
  });
  assert.equal(
    r.parseSubmit({ rc: 1, id: "", start: "", boot: "", output: "Can't open /var/run/atd.pid" }).jobId,
    null,
  );
  const text = atLauncher(target("/data/run x/a", "tok123abc", 60), 30);
  assert.match(text, /^# drover-token=tok123abc\n/);
  assert.match(
    text,
    /exec timeout -k 30s --signal=XCPU 60s bash '\/data\/run x\/a\/job' <\/dev\/null >'\/data\/run x\/a\/job.out'/,
  );
  assert.match(atLauncher(target("~/r", "tok123abc"), 30), /--signal=XCPU 0s bash "\$HOME"\/r\/job/);
  assert.equal(statusPathOf("~/r/job"), "~/r/job.status");
});

test("poll: atq decides before the process is recorded; the recorded process after", () => {
  const r = createAtRunner();
  const guard = { pid: "4885", start: "422597", boot: "b1" };
  const jobs = [
    job(
      "queued",
      idIn((x) => x !== "="),
    ),
    job(
      "running",
      idIn((x) => x === "="),
    ),
    job("gone", "999999"),
    job(
      "live",
      idIn((x) => x === "="),
      guard,
    ),
    job("reused", "999998", { ...guard, pid: "4886" }),
  ];
  const q = r.pollQuery(jobs);
  assert.ok(q.kind === "command");
  assert.deepEqual(q.spec.argv.slice(4), ["4885", "4886"]);
  const text = `${fixture("at-atq.txt")}@@proc\n4885 S 422597\n4886 S 999\n`;
  const p = r.parsePoll(reply(text, "b1"), jobs);
  assert.ok(p.ok);
  const got = Object.fromEntries(
    [...p.answers].map(([k, a]) => [k, a.kind === "listed" ? a.runnerState : a.kind]),
  );
  assert.deepEqual(got, {
    queued: "queued",
    running: "running",
    gone: "unlisted",
    live: "running",
    reused: "unlisted",
  });
  // Another boot: the recorded process is gone whatever atq says.
  const other = r.parsePoll(reply(text, "b2"), [
    job(
      "live",
      idIn((x) => x === "="),
      guard,
    ),
  ]);
  assert.ok(other.ok && other.answers.get("live")?.kind === "unlisted");
  // A missing /proc answer, a failing atq, a cut reply: poll errors.
  assert.equal(
    r.parsePoll(reply(`${fixture("at-atq.txt")}@@proc\n`, "b1"), [
      job(
        "live",
        idIn((x) => x === "="),
        guard,
      ),
    ]).ok,
    false,
  );
  assert.equal(
    r.parsePoll(
      { rc: 1, text: "Can't open /var/run/atd.pid to signal atd. No atd running?\n", boot: "" },
      jobs,
    ).ok,
    false,
  );
  assertCutsAgree((t) => r.parsePoll({ rc: 0, text: t, boot: "b1" }, jobs), reply(text, "b1").text);
  for (const t of randomTexts(300)) {
    assert.doesNotThrow(() =>
      r.parsePoll({ rc: 0, text: `${t}\n@@proc\n${t}\n${END_LINE}\n`, boot: "b1" }, jobs),
    );
    assert.doesNotThrow(() =>
      r.parseLookup({ rc: 0, text: `@@lookup tok123abc\n${t}\n${END_LINE}\n`, boot: "" }),
    );
  }
});

test("kill: a group kill on a recorded process, else atrm that refuses running jobs", () => {
  const r = createAtRunner();
  const guard = { pid: "4885", start: "422597", boot: "b1" };
  assert.deepEqual(r.killAction(job("a", "5", guard)), { kind: "group", guard });
  const k = r.killAction(job("a", "5"));
  assert.ok(k.kind === "command" && k.spec.argv.at(-1) === "5");
  assert.equal(r.killAction(job("a", "x;1")).kind, "refuse");
});

test("lookup: found lines and none", () => {
  const r = createAtRunner();
  assert.deepEqual(r.parseLookup(reply("@@lookup tok123abc\n@@found 12\n")), {
    ok: true,
    answer: { kind: "found", jobId: "12" },
    runnerData: {},
  });
  assert.deepEqual(r.parseLookup(reply("@@lookup tok123abc\n")), {
    ok: true,
    answer: { kind: "not-found" },
    runnerData: {},
  });
  assert.equal(r.parseLookup({ rc: 0, text: "@@lookup tok123abc\n", boot: "" }).ok, false);
  assert.equal(r.lookupQuery({ key: "a", scriptPath: "~/j" }), null);
});

test(
  "real atd: submit, the launcher's process line, poll, lookup, group kill; atrm of a queued job",
  { skip: !canStartHosts && "the runner test hosts need root" },
  () => {
    ensureAtd();
    const r = createAtRunner();
    const dir = `~/drv-at-runner-test-${process.pid}`;
    const token = `t${Date.now()}`;
    assert.equal(
      ssh(`mkdir -p ${dir} && printf '#!/bin/bash\\nsleep 60\\n' >${dir}/job && : >${dir}/job.status`).rc,
      0,
    );
    const sub = runSubmit(r.submitCommand(target(dir, token)));
    const parsed = r.parseSubmit({ rc: sub.rc, id: sub.id, start: "", boot: "", output: sub.output });
    assert.match(parsed.jobId ?? "", /^[0-9]+$/, sub.output);
    const id = parsed.jobId as string;
    const l = r.lookupQuery({ key: "a/01", scriptPath: `${dir}/job`, token });
    assert.ok(l !== null && l.kind === "command");
    assert.deepEqual(r.parseLookup(runQuery(l.spec)), {
      ok: true,
      answer: { kind: "found", jobId: id },
      runnerData: {},
    });
    // Wait for atd to start it and the launcher to record its process.
    let line = "";
    for (let i = 0; i < 50 && line === ""; i++)
      line = /DROVER_JOB_PROCESS=(.*)/.exec(ssh(`sleep 0.2; cat ${dir}/job.status`).text)?.[1] ?? "";
    const [pid, start, boot] = line.split("|") as [string, string, string];
    assert.match(pid, /^[0-9]+$/);
    const running = job("a/01", id, { pid, start, boot });
    // Without the manager's copy of the process line, a running job refuses atrm.
    const refuse = r.killAction(job("a/01", id));
    assert.ok(refuse.kind === "command");
    assert.equal(runQuery(refuse.spec).rc, 3);
    const q = r.pollQuery([running]);
    assert.ok(q.kind === "command");
    const p = r.parsePoll(runQuery(q.spec), [running]);
    assert.ok(p.ok, p.ok ? "" : p.error);
    assert.deepEqual(p.answers.get("a/01"), { kind: "listed", runnerState: "running" });
    const k = r.killAction(running);
    assert.ok(k.kind === "group");
    assert.equal(ssh(`kill -TERM -- -${k.guard.pid}; sleep 0.5`).rc, 0);
    const after = r.parsePoll(runQuery(q.spec), [running]);
    assert.ok(after.ok && after.answers.get("a/01")?.kind === "unlisted");
    // A queued job: atrm removes it.
    const later = /job ([0-9]+) at/.exec(ssh("echo true | at now + 1 hour 2>&1").text)?.[1] ?? "";
    const rm = r.killAction(job("b", later));
    assert.ok(rm.kind === "command");
    assert.equal(runQuery(rm.spec).rc, 0);
    assert.doesNotMatch(ssh("atq").text, new RegExp(`^${later}\\t`, "m"));
    ssh(`rm -rf ${dir}`);
  },
);
