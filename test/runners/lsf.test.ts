import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ConfigError } from "../../src/errors.js";
import { POLL_ARGV_BUDGET } from "../../src/runners/common/batch-common.js";
import { lsfDirectives } from "../../src/runners/lsf/directives.js";
import {
  BJOBS_FIELDS,
  LSF_ID_PATTERN,
  createLsfRunner,
  lsfPollChunks,
  lsfRunner,
} from "../../src/runners/lsf/lsf-runner.js";
import { LSF_STATES } from "../../src/runners/lsf/states.js";
import type { ParsedPoll } from "../../src/runners/runner.js";
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

function poll(file: string, rc?: number): ParsedPoll {
  const f = loadFixture("lsf", file);
  return lsfRunner.parsePoll({ rc: rc ?? f.rc, text: f.text, boot: "b" }, refs(f.asked));
}

const FILES = [
  "bsub-reply.txt",
  "bjobs-json-done.txt",
  "bjobs-json-all-states.txt",
  "bjobs-json-not-found-stderr.txt",
  "bjobs-json-unknown-state.txt",
];

test("every fixture names its source and says whether it is real or constructed", () => {
  assertFixtureHeaders("lsf", FILES);
});

test("poll: every STAT maps to listed or unlisted; 'not found' (record or stderr) is gone", () => {
  assert.deepEqual(states(poll("bjobs-json-all-states.txt")), {
    501: "PEND",
    502: "PROV",
    503: "PSUSP",
    504: "RUN",
    505: "USUSP",
    506: "SSUSP",
    507: "WAIT",
    508: "UNKWN",
    509: "ZOMBI",
    510: "unlisted",
    511: "unlisted",
    512: "unlisted",
    513: "unlisted",
    514: "unlisted",
    515: "unlisted",
    516: "unlisted",
  });
  assert.deepEqual(states(poll("bjobs-json-done.txt")), { 22005: "unlisted" });
  assert.deepEqual(states(poll("bjobs-json-not-found-stderr.txt")), { 601: "RUN", 602: "unlisted" });
  assert.deepEqual(Object.keys(LSF_STATES).sort(), [
    "DONE",
    "EXIT",
    "PEND",
    "PROV",
    "PSUSP",
    "RUN",
    "SSUSP",
    "UNKWN",
    "USUSP",
    "WAIT",
    "ZOMBI",
  ]);
});

test("poll: unknown state, missing job, failed bjobs are errors, never 'jobs gone'", () => {
  const u = poll("bjobs-json-unknown-state.txt");
  assert.equal(u.ok, false);
  assert.match(u.ok ? "" : u.error, /unknown LSF job state "BLOCKED" for job 701/);
  const f = loadFixture("lsf", "bjobs-json-not-found-stderr.txt");
  // Without the stderr line, job 602 is unaccounted for.
  const cut = f.text.replace("Job <602> is not found\n", "");
  assert.equal(lsfRunner.parsePoll({ rc: 255, text: cut, boot: "b" }, refs(f.asked)).ok, false);
  assert.equal(lsfRunner.parsePoll({ rc: 0, text: cut, boot: "b" }, refs(f.asked)).ok, false);
  for (const [rc, text] of [
    [255, "LSF is down. Please wait ...\n"],
    [0, ""],
    [-1, "{\n"],
    [255, ""],
    [0, '{"COMMAND":"bjobs","JOBS":3,"RECORDS":[{"JOBID":"1","STAT":"RUN"}]}\n'],
    [0, '{"RECORDS":[{"ERROR":"Invalid field name: exit_reason"}]}\n'],
  ] as const) {
    assert.equal(lsfRunner.parsePoll({ rc, text, boot: "b" }, refs(["1"])).ok, false, `${rc} ${text}`);
  }
});

test("fuzz: random output never throws; every cut of a fixture is an error or the same answer", () => {
  const rand = prng(7);
  const pieces = [
    "{",
    "}",
    '"RECORDS":[',
    "]",
    '{"JOBID":"5","STAT":"RUN"}',
    '"STAT":"EXIT"',
    "Job <5> is not found\n",
    ",",
    '"JOBS":1',
  ];
  for (let i = 0; i < 3000; i++) {
    const text = randomText(rand, pieces);
    const p = lsfRunner.parsePoll({ rc: Math.floor(rand() * 3) - 1, text, boot: "b" }, refs(["5", "6"]));
    assert.ok(p.ok || p.error.length > 0);
    if (p.ok && !text.includes("Job <6> is not found"))
      assert.notDeepEqual(p.answers.get("j6/01"), { kind: "unlisted" });
    lsfRunner.accounting?.parse({ rc: 0, text, boot: "b" }, refs(["5"]));
    lsfRunner.parseLookup({ rc: 0, text, boot: "b" });
  }
  for (const file of [
    "bjobs-json-all-states.txt",
    "bjobs-json-done.txt",
    "bjobs-json-not-found-stderr.txt",
  ]) {
    const f = loadFixture("lsf", file);
    assertCutsAgree(
      (text) => lsfRunner.parsePoll({ rc: f.rc, text, boot: "b" }, refs(f.asked)),
      f.text,
      file,
    );
  }
});

