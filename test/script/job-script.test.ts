import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  generateJobScript,
  heredocDelimiter,
  pickDelimiter,
  type JobScriptOptions,
} from "../../src/script/job-script.js";
import { runJob } from "./run-job.js";

const baseOptions: JobScriptOptions = {
  runName: "r",
  runDir: "/srv/runs/r",
  jobName: "j",
  submitNum: 1,
  tryNum: 1,
  logDir: "log/job/j/01",
  script: "true\n",
  env: {},
  envExpand: false,
  directives: [],
};

test("exit 0: SUCCEEDED|0 after one INIT, wrapper exits 0", async () => {
  const r = await runJob("echo hello\n");
  try {
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "hello\n");
    assert.equal(r.status.inits.length, 1);
    assert.equal(r.status.last.kind, "init");
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["SUCCEEDED", 0]);
    assert.deepEqual(r.status.malformed, []);
    const init = r.status.inits[0];
    assert.equal(init?.runCount, 1);
    assert.match(init?.time ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Number.isInteger(init?.pid) && (init?.pid ?? 0) > 1);
    assert.equal(r.status.jobId, init?.jobId, "job ID falls back to the INIT's process group");
  } finally {
    r.cleanup();
  }
});

test("exit 3: ERR|3 and the wrapper exits 3", async () => {
  const r = await runJob("exit 3\n");
  try {
    assert.equal(r.code, 3);
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["ERR", 3]);
  } finally {
    r.cleanup();
  }
});

test("set -e and a failing command behave as under bash -c", async () => {
  const r = await runJob("set -e\nfalse\necho not reached\n");
  try {
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["ERR", 1]);
    assert.equal(r.stdout, "");
  } finally {
    r.cleanup();
  }
});

test("runner environment: Slurm job ID with cluster and run count; a hostile PBS_JOBID is defused", async () => {
  const script = "echo ok\n";
  const r = await runJob(script, {
    prefix: ["env", "SLURM_JOB_ID=4242", "SLURM_CLUSTER_NAME=c2", "SLURM_RESTART_COUNT=2"],
  });
  try {
    assert.equal(r.status.inits[0]?.jobId, "4242;c2");
    assert.equal(r.status.inits[0]?.runCount, 3);
    assert.equal(r.status.jobId, "4242;c2");
  } finally {
    r.cleanup();
  }
  const pbs = await runJob(script, {
    prefix: ["env", "PBS_JOBID=7|x\nDROVER_JOB_EXIT=y", "SLURM_RESTART_COUNT=x"],
  });
  try {
    assert.equal(pbs.status.jobId, "7_x_DROVER_JOB_EXIT=y", "a hostile job ID cannot add a line");
    assert.equal(pbs.status.inits[0]?.runCount, 1);
    assert.deepEqual(pbs.status.malformed, []);
  } finally {
    pbs.cleanup();
  }
});

test("a message with a newline is escaped: one message, no forged EXIT", async () => {
  const text = "first\nDROVER_JOB_EXIT=2026-01-01T00:00:00Z|SUCCEEDED|0\r\\end";
  const script = `drover_message WARNING "$MSG"\nbash -c 'drover_message INFO from a sub-script'\nexit 5\n`;
  const r = await runJob(script, { job: { env: { MSG: text } } });
  try {
    assert.equal(r.status.messages.length, 2);
    assert.deepEqual(
      r.status.messages.map((m) => [m.severity, m.text]),
      [
        ["WARNING", text],
        ["INFO", "from a sub-script"],
      ],
    );
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["ERR", 5]);
    assert.equal(r.statusText.split("\n").filter((l) => l.startsWith("DROVER_JOB_EXIT=")).length, 1);
  } finally {
    r.cleanup();
  }
});

test("drover_message rejects a bad severity with rc 2", async () => {
  const r = await runJob("drover_message DEBUG hi; echo rc=$?\n");
  try {
    assert.equal(r.stdout, "rc=2\n");
    assert.match(r.stderr, /severity must be INFO, WARNING or CRITICAL/);
    assert.equal(r.status.messages.length, 0);
  } finally {
    r.cleanup();
  }
});

test("env values are literal unless envExpand", async () => {
  const marker = path.join("/tmp", `pwned-xyz-${process.pid}`);
  const env = { EVIL: `$(touch ${marker})`, QUOTE: 'it\'s "q" \\ `id`', MULTI: "a\nb" };
  const script = 'printf "%s|" "$EVIL" "$QUOTE" "$MULTI"\n';
  const r = await runJob(script, { job: { env } });
  try {
    assert.equal(r.stdout, `${env.EVIL}|${env.QUOTE}|${env.MULTI}|`);
    assert.equal(fs.existsSync(marker), false);
  } finally {
    r.cleanup();
  }
});

