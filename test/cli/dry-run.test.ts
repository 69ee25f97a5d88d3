import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sandbox, DROVER, ROOT, type Sandbox } from "../helpers/cli.js";

const TSP = resolve(ROOT, "examples/runners/tsp-runner.js");

/** A sandbox whose user platform file is absent (HOME inside it), removed after the test. */
function box(t: TestContext): Sandbox {
  const sb = sandbox();
  sb.env.HOME = sb.dir;
  delete sb.env.DROVER_PLATFORMS;
  t.after(() => sb.cleanup());
  return sb;
}

/** The lines of one job's block in the dry-run output. */
function block(stdout: string, job: string): string[] {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`job ${job}:`));
  assert.ok(start >= 0, `no block for ${job} in:\n${stdout}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith("job "));
  return lines.slice(start, end < 0 ? undefined : end);
}

test("localhost jobs: platform, runner, the real job script and the background command; no run made", (t) => {
  const sb = box(t);
  const file = sb.write(
    "chain.yaml",
    [
      "jobs:",
      "  first: { script: echo one }",
      "  second: { needs: first, script: 'echo \"$X\"', env: { X: '1' }, time_limit: PT1M }",
      "",
    ].join("\n"),
  );
  const r = sb.drover(["run", file, "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^dry run of .*chain\.yaml as run chain: nothing is submitted$/m);
  const second = block(r.stdout, "second");
  assert.equal(second[0], "job second: platform localhost, host localhost, runner background");
  assert.ok(second.includes("  directives: none"));
  const runDir = join(sb.home, "chain");
  const submit = second.find((l) => l.startsWith("  submit: ")) ?? "";
  assert.equal(
    submit,
    `  submit: timeout -k 30s --signal=XCPU 60s bash ${runDir}/log/job/second/01/job </dev/null >${runDir}/log/job/second/01/job.out 2>${runDir}/log/job/second/01/job.err &`,
  );
  assert.ok(second.includes(`  script ${runDir}/log/job/second/01/job:`));
  assert.ok(second.includes("    #!/bin/bash"));
  assert.ok(second.includes('    echo "$X"'), "the user's script is in the job script");
  assert.ok(second.includes("      export X=1"), "the job's env is in the job script");
  // Nothing was created: no run directory, not even the runs home.
  assert.equal(existsSync(sb.home), false);
});

test("long output reaches a slow pipe whole: Drover exits only once stdout has taken it", (t) => {
  const sb = box(t);
  const jobs = Array.from({ length: 40 }, (_, i) => `  j${i}: { script: echo ${i} }`);
  const file = sb.write("many.yaml", ["jobs:", ...jobs, ""].join("\n"));
  const toFile = join(sb.dir, "whole.txt");
  const argv = [process.execPath, DROVER, "run", file, "--dry-run"].map((a) => `'${a}'`).join(" ");
  // The reader sleeps before reading: Drover's writes fill the pipe and must wait, not be cut.
  const r = spawnSync("sh", ["-c", `${argv} > '${toFile}' && ${argv} | { sleep 1; cat; }`], {
    env: sb.env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  const whole = readFileSync(toFile, "utf8");
  assert.ok(whole.length > 200_000, `a long output (${whole.length} bytes)`);
  assert.equal(r.stdout.replace(/DRYRUN\w*/g, ""), whole.replace(/DRYRUN\w*/g, ""));
  assert.match(r.stdout, /^job j39: /m);
});

test("a Slurm platform: directives with the placeholder token, sbatch, and no host contacted", (t) => {
  const sb = box(t);
  const file = sb.write(
    "hpc.yaml",
    [
      "platforms:",
      "  hpc:",
      "    hosts: [login1.invalid, login2.invalid]",
      "    runner: slurm",
      "    run_root: ~/runs",
      "    connect_timeout: PT1S",
      "jobs:",
      "  sim:",
      "    platform: hpc",
      "    script: srun ./sim",
      "    time_limit: PT10M",
      '    directives: { "--gres": "gpu:1" }',
      "",
    ].join("\n"),
  );
  const started = Date.now();
  const r = sb.drover(["run", file, "--dry-run", "--name", "trial"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - started < 20_000, "no host was waited for");
  const sim = block(r.stdout, "sim");
  assert.equal(
    sim[0],
    "job sim: platform hpc, host login1.invalid (of login1.invalid, login2.invalid), runner slurm",
  );
  assert.ok(sim.includes("    #SBATCH --job-name=trial.sim.DRYRUN000000000000000000"), sim.join("\n"));
  assert.ok(sim.includes("    #SBATCH --gres=gpu:1"));
  assert.ok(sim.some((l) => /^ {4}#SBATCH --time=/.test(l)));
  assert.ok(
    sim.includes('  submit: sbatch --parsable -D "$HOME" "$HOME"/runs/trial/log/job/sim/01/job </dev/null'),
    sim.join("\n"),
  );
  assert.ok(sim.includes("    srun ./sim"));
});

test("a site runner named by runner_module beside the job set shows its own submit command", (t) => {
  const sb = box(t);
  sb.write("runners/tsp.js", `export { default } from ${JSON.stringify(`file://${TSP}`)};\n`);
  const file = sb.write(
    "spool.yaml",
    [
      "platforms:",
      "  spool: { hosts: box1.invalid, runner: tsp, runner_module: ./runners/tsp.js }",
      "jobs:",
      "  a: { platform: spool, script: echo a }",
      "",
    ].join("\n"),
  );
  const r = sb.drover(["run", file, "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  const a = block(r.stdout, "a");
  assert.equal(a[0], "job a: platform spool, host box1.invalid, runner tsp");
  const submit = a.find((l) => l.startsWith("  submit: sh -c ")) ?? "";
  assert.match(submit, /tsp -L "\$1"/);
  assert.match(submit, / drover\.a\.01\.DRYRUN000000000000000000 /);
  assert.match(submit, / "\$HOME"\/drover-run\/spool\/log\/job\/a\/01\/job /);
});

test("refusals: a reserved directive names file and line; --dry-run takes no --new; a missing module", (t) => {
  const sb = box(t);
  const bad = sb.write(
    "bad.yaml",
    [
      "platforms:",
      "  hpc: { hosts: h.invalid, runner: slurm }",
      "jobs:",
      "  x:",
      "    platform: hpc",
      "    script: echo",
      '    directives: { "--job-na": y }',
      "",
    ].join("\n"),
  );
  const r1 = sb.drover(["run", bad, "--dry-run"]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /bad\.yaml:7 .*reserved directive --job-na/);
  const r2 = sb.drover(["run", bad, "--dry-run", "--new"]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--dry-run creates no run/);
  const gone = sb.write(
    "gone.yaml",
    [
      "platforms:",
      "  s: { hosts: h.invalid, runner: tsp, runner_module: ./nowhere.js }",
      "jobs:",
      "  a: { platform: s, script: echo }",
      "",
    ].join("\n"),
  );
  const r3 = sb.drover(["run", gone, "--dry-run"]);
  assert.equal(r3.code, 2);
  assert.match(
    r3.stderr,
    /gone\.yaml:2 \(platforms\.s\.runner_module\): runner_module "\.\/nowhere\.js": no such file/,
  );
});

test("job text reaches the terminal with its control characters escaped", (t) => {
  const sb = box(t);
  const file = sb.write(
    "esc.yaml",
    ["jobs:", '  e: { script: "printf \\"\\u001b[31mred\\"" }', ""].join("\n"),
  );
  const r = sb.drover(["run", file, "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes("\u001b"), "no raw escape in the output");
  assert.match(r.stdout, /\\x1b\[31mred/);
});
