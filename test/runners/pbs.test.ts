import { test } from "node:test";
import assert from "node:assert/strict";
import { POLL_ARGV_BUDGET } from "../../src/runners/common/batch-common.js";
import { createPbsRunner, pbsPollChunks, pbsRunner } from "../../src/runners/pbs/pbs-runner.js";
import { PBS_STATES, pbsTerminal } from "../../src/runners/pbs/states.js";
import type { ParsedPoll, Runner } from "../../src/runners/runner.js";
import { fakeTool } from "./chunk-kit.js";
import {
  assertFixtureHeaders,
  loadFixture,
  pollStates as states,
  prng,
  randomText,
  refs,
} from "./fixture-file.js";
import { assertCutsAgree } from "./queue-runner-kit.js";

const torque = createPbsRunner({ flavor: "torque" });

function poll(r: Runner, file: string, rc?: number): ParsedPoll {
  const f = loadFixture("pbs", file);
  return r.parsePoll({ rc: rc ?? f.rc, text: f.text, boot: "b" }, refs(f.asked));
}

test("every fixture names its source and says whether it is real or constructed", () => {
  assertFixtureHeaders("pbs", [
    "qsub-reply.txt",
    "qstat-json-queued.txt",
    "qstat-json-finished.txt",
    "qstat-json-only-first.txt",
    "qstat-table.txt",
    "qstat-json-all-states.txt",
    "qstat-table-torque.txt",
    "qstat-json-unknown-state.txt",
  ]);
});

test("poll, PBS Pro JSON: every state letter maps to listed or unlisted; Unknown Job Id is gone", () => {
  assert.deepEqual(states(poll(pbsRunner, "qstat-json-all-states.txt")), {
    "101.srv": "Q",
    "102.srv": "H",
    "103.srv": "W",
    "104.srv": "T",
    "105.srv": "R",
    "106.srv": "S",
    "107.srv": "U",
    "108.srv": "E",
    "109.srv": "B",
    "110.srv": "unlisted",
    "111.srv": "unlisted",
    "112.srv": "unlisted",
    "113.srv": "unlisted",
    "114.srv": "unlisted",
    "115.srv": "unlisted",
    "116.srv": "unlisted",
    "117.srv": "unlisted",
    "118.srv": "unlisted",
    "119.srv": "unlisted",
  });
  assert.deepEqual(states(poll(pbsRunner, "qstat-json-queued.txt")), { "1.vbox": "Q" });
  assert.deepEqual(states(poll(pbsRunner, "qstat-json-finished.txt")), {
    "2154.edtb-01.mcp.alcf.anl.gov": "unlisted",
  });
  // Every documented letter is in the table.
  assert.deepEqual(Object.keys(PBS_STATES).sort(), [
    "B",
    "C",
    "E",
    "F",
    "H",
    "M",
    "Q",
    "R",
    "S",
    "T",
    "U",
    "W",
    "X",
  ]);
});

test("poll: a job missing without an Unknown Job Id line is an error, never gone (openpbs#2672)", () => {
  const p = poll(pbsRunner, "qstat-json-only-first.txt");
  assert.equal(p.ok, false);
  assert.match(p.ok ? "" : p.error, /11\.ip-10-0-6-176.*not read as gone/);
});

test("poll: an unknown state is an error that keeps the raw text", () => {
  const p = poll(pbsRunner, "qstat-json-unknown-state.txt");
  assert.equal(p.ok, false);
  assert.match(p.ok ? "" : p.error, /unknown PBS job state "Z" for job 301\.srv.*r\.z\.t1/);
});

test("poll, plain table (OpenPBS, Torque): states by the S column, C is unlisted", () => {
  assert.deepEqual(states(poll(torque, "qstat-table.txt")), {
    "10.ip-10-0-6-176": "R",
    "11.ip-10-0-6-176": "R",
  });
  assert.deepEqual(states(poll(torque, "qstat-table-torque.txt")), {
    "201.head": "Q",
    "202.head": "R",
    "203.head": "H",
    "204.head": "W",
    "205.head": "E",
    "206.head": "unlisted",
    "207.head": "T",
    "208.head": "S",
    "209.head": "unlisted",
  });
});

