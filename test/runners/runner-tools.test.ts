import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildQueryInput } from "../../src/remote/query-program.js";
import { readQueryReply } from "../../src/remote/query-reply.js";
import { getRunner } from "../../src/runners/registry.js";
import { allRunnerTools, runnerTools } from "../../src/runners/runner-tools.js";
import type { CommandResult } from "../../src/transport/command-result.js";

const NONCE = "0123456789abcdef0123456789abcdef";

test("each built-in runner declares its own commands; submit checks them all", () => {
  const want: Record<string, string[]> = {
    slurm: ["sbatch", "squeue", "scancel", "sacct"],
    sge: ["qsub", "qstat", "qdel", "qacct"],
    at: ["at", "atq", "atrm"],
    pbs: ["qsub", "qstat", "qdel"],
    lsf: ["bsub", "bjobs", "bkill"],
  };
  for (const [name, tools] of Object.entries(want)) {
    const r = getRunner(name);
    for (const t of tools) assert.ok(runnerTools(r, "submit").includes(t), `${name} submit checks ${t}`);
    assert.deepEqual(allRunnerTools(r), runnerTools(r, "submit"));
  }
  assert.deepEqual(runnerTools(getRunner("slurm"), "poll"), ["squeue", "id"]);
  assert.deepEqual(runnerTools(getRunner("slurm"), "kill"), ["scancel"]);
  assert.deepEqual(runnerTools(getRunner("sge"), "accounting"), ["qacct"]);
  assert.deepEqual(runnerTools(getRunner("background"), "submit"), []);
  // Site runners are not trusted with shell text: only plain command names are kept.
  assert.deepEqual(runnerTools({ tools: { poll: ["tsp", "x; rm -rf ~", "$(id)", ""] } }, "poll"), ["tsp"]);
});

test("a host lacking squeue: the query batch does not start and names the tool and the host", () => {
  // Every command of /usr/bin and /bin but squeue, as PATH of a real bash.
  const farm = fs.mkdtempSync(path.join(os.tmpdir(), "drover-tools-"));
  try {
    for (const dir of ["/usr/bin", "/bin"])
      for (const f of fs.readdirSync(dir))
        if (f !== "squeue" && !fs.existsSync(path.join(farm, f)))
          fs.symlinkSync(path.join(dir, f), path.join(farm, f));
    const slurm = getRunner("slurm");
    const q = slurm.pollQuery([{ key: "a/01", jobId: "12", runnerData: {} }]);
    assert.ok(q.kind === "command");
    assert.equal(q.spec.argv[0], "sh", "the first word alone would check only sh");
    const input = buildQueryInput([{ id: "poll", spec: q.spec, tools: runnerTools(slurm, "poll") }], NONCE);
    const t0 = Date.now();
    const r = spawnSync(path.join(farm, "bash"), ["-s"], {
      input,
      encoding: "utf8",
      env: { PATH: farm, HOME: farm },
    });
    const result: CommandResult = {
      argv: ["bash", "-s"],
      host: "cluster-login-7",
      exitCode: r.status,
      signal: r.signal,
      stdout: r.stdout,
      stderr: r.stderr,
      durationMs: Date.now() - t0,
      timedOut: false,
    };
    const reply = readQueryReply(result, NONCE);
    assert.equal(reply.started, false);
    assert.deepEqual(reply.missingTools, ["squeue"]);
    assert.match(
      reply.error ?? "",
      /did not start on cluster-login-7: .*missing on the job host's PATH: squeue/,
    );
    assert.equal(reply.answers.size, 0);
  } finally {
    fs.rmSync(farm, { recursive: true, force: true });
  }
});
