import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateJobScript } from "../../src/script/job-script.js";
import { parseStatusFile } from "../../src/script/status-file.js";
import { prng } from "../runners/fixture-file.js";

const LOG = "log/job/a/01";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A started job: its temp run directory, its process, and a promise of how it ended. */
function startJob(script: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "drover-race-"));
  const runDir = path.join(root, "run");
  fs.mkdirSync(path.join(runDir, LOG), { recursive: true });
  const job = path.join(runDir, LOG, "job");
  fs.writeFileSync(path.join(runDir, LOG, "job.status"), "DROVER_JOB_TOKEN=t0123456789\n");
  fs.writeFileSync(
    job,
    generateJobScript({
      runName: "r1",
      runDir,
      jobName: "a",
      submitNum: 1,
      tryNum: 1,
      logDir: LOG,
      script,
      env: {},
      envExpand: false,
      directives: [],
    }),
  );
  // Its own process group, as the runners start it: a group TERM is what scancel sends.
  const child = spawn("bash", [job], { cwd: root, detached: true, stdio: "ignore" });
  const ended = new Promise<NodeJS.Signals | null>((r) => child.on("close", (_c, sig) => r(sig)));
  const status = () => parseStatusFile(fs.readFileSync(path.join(runDir, LOG, "job.status"), "utf8"));
  const work = path.join(runDir, "work/a");
  return {
    pid: child.pid as number,
    ended,
    status,
    work,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

async function waitFile(file: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > end) throw new Error(`no ${file}`);
    await sleep(10);
  }
}

test("TERM to the group at random moments (before, during, after the command starts): never exit(143)", async () => {
  const rand = prng(143);
  const seen = { before: 0, signal: 0 };
  for (let round = 0; round < 8; round++) {
    // Four jobs at once (2 cores): delays from 0 to 150 ms span the wrapper's setup and the command.
    const jobs = Array.from({ length: 4 }, () => ({
      j: startJob(": > started\nsleep 5\n"),
      delay: Math.floor(rand() * 150),
    }));
    await Promise.all(
      jobs.map(async ({ j, delay }) => {
        try {
          await sleep(delay);
          process.kill(-j.pid, "SIGTERM");
          const sig = await j.ended;
          const s = j.status();
          if (s.exit === null) {
            // Killed before the wrapper set its traps: bash died of TERM and wrote nothing.
            assert.equal(sig, "SIGTERM", `delay ${delay}: no EXIT line, yet bash did not die of TERM`);
            assert.equal(s.inits.length, 0, `delay ${delay}: INIT written but no EXIT line`);
            seen.before++;
          } else {
            assert.deepEqual(
              [s.exit.signal, s.exit.code],
              ["TERM", 143],
              `delay ${delay}: ${JSON.stringify(s.exit)}`,
            );
            seen.signal++;
          }
        } finally {
          j.cleanup();
        }
      }),
    );
  }
  assert.ok(seen.signal > 0, JSON.stringify(seen));
});

test("the command dies of TERM before the wrapper's own TERM arrives (scancel race): EXIT TERM, not ERR|143", async () => {
  const j = startJob("echo $$ > job.pid\n: > started\nsleep 30\n");
  try {
    await waitFile(path.join(j.work, "started"), 10_000);
    const jobPid = Number(fs.readFileSync(path.join(j.work, "job.pid"), "utf8"));
    process.kill(jobPid, "SIGTERM");
    await sleep(150);
    process.kill(-j.pid, "SIGTERM");
    await j.ended;
    const s = j.status();
    assert.deepEqual([s.exit?.signal, s.exit?.code], ["TERM", 143], JSON.stringify(s.exit));
  } finally {
    process.kill(-j.pid, "SIGKILL");
    j.cleanup();
  }
});

test("the command dies of TERM and the wrapper is never signalled: ERR|143 after a short wait", async () => {
  const j = startJob("echo $$ > job.pid\n: > started\nsleep 30\n");
  try {
    await waitFile(path.join(j.work, "started"), 10_000);
    const t0 = Date.now();
    process.kill(Number(fs.readFileSync(path.join(j.work, "job.pid"), "utf8")), "SIGTERM");
    await j.ended;
    const s = j.status();
    assert.equal(s.exit?.code, 143);
    assert.notEqual(s.exit?.signal, "TERM", JSON.stringify(s.exit));
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    try {
      process.kill(-j.pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
    j.cleanup();
  }
});