test("poll: a failed qstat is an error, whatever it printed", () => {
  const ask = refs(["5.srv"]);
  const cases: [number, string][] = [
    [1, "pbs_iff: cannot connect to host\npbs_iff: all reserved ports in use\n"],
    [2, "qstat: Invalid credential\n"],
    [0, ""],
    [-1, "{\n"],
    [153, ""],
  ];
  for (const [rc, text] of cases) {
    const p = pbsRunner.parsePoll({ rc, text, boot: "b" }, ask);
    assert.equal(p.ok, false, `rc=${rc} ${text}`);
  }
  // A recorded ID that is no PBS ID is unlisted without asking.
  const p = pbsRunner.parsePoll({ rc: 0, text: "", boot: "b" }, refs(["x;rm -rf"]));
  assert.deepEqual(p.ok && [...p.answers.values()], [{ kind: "unlisted" }]);
});

test("fuzz: random output never throws; every cut of a fixture is an error or the same answer", () => {
  const rand = prng(42);
  const pieces = [
    "{",
    "}",
    '"Jobs":',
    '"job_state":"R"',
    "qstat: Unknown Job Id 5.srv\n",
    "5.srv",
    "-----",
    "Job id ",
    ",",
    '"F"',
  ];
  for (let i = 0; i < 3000; i++) {
    const text = randomText(rand, pieces);
    for (const r of [pbsRunner, torque]) {
      const p = r.parsePoll({ rc: Math.floor(rand() * 3) - 1, text, boot: "b" }, refs(["5.srv", "6.srv"]));
      assert.ok(p.ok || p.error.length > 0);
      // Without a "gone" line naming it, no job can be read as unlisted.
      if (p.ok && !text.includes("Unknown Job Id 6.srv"))
        assert.notDeepEqual(p.answers.get("j6.srv/01"), { kind: "unlisted" });
      r.accounting?.parse({ rc: 0, text, boot: "b" }, refs(["5.srv"]));
    }
  }
  for (const [file, r] of [
    ["qstat-json-all-states.txt", pbsRunner],
    ["qstat-json-queued.txt", pbsRunner],
    ["qstat-json-finished.txt", pbsRunner],
    ["qstat-table-torque.txt", torque],
    ["qstat-table.txt", torque],
  ] as const) {
    const f = loadFixture("pbs", file);
    assertCutsAgree((text) => r.parsePoll({ rc: f.rc, text, boot: "b" }, refs(f.asked)), f.text, file);
  }
});

test("accounting (PBS Pro): Exit_status to the uniform terminal states", () => {
  const f = loadFixture("pbs", "qstat-json-all-states.txt");
  const acct = pbsRunner.accounting?.parse({ rc: f.rc, text: f.text, boot: "b" }, refs(f.asked));
  assert.ok(acct && !("error" in acct));
  const got = Object.fromEntries([...acct].map(([k, a]) => [k, `${a.terminal}:${a.exitCode}`]));
  assert.deepEqual(got, {
    "j110.srv/01": "completed:0",
    "j111.srv/01": "failed:3",
    "j112.srv/01": "failed:143",
    "j113.srv/01": "walltime:null",
    "j114.srv/01": "oom:null",
    "j115.srv/01": "cancelled:null",
    "j116.srv/01": "node_fail:null",
    "j117.srv/01": "cancelled:null",
  });
  assert.match(acct.get("j113.srv/01")?.raw ?? "", /JOB_EXEC_KILL_WALLTIME/);
  assert.deepEqual(pbsRunner.accounting?.query(refs(["7.s", "8.s"])).argv, [
    "qstat",
    "-x",
    "-f",
    "-F",
    "json",
    "7.s",
    "8.s",
  ]);
  assert.equal(torque.accounting, undefined);
  assert.equal(pbsTerminal(-1, "r").terminal, "failed");
});