test("accounting: DONE and EXIT with TERM_* reasons to the uniform terminal states", () => {
  const f = loadFixture("lsf", "bjobs-json-all-states.txt");
  const acct = lsfRunner.accounting?.parse({ rc: f.rc, text: f.text, boot: "b" }, refs(f.asked));
  assert.ok(acct && !("error" in acct));
  assert.deepEqual(Object.fromEntries([...acct].map(([k, a]) => [k, `${a.terminal}:${a.exitCode}`])), {
    "j510/01": "completed:0",
    "j511/01": "walltime:140",
    "j512/01": "oom:130",
    "j513/01": "cancelled:130",
    "j514/01": "failed:3",
    "j515/01": "preempted:143",
  });
  assert.match(acct.get("j511/01")?.raw ?? "", /TERM_RUNLIMIT/);
  assert.deepEqual(lsfRunner.accounting?.query(refs(["7"])).argv, [
    "bjobs",
    "-a",
    "-json",
    "-o",
    BJOBS_FIELDS,
    "7",
  ]);
});

test("poll batches: IDs split by the argv budget; every chunk asked, one bjobs each", () => {
  const many = refs(Array.from({ length: 12000 }, (_, i) => String(1000000 + i)));
  const chunks = lsfPollChunks(many);
  assert.ok(chunks.length >= 2);
  assert.equal(chunks.flat().length, many.length);
  for (const c of chunks) assert.ok(c.reduce((n, j) => n + j.jobId.length + 3, 0) <= POLL_ARGV_BUDGET);
  const q = lsfRunner.pollQuery(many);
  assert.ok(q.kind === "command");
  assert.equal(q.spec.stdin, "/dev/null");
  assert.deepEqual(
    (q.spec.argv.slice(4) as string[]).flatMap((w) => w.split(" ")),
    many.map((j) => j.jobId),
  );
  assert.deepEqual(createLsfRunner({ pollBudget: 100 }).pollQuery(refs(["11", "12", "13"])), {
    kind: "command",
    spec: { argv: ["bjobs", "-a", "-json", "-o", BJOBS_FIELDS, "11", "12", "13"], stdin: "/dev/null" },
  });
});

test("poll of 12,000 IDs through the real sh: one bjobs per chunk, every job answered", () => {
  // Even IDs are DONE records (recorded JSON shape), odd ones "not found" on stderr (exit 255).
  const bjobs = fakeTool(
    "bjobs",
    `shift 4; rc=0; sep=; k=0
for id; do [ $((id % 2)) -eq 0 ] && k=$((k + 1)); done
printf '{\\n  "COMMAND":"bjobs",\\n  "JOBS":%s,\\n  "RECORDS":[\\n' "$k"
for id; do
  if [ $((id % 2)) -eq 0 ]; then printf '%s    { "JOBID":"%s", "STAT":"DONE", "EXIT_CODE":"", "EXIT_REASON":"" }' "$sep" "$id"; sep=,
  else echo "Job <$id> is not found" >&2; rc=255; fi
done
printf '\\n  ]\\n}\\n'; exit $rc`,
  );
  try {
    const many = refs(Array.from({ length: 12000 }, (_, i) => String(1000000 + i)));
    const q = lsfRunner.pollQuery(many);
    assert.ok(q.kind === "command");
    const reply = bjobs.run(q.spec);
    assert.equal(bjobs.calls().length, lsfPollChunks(many).length);
    assert.deepEqual(
      bjobs.calls().flatMap((c) => c.slice(4)),
      many.map((j) => j.jobId),
    );
    const p = lsfRunner.parsePoll(reply, many);
    assert.ok(p.ok, p.ok ? "" : p.error);
    assert.equal(p.answers.size, many.length);
    for (const j of many) assert.deepEqual(p.answers.get(j.key), { kind: "unlisted" });
    const acct = lsfRunner.accounting?.parse(reply, many);
    assert.ok(acct instanceof Map);
    assert.equal(acct.size, 6000);
    const cut = { ...reply, text: reply.text.slice(0, Math.floor(reply.text.length / 2)) };
    assert.equal(lsfRunner.parsePoll(cut, many).ok, false);
  } finally {
    bjobs.cleanup();
  }
});

