/**
 * Drover killed mid-run (SIGKILL and SIGINT at random moments) and run again finishes the run with
 * no job lost and none run twice, counted from the jobs' own side effects.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox, statusJson } from "../helpers/cli.js";

const JOBS = 40;

function jobSet(): string {
  const lines = ["max_active: 8", "jobs:"];
  for (let i = 0; i < JOBS; i++) {
    lines.push(`  j${i}:`);
    // Each run of a job leaves one line in its own file: two lines would mean it ran twice.
    lines.push(
      `    script: echo "$DROVER_SUBMIT_NUM" >> "$DROVER_SHARE_DIR/ran-$DROVER_JOB_NAME"; sleep 0.$((RANDOM % 8))`,
    );
    if (i >= 10) lines.push(`    needs: [j${i - 10}]`);
  }
  return lines.join("\n") + "\n";
}

test("SIGKILL and SIGINT mid-run, then resume: every job ran exactly once", async () => {
  const sb = sandbox();
  try {
    const file = sb.write("crash.yaml", jobSet());
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let interruptions = 0;
    for (let round = 0; round < 10; round++) {
      const child = sb.spawnDrover(["run", file]);
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
      const delay = 200 + Math.floor(rand() * 1200);
      const timer = new Promise<"timer">((res) => setTimeout(() => res("timer"), delay));
      const first = await Promise.race([exited, timer]);
      if (first !== "timer") {
        assert.equal(first, 0, stderr);
        break;
      }
      child.kill(round % 3 === 2 ? "SIGINT" : "SIGKILL");
      interruptions++;
      const code = await exited;
      if (round % 3 === 2) assert.ok(code === 1 || code === 0, `SIGINT exit ${code}: ${stderr}`);
    }
    const final = sb.drover(["run", file], { timeoutMs: 180_000 });
    assert.equal(final.code, 0, final.stderr + final.stdout);
    assert.ok(interruptions >= 3, `only ${interruptions} interruptions`);
    const share = join(sb.home, "crash", "share");
    const files = readdirSync(share).filter((f) => f.startsWith("ran-"));
    assert.equal(files.length, JOBS, "every job ran");
    for (const f of files) {
      const runs = readFileSync(join(share, f), "utf8").trim().split("\n");
      assert.equal(runs.length, 1, `${f} ran ${runs.length} times (submissions ${runs.join(",")})`);
    }
    for (const [name, j] of statusJson(sb, "crash")) assert.equal(j.state, "succeeded", name);
  } finally {
    sb.cleanup();
  }
});
