/**
 * `npm run bench -- local`: 1,000 no-op background jobs in one run on localhost, submitted and polled
 * to completion with max_active and max_batch lifted, against two floors measured in the same run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runJobSet } from "../src/index.js";
import { floorPayload } from "./floor-payload.js";

const N = 1000;

function jobSetText(n: number): string {
  const lines = ["jobs:"];
  for (let i = 0; i < n; i++) lines.push(`  j${i}:`, `    script: "true"`);
  return lines.join("\n") + "\n";
}

function timeBash(args: string[], input?: string): number {
  const t0 = performance.now();
  const r = spawnSync("bash", args, {
    input,
    encoding: "utf8",
    stdio: [input === undefined ? "ignore" : "pipe", "ignore", "pipe"],
  });
  const t = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`floor failed: ${r.stderr}`);
  return t;
}

/** Waits until no process of the given directory is left (the floors' jobs). */
function settle(dir: string): void {
  for (let i = 0; i < 100; i++) {
    if (spawnSync("pgrep", ["-f", dir]).status !== 0) return;
    spawnSync("sleep", ["0.1"]);
  }
}

export async function benchLocal(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), "drover-bench-"));
  try {
    const floorDir = join(base, "floor");
    const payload = floorPayload(floorDir, N);
    const sameWork = timeBash([join(import.meta.dirname, "floor-submit.sh"), floorDir, String(N)], payload);
    settle(floorDir);
    const bare = timeBash([
      "-c",
      `set -m; for ((i = 0; i < ${N}; i++)); do bash -c 'exit 0' </dev/null >/dev/null 2>&1 & done`,
    ]);
    settle("exit 0");

    const file = join(base, "bench.yaml");
    writeFileSync(file, jobSetText(N));
    let submitted = 0;
    let submitS = 0;
    const t0 = performance.now();
    const result = await runJobSet(file, {
      home: join(base, "runs"),
      maxBatch: N,
      maxActive: N,
      onEvent: (e) => {
        if (e.kind === "command" && e.text.startsWith("submit batch")) {
          submitted += Number(/: (\d+) jobs/.exec(e.text)?.[1] ?? 0);
          if (submitted >= N && submitS === 0) submitS = (performance.now() - t0) / 1000;
        }
      },
    });
    const totalS = (performance.now() - t0) / 1000;
    if (!result.allSucceeded)
      throw new Error(`not every job succeeded: ${JSON.stringify([...result.counts])}`);
    const pollS = totalS - submitS;
    const fig = {
      jobs: N,
      submit_s: round(submitS),
      same_work_floor_s: round(sameWork),
      submit_ratio: round(submitS / sameWork),
      bare_floor_s: round(bare),
      bare_ratio: round(submitS / bare),
      poll_s: round(pollS),
      total_s: round(totalS),
    };
    console.log(`local: ${N} no-op background jobs, max_batch and max_active ${N}`);
    console.log("measure                         seconds   ratio");
    console.log(`drover submit (call to commit)  ${fig.submit_s.toFixed(3).padStart(7)}`);
    console.log(
      `same-work floor (bash + awk)    ${fig.same_work_floor_s.toFixed(3).padStart(7)}   ${fig.submit_ratio.toFixed(2)}x`,
    );
    console.log(
      `bare launch floor               ${fig.bare_floor_s.toFixed(3).padStart(7)}   ${fig.bare_ratio.toFixed(2)}x`,
    );
    console.log(`drover poll to all final        ${fig.poll_s.toFixed(3).padStart(7)}`);
    console.log(JSON.stringify(fig));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
