/** The PBS runner: submission, directives, kill and lookups by name. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ConfigError } from "../../src/errors.js";
import { runnerJobName } from "../../src/runners/common/batch-common.js";
import { pbsDirectives, walltime } from "../../src/runners/pbs/directives.js";
import { PBS_ID_PATTERN, createPbsRunner, pbsRunner } from "../../src/runners/pbs/pbs-runner.js";
import { loadFixture } from "./fixture-file.js";

test("submit: qsub with the output paths and an explicit stdin; the ID read by the real bash regex", () => {
  const spec = pbsRunner.submitCommand({
    key: "a/01",
    token: "t",
    scriptPath: "~/r/job",
    stdout: "~/r/job.out",
    stderr: "~/r/job.err",
    timeLimitS: 60,
  });
  assert.deepEqual(spec.argv, [
    "qsub",
    "-o",
    { path: "~/r/job.out" },
    "-e",
    { path: "~/r/job.err" },
    { path: "~/r/job" },
  ]);
  assert.equal(spec.stdin, "/dev/null");
  const out = loadFixture("pbs", "qsub-reply.txt").text;
  const b = spawnSync(
    "bash",
    ["-c", '[[ $1 =~ $2 ]] && printf %s "${BASH_REMATCH[1]}"', "_", out, PBS_ID_PATTERN],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  assert.equal(b.stdout.toString(), "13031539.meta-pbs.metacentrum.cz");
  assert.deepEqual(pbsRunner.parseSubmit({ rc: 0, id: "", start: "", boot: "", output: out }), {
    jobId: "13031539.meta-pbs.metacentrum.cz",
    runnerData: {},
    error: null,
  });
  const bad = pbsRunner.parseSubmit({ rc: 38, id: "", start: "", boot: "", output: "qsub: Unknown queue\n" });
  assert.equal(bad.jobId, null);
  assert.match(bad.error ?? "", /rc=38.*Unknown queue/);
});

test("directives: time limit, generic attributes per flavour, raw pass-through, reserved refused", () => {
  const job = {
    key: "a/01",
    jobName: "run1.a.0123456789abcdef01234567",
    stdout: "/o",
    stderr: "/e",
    timeLimitS: 3661,
    cluster: null,
  };
  assert.deepEqual(
    pbsDirectives(job, "pbspro", { nodes: 2, cpus: 4, memoryBytes: 2 ** 30, queue: "workq", account: "p1" }, [
      { key: "-m", value: "n" },
    ]),
    [
      "#PBS -N run1.a.0123456789abcdef01234567",
      "#PBS -l walltime=01:01:01",
      "#PBS -l select=2:ncpus=4:mem=1048576kb",
      "#PBS -l place=scatter",
      "#PBS -q workq",
      "#PBS -A p1",
      "#PBS -m n",
    ],
  );
  assert.deepEqual(
    pbsDirectives({ ...job, timeLimitS: null }, "torque", { nodes: 2, cpus: 4, memoryBytes: 2 ** 20 }).slice(
      1,
    ),
    ["#PBS -l nodes=2:ppn=4", "#PBS -l mem=2048kb"],
  );
  assert.equal(walltime(90000), "25:00:00");
  for (const [key, value] of [
    ["-N", "x"],
    ["-o", "/x"],
    ["-e", "/x"],
    ["-j", "oe"],
    ["-l", "walltime=1:00:00"],
    ["-q", "q@other"],
  ]) {
    assert.throws(
      () =>
        pbsDirectives(job, "pbspro", {}, [
          { key: key as string, value: value as string, file: "site.yaml", line: 7 },
        ]),
      (e: unknown) =>
        e instanceof ConfigError && e.file === "site.yaml" && e.line === 7 && /reserved/.test(e.message),
    );
  }
  assert.throws(() => pbsDirectives(job, "pbspro", {}, [{ key: "-m", value: "a\nrm -rf ~" }]), ConfigError);
  assert.throws(() => pbsDirectives({ ...job, jobName: "a b" }, "pbspro"), ConfigError);
  assert.throws(() => pbsDirectives(job, "pbspro", { cpus: 0 }), ConfigError);
  assert.throws(() => pbsDirectives(job, "pbspro", { queue: "q w" }), ConfigError);
  // A long name keeps its run tag start and its whole token.
  const long = runnerJobName("run".repeat(40), "job".repeat(60), "0123456789abcdef01234567", 236);
  assert.equal(long.length, 236);
  assert.ok(long.startsWith("runrun") && long.endsWith(".0123456789abcdef01234567"));
  assert.equal(
    pbsDirectives({ ...job, jobName: `r.${"x".repeat(300)}.tok` }, "pbspro")[0]?.length,
    "#PBS -N ".length + 236,
  );
});

test("kill, lookup by name, capabilities", () => {
  assert.deepEqual(pbsRunner.killAction({ key: "a/01", jobId: "12.s", runnerData: {} }), {
    kind: "command",
    spec: { argv: ["qdel", "12.s"], stdin: "/dev/null" },
  });
  assert.equal(pbsRunner.killAction({ key: "a/01", jobId: "12;x", runnerData: {} }).kind, "refuse");
  assert.equal(pbsRunner.lookupQuery({ key: "a/01", scriptPath: "/j", token: "t" }), null);
  assert.equal(pbsRunner.capabilities.jobNames, true, "the run's name comes with each lookup");
  const tok = "0123456789abcdef01234567";
  assert.deepEqual(
    pbsRunner.lookupQuery({ key: "a/01", scriptPath: "/j", token: tok, runName: "run1" })?.kind,
    "command",
  );
  const named = createPbsRunner({ runTag: "run1" });
  assert.equal(named.capabilities.jobNames, true);
  assert.equal(named.capabilities.accounting, true);
  assert.deepEqual(named.lookupQuery({ key: "a/01", scriptPath: "/j", token: "0123456789abcdef01234567" }), {
    kind: "command",
    spec: { argv: ["qselect", "-x", "-N", "run1.a.0123456789abcdef01234567"], stdin: "/dev/null" },
  });
  assert.equal(createPbsRunner({ flavor: "torque", runTag: "r" }).capabilities.jobNames, false);
  assert.deepEqual(named.parseLookup({ rc: 0, text: "77.srv\n", boot: "" }), {
    ok: true,
    answer: { kind: "found", jobId: "77.srv" },
    runnerData: {},
  });
  assert.deepEqual(named.parseLookup({ rc: 0, text: "", boot: "" }).ok && "not-found", "not-found");
  assert.equal(named.parseLookup({ rc: 0, text: "77.sr", boot: "" }).ok, false);
  assert.equal(named.parseLookup({ rc: 2, text: "qselect: error\n", boot: "" }).ok, false);
});
