import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { buildSubmitInput } from "../../src/remote/submit-program.js";
import { newNonce } from "../../src/remote/nonce.js";
import { parseReply } from "../../src/remote/reply-parser.js";
import { backgroundRunner } from "../../src/runners/background/background-runner.js";
import type { SubmitBatchRequest } from "../../src/remote/batch-types.js";
import { fixtureJob, readOrNull, rmRun, tempRun, waitFor } from "./helpers.js";

function request(run: string, batchId: string, n: number): SubmitBatchRequest {
  const jobs = Array.from({ length: n }, (_, i) => fixtureJob(`cut${i}/01`, "sleep 0.1"));
  return { runDir: run, runner: "background", host: "localhost", timeoutMs: 10_000, batchId, jobs };
}

/** Runs `input` through `bash -s`; with `closeStdout` the reading side is gone from the start. */
function runBash(
  input: string,
  closeStdout = false,
  onSpawn?: (pid: number) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-s"], { stdio: ["pipe", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    if (closeStdout) child.stdout.destroy();
    else child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.stdin.on("error", () => undefined);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (child.pid !== undefined) onSpawn?.(child.pid);
    child.stdin.end(input);
  });
}

test("a payload cut anywhere writes no job file and launches nothing", async () => {
  const run = tempRun();
  try {
    const nonce = newNonce();
    const req = request(run, "cut", 5);
    const input = buildSubmitInput(req, backgroundRunner, nonce);
    const dataStart = input.indexOf("main; exit $?\n") + "main; exit $?\n".length;
    const trailer = input.lastIndexOf(`@@drover:${nonce} trailer`);
    // Mid-payload, just before the trailer, and inside the trailer line.
    for (const [i, cut] of [Math.floor((dataStart + trailer) / 2), trailer, trailer + 30].entries()) {
      const batch = `cut${i}`;
      const r = await runBash(
        buildSubmitInput({ ...req, batchId: batch }, backgroundRunner, nonce).slice(0, cut),
      );
      const reply = parseReply(r.stdout, nonce);
      assert.ok(reply.start, "the program started");
      assert.ok(
        reply.sections.some((s) => s.kind === "error" && s.arg === "payload"),
        r.stdout,
      );
      assert.equal(reply.sections.filter((s) => s.kind === "submit").length, 0);
      assert.match(r.stderr, /batch data rejected/);
      for (const j of req.jobs) {
        assert.equal(fs.existsSync(path.join(run, j.logDir, "job")), false);
        assert.equal(fs.existsSync(path.join(run, j.logDir, "job.status")), false);
      }
      const journal = fs.readFileSync(path.join(run, "batches", batch), "utf8");
      assert.match(journal, /^PID [0-9]+ [0-9]+ \S+\nDONE\n$/);
    }
  } finally {
    rmRun(run);
  }
});

test("the connection cut after the payload: the program keeps going, the journal ends with DONE, jobs ran", async () => {
  const run = tempRun();
  try {
    const req = request(run, "dropped", 20);
    const journal = path.join(run, "batches", "dropped");
    const input = buildSubmitInput(req, backgroundRunner, newNonce());
    const r = await runBash(input, true, (pid) => {
      // Hang up as soon as the program runs (its journal exists), like a dropped ssh session.
      void waitFor("journal", () => fs.existsSync(journal)).then(() => process.kill(pid, "SIGHUP"));
    });
    assert.notEqual(r.code, null, "not ended by HUP or PIPE");
    assert.match(r.stderr, /Broken pipe/, "the replies really hit a closed connection");
    const lines = fs.readFileSync(journal, "utf8").trim().split("\n");
    assert.equal(lines.at(-1), "DONE");
    assert.equal(lines.filter((l) => /^SUBMIT cut[0-9]+\/01 rc=0 id=[0-9]+ start=/.test(l)).length, 20);
    await waitFor("jobs to end", () =>
      req.jobs.every((j) =>
        /\|SUCCEEDED\|0\n$/.test(readOrNull(path.join(run, j.logDir, "job.status")) ?? ""),
      ),
    );
  } finally {
    rmRun(run);
  }
});