test("poll batches: IDs split by the argv budget; every chunk asked, one qstat each", () => {
  const many = refs(Array.from({ length: 5000 }, (_, i) => `${1000000 + i}.pbs-server.example.org`));
  const chunks = pbsPollChunks(many);
  assert.ok(chunks.length >= 2);
  assert.equal(chunks.flat().length, many.length);
  for (const c of chunks) assert.ok(c.reduce((n, j) => n + j.jobId.length + 3, 0) <= POLL_ARGV_BUDGET);
  const q = pbsRunner.pollQuery(many);
  assert.ok(q.kind === "command");
  assert.equal(q.spec.stdin, "/dev/null");
  // One word per chunk after the script: together they name every ID exactly once.
  const words = q.spec.argv.slice(4) as string[];
  assert.deepEqual(q.spec.argv.slice(0, 2), ["sh", "-c"]);
  assert.equal(words.length, chunks.length);
  assert.deepEqual(
    words.flatMap((w) => w.split(" ")),
    many.map((j) => j.jobId),
  );
  assert.deepEqual(createPbsRunner({ pollBudget: 40 }).pollQuery(refs(["1.a", "2.a", "3.a", "4.a"])), {
    kind: "command",
    spec: { argv: ["qstat", "-x", "-f", "-F", "json", "1.a", "2.a", "3.a", "4.a"], stdin: "/dev/null" },
  });
  assert.deepEqual(pbsRunner.pollQuery([]), {
    kind: "command",
    spec: { argv: ["true"], stdin: "/dev/null" },
  });
});

test("poll of 5,000 IDs through the real sh: one qstat per chunk, every job answered", () => {
  // Even sequence numbers are finished (F, recorded JSON shape), odd ones unknown (stderr line).
  const qstat = fakeTool(
    "qstat",
    `shift 4; rc=0; sep=
printf '{\\n "pbs_version": "2022.1.1",\\n "Jobs": {\\n'
for id; do n=\${id%%.*}
  if [ $((n % 2)) -eq 0 ]; then printf '%s  "%s": { "job_state": "F", "Exit_status": %s }' "$sep" "$id" $((n % 7)); sep=,
  else echo "qstat: Unknown Job Id $id" >&2; rc=153; fi
done
printf '\\n }\\n}\\n'; exit $rc`,
  );
  try {
    const many = refs(Array.from({ length: 5000 }, (_, i) => `${1000000 + i}.pbs-server.example.org`));
    const chunks = pbsPollChunks(many);
    const q = pbsRunner.pollQuery(many);
    assert.ok(q.kind === "command");
    const reply = qstat.run(q.spec);
    const calls = qstat.calls();
    assert.equal(calls.length, chunks.length);
    assert.deepEqual(
      calls.flatMap((c) => c.slice(4)),
      many.map((j) => j.jobId),
    );
    const p = pbsRunner.parsePoll(reply, many);
    assert.ok(p.ok, p.ok ? "" : p.error);
    assert.equal(p.answers.size, many.length);
    for (const j of many) assert.deepEqual(p.answers.get(j.key), { kind: "unlisted" });
    const acct = pbsRunner.accounting?.parse(qstat.run(pbsRunner.accounting.query(many)), many);
    assert.ok(acct instanceof Map);
    assert.equal(acct.size, 2500);
    assert.equal(acct.get("j1000006.pbs-server.example.org/01")?.exitCode, 1000006 % 7);
    // A cut anywhere in the framed reply is a poll error, never a shorter answer.
    for (const frac of [0.1, 0.5, 0.9, 0.999]) {
      const cut = { ...reply, text: reply.text.slice(0, Math.floor(reply.text.length * frac)) };
      assert.equal(pbsRunner.parsePoll(cut, many).ok, false, String(frac));
    }
    const lost = reply.text.replace(/@@chunk-out\n[^@]*@@chunk-err\n[^@]*@@chunk-end [0-9]+\n/, "");
    assert.equal(pbsRunner.parsePoll({ ...reply, text: lost }, many).ok, false);
  } finally {
    qstat.cleanup();
  }
});
