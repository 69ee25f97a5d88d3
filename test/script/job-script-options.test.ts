import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ConfigError } from "../../src/errors.js";
import { generateJobScript, type JobScriptOptions } from "../../src/script/job-script.js";
import { normalizeSignals, signalNumber } from "../../src/script/signals.js";

const base: JobScriptOptions = {
  runName: "r1",
  runDir: "/srv/runs/r1",
  jobName: "a",
  submitNum: 1,
  tryNum: 1,
  logDir: "log/job/a/01",
  script: "true\n",
  env: {},
  envExpand: false,
  directives: [],
};

const bad: [string, Partial<JobScriptOptions>, RegExp][] = [
  ["run name with a slash", { runName: "a/b" }, /runName/],
  ["job name with a space", { jobName: "a b" }, /jobName/],
  ["job name starting with a dot", { jobName: ".x" }, /jobName/],
  ["relative run dir", { runDir: "runs/r1" }, /runDir/],
  ["run dir with a newline", { runDir: "/srv/x\ny" }, /runDir/],
  ["log dir with ..", { logDir: "log/../../etc" }, /logDir/],
  ["absolute log dir", { logDir: "/log/job/a/01" }, /logDir/],
  ["negative submit number", { submitNum: -1 }, /submitNum/],
  ["fractional try", { tryNum: 1.5 }, /tryNum/],
  ["NUL in the script", { script: "echo\0x" }, /script/],
  ["script over 1 MiB", { script: "x".repeat(1024 * 1024 + 1) }, /script is .* limit/],
  ["env name with a dash", { env: { "A-B": "x" } }, /env\.A-B/],
  ["env name $(id)", { env: { "$(id)": "x" } }, /env/],
  ["reserved DROVER_ env", { env: { DROVER_RUN: "x" } }, /reserved/],
  ["wrapper-internal env", { env: { drover_child: "1" } }, /reserved/],
  ["IFS in env", { env: { IFS: ":" } }, /reserved/],
  ["NUL in an env value", { env: { A: "a\0b" } }, /NUL/],
  ["directive that is not a comment", { directives: ["rm -rf ~"] }, /directives\[0\]/],
  ["directive with a newline", { directives: ["#SBATCH x\nrm -rf ~"] }, /directives\[0\]/],
  ["KILL as a fail signal", { failSignals: ["KILL"] }, /failSignals/],
  ["unknown signal", { failSignals: ["TERM; rm -rf ~"] }, /failSignals/],
  ["EXIT as a vacation signal", { vacationSignals: ["EXIT"] }, /vacationSignals/],
  ["a signal both fail and vacation", { failSignals: ["TERM"], vacationSignals: ["SIGTERM"] }, /both/],
];

for (const [name, patch, message] of bad) {
  test(`rejected: ${name}`, () => {
    assert.throws(
      () => generateJobScript({ ...base, ...patch }),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
    );
  });
}

test("accepted edge cases give a script bash can parse", () => {
  const cases: Partial<JobScriptOptions>[] = [
    { script: "" },
    { script: "x".repeat(1024 * 1024) },
    { runDir: "~" },
    { runDir: "/srv/it's here/$(id)" },
    { env: { PATH: "/opt/bin:$PATH", _x1: "", LANG: "C.UTF-8" }, envExpand: true },
    { failSignals: ["sigterm", "Usr2", "EXIT", "ERR"], vacationSignals: [] },
  ];
  for (const c of cases) {
    const text = generateJobScript({ ...base, ...c });
    const r = spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });
    assert.equal(r.status, 0, `${JSON.stringify(c).slice(0, 80)}: ${r.stderr}`);
  }
});

test("signal names normalise and map to Linux numbers", () => {
  assert.deepEqual(normalizeSignals(["SIGTERM", "term", "EXIT", "ERR", "xcpu"], "k", true), ["TERM", "XCPU"]);
  assert.equal(signalNumber("TERM"), 15);
  assert.equal(signalNumber("XCPU"), 24);
  assert.equal(signalNumber("USR1"), 10);
  assert.equal(signalNumber("toString"), undefined);
  // The table agrees with this host's bash (kill -l is a builtin: no guessing).
  for (const name of ["HUP", "INT", "TERM", "XCPU", "USR1", "USR2", "ALRM", "PWR"]) {
    const r = spawnSync("bash", ["-c", `kill -l ${name}`], { encoding: "utf8" });
    assert.equal(Number(r.stdout.trim()), signalNumber(name), name);
  }
});