test("submit: bsub with the script as its stdin; the ID read by the real bash regex", () => {
  const spec = lsfRunner.submitCommand({
    key: "a/01",
    token: "t",
    scriptPath: "~/r/job",
    stdout: "~/r/job.out",
    stderr: "~/r/job.err",
    timeLimitS: null,
  });
  assert.deepEqual(spec.argv, ["bsub", "-o", { path: "~/r/job.out" }, "-e", { path: "~/r/job.err" }]);
  assert.equal(spec.stdin, "~/r/job");
  const out = loadFixture("lsf", "bsub-reply.txt").text;
  const b = spawnSync(
    "bash",
    ["-c", '[[ $1 =~ $2 ]] && printf %s "${BASH_REMATCH[1]}"', "_", out, LSF_ID_PATTERN],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  assert.equal(b.stdout.toString(), "22005");
  assert.equal(lsfRunner.parseSubmit({ rc: 0, id: "", start: "", boot: "", output: out }).jobId, "22005");
  const bad = lsfRunner.parseSubmit({
    rc: 255,
    id: "",
    start: "",
    boot: "",
    output: "default: No such queue. Job not submitted.\n",
  });
  assert.match(bad.error ?? "", /rc=255.*Job not submitted/);
});

test("directives: run limit in minutes, slots and memory with units, reserved refused", () => {
  const job = {
    key: "a/01",
    jobName: "run1.a.tok",
    stdout: "/o",
    stderr: "/e",
    timeLimitS: 61,
    cluster: null,
  };
  assert.deepEqual(
    lsfDirectives(job, { nodes: 2, cpus: 8, memoryBytes: 8 * 2 ** 30, queue: "normal", account: "proj" }, [
      { key: "-R", value: '"select[avx2]"' },
    ]),
    [
      "#BSUB -J run1.a.tok",
      "#BSUB -W 2",
      "#BSUB -n 16",
      '#BSUB -R "span[ptile=8]"',
      '#BSUB -R "rusage[mem=1024MB]"',
      "#BSUB -M 8192MB",
      "#BSUB -q normal",
      "#BSUB -P proj",
      '#BSUB -R "select[avx2]"',
    ],
  );
  assert.deepEqual(lsfDirectives({ ...job, timeLimitS: null }, { cpus: 2 }), [
    "#BSUB -J run1.a.tok",
    "#BSUB -n 2",
    '#BSUB -R "span[hosts=1]"',
  ]);
  for (const key of ["-J", "-o", "-oo", "-e", "-eo", "-W", "-wa", "-wt", "-clusters"]) {
    assert.throws(
      () => lsfDirectives(job, {}, [{ key, value: "x", file: "lsf.yaml", line: 3 }]),
      (e: unknown) =>
        e instanceof ConfigError && e.file === "lsf.yaml" && e.line === 3 && /reserved/.test(e.message),
    );
  }
  assert.throws(() => lsfDirectives({ ...job, jobName: "a\nb" }), ConfigError);
});

test("kill, lookup by name, capabilities", () => {
  assert.deepEqual(lsfRunner.killAction({ key: "a/01", jobId: "42", runnerData: {} }), {
    kind: "command",
    spec: { argv: ["bkill", "42"], stdin: "/dev/null" },
  });
  assert.equal(lsfRunner.killAction({ key: "a/01", jobId: "4 2", runnerData: {} }).kind, "refuse");
  assert.equal(lsfRunner.lookupQuery({ key: "a/01", scriptPath: "/j", token: "t" }), null);
  assert.deepEqual(
    lsfRunner.lookupQuery({ key: "a/01", scriptPath: "/j", token: "tok", runName: "run1" }),
    createLsfRunner({ runTag: "run1" }).lookupQuery({ key: "a/01", scriptPath: "/j", token: "tok" }),
    "the run's name given with the job stands for a run tag",
  );
  const named = createLsfRunner({ runTag: "run1" });
  assert.deepEqual(named.capabilities, {
    hostBound: false,
    killsGroup: true,
    clusters: false,
    accounting: true,
    jobNames: true,
  });
  assert.deepEqual(named.lookupQuery({ key: "a/01", scriptPath: "/j", token: "tok" }), {
    kind: "command",
    spec: {
      argv: ["bjobs", "-a", "-json", "-o", "jobid stat job_name", "-J", "run1.a.tok"],
      stdin: "/dev/null",
    },
  });
  const found = named.parseLookup({
    rc: 0,
    text: '{"COMMAND":"bjobs","JOBS":1,"RECORDS":[{"JOBID":"9","STAT":"PEND","JOB_NAME":"run1.a.tok"}]}\n',
    boot: "",
  });
  assert.deepEqual(found, { ok: true, answer: { kind: "found", jobId: "9" }, runnerData: {} });
  const gone = named.parseLookup({ rc: 255, text: "Job <run1.a.tok> is not found\n", boot: "" });
  assert.deepEqual(gone.ok && gone.answer, { kind: "not-found" });
  assert.equal(named.parseLookup({ rc: 255, text: "LSF is down\n", boot: "" }).ok, false);
});