test("envExpand: $VAR and $(cmd) expand at job start; a broken value cannot break the wrapper", async () => {
  const env = { WHERE: "$DROVER_SHARE_DIR/x", CMD: '$(echo made)-"q"', BROKEN: "$(echo oops", AFTER: "ok" };
  const script = 'printf "%s|" "$WHERE" "$CMD" "${BROKEN-unset}" "$AFTER"\n';
  const r = await runJob(script, { job: { env, envExpand: true } });
  try {
    assert.equal(r.stdout, `${r.runDir}/share/x|made-"q"|unset|ok|`);
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["SUCCEEDED", 0]);
    assert.deepEqual(
      r.status.messages.map((m) => m.text),
      ["env BROKEN: cannot expand the value"],
    );
  } finally {
    r.cleanup();
  }
});

test("DROVER_* variables, the work directory and share/", async () => {
  const r = await runJob('env | grep ^DROVER_ | sort\necho "cwd=$PWD"\n', {
    job: { tryNum: 2, submitNum: 3 },
  });
  try {
    assert.deepEqual(r.stdout.trim().split("\n"), [
      `DROVER_JOB_LOG_DIR=${r.runDir}/log/job/a/01`,
      "DROVER_JOB_NAME=a",
      "DROVER_RUN=r1",
      `DROVER_RUN_DIR=${r.runDir}`,
      `DROVER_SHARE_DIR=${r.runDir}/share`,
      `DROVER_STATUS_FILE=${r.runDir}/log/job/a/01/job.status`,
      "DROVER_SUBMIT_NUM=3",
      "DROVER_TRY=2",
      `cwd=${r.runDir}/work/a`,
    ]);
    assert.ok(fs.statSync(path.join(r.runDir, "share")).isDirectory());
  } finally {
    r.cleanup();
  }
});

test("a tool in <run>/bin is found first on PATH", async () => {
  const r = await runJob(
    'mkdir -p "$DROVER_RUN_DIR/bin"\nprintf "#!/bin/sh\\necho tool ran\\n" > "$DROVER_RUN_DIR/bin/drover-tool"\nchmod +x "$DROVER_RUN_DIR/bin/drover-tool"\nhash -r\ndrover-tool\necho "${PATH%%:*}"\n',
  );
  try {
    assert.equal(r.stdout, `tool ran\n${r.runDir}/bin\n`);
  } finally {
    r.cleanup();
  }
});

test("the script cannot break out: delimiter-like lines, EOF lines, unbalanced quotes", async () => {
  const hostile = `${heredocDelimiter("x")}\nEOF\nDROVER_SCRIPT_END\n'\n`;
  const ok = await runJob(`cat <<'EOF'\nEOF inside\nEOF\necho 'DROVER_SCRIPT_END_0000'\n`);
  const bad = await runJob(`echo before\necho "unbalanced\n${hostile}`);
  try {
    assert.equal(ok.stdout, "EOF inside\nDROVER_SCRIPT_END_0000\n");
    assert.deepEqual([ok.status.exit?.signal, ok.status.exit?.code], ["SUCCEEDED", 0]);
    assert.equal(bad.stdout, "before\n");
    assert.deepEqual([bad.status.exit?.signal, bad.status.exit?.code], ["ERR", 2]);
    assert.match(bad.stderr, /unexpected EOF/);
  } finally {
    ok.cleanup();
    bad.cleanup();
  }
});

test("the delimiter is lengthened until no line equals it; header and ~ run dir", () => {
  assert.equal(pickDelimiter("a\nEND\nEND_\nb", "END"), "END__");
  assert.equal(pickDelimiter("END_x\n END", "END"), "END");
  const script = "echo hi\n";
  const text = generateJobScript({
    runName: "r",
    runDir: "~/runs/r/",
    jobName: "j",
    submitNum: 1,
    tryNum: 1,
    logDir: "log/job/j/01",
    script,
    env: {},
    envExpand: false,
    directives: ["#SBATCH --mem=1G", "#SBATCH --time=10"],
  });
  assert.match(text, /^#!\/bin\/bash\n#SBATCH --mem=1G\n#SBATCH --time=10\n#/);
  assert.ok(text.includes(`export DROVER_RUN_DIR="$HOME"/runs/r\n`));
  assert.ok(text.includes(`<<'${heredocDelimiter(script)}' &\n${script}${heredocDelimiter(script)}\n`));
  assert.equal(generateJobScript({ ...baseOptions, script }), generateJobScript({ ...baseOptions, script }));
});

test("a 1 MiB script runs", async () => {
  const line = ": ".padEnd(1023, "x") + "\n";
  const body = line.repeat(1023) + "echo done $((6 * 7))\n";
  const r = await runJob(body);
  try {
    assert.ok(Buffer.byteLength(body) <= 1024 * 1024 && Buffer.byteLength(body) > 1000 * 1024);
    assert.equal(r.stdout, "done 42\n");
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["SUCCEEDED", 0]);
  } finally {
    r.cleanup();
  }
});

test("the job keeps its stdin and a script without a final newline still runs", async () => {
  const r = await runJob('read -r x; echo "got=${x-none} rc=$?"; printf last');
  try {
    assert.equal(r.stdout, "got= rc=1\nlast");
    assert.deepEqual([r.status.exit?.signal, r.status.exit?.code], ["SUCCEEDED", 0]);
  } finally {
    r.cleanup();
  }
});
