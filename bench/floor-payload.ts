/** The same-work floors' payload: the job scripts and status files Drover itself writes. */
import { randomBytes } from "node:crypto";
import { generateJobScript } from "../src/script/job-script.js";
import { jobLogRel } from "../src/manager/run-paths.js";

/**
 * For each of `n` no-op jobs: its script from the real generator and its status file with a token,
 * framed for bench/floor-submit.sh (`@@F <path>`, then the lines each behind `|`).
 */
export function floorPayload(runDir: string, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const logDir = jobLogRel(`j${i}`, 1);
    const script = generateJobScript({
      runName: "floor",
      runDir,
      jobName: `j${i}`,
      submitNum: 1,
      tryNum: 1,
      logDir,
      script: "true",
      env: {},
      envExpand: false,
      directives: [],
    });
    parts.push(
      `@@F ${logDir}/job`,
      ...script
        .replace(/\n$/, "")
        .split("\n")
        .map((l) => `|${l}`),
    );
    parts.push(`@@F ${logDir}/job.status`, `|DROVER_JOB_TOKEN=${randomBytes(12).toString("hex")}`);
  }
  return `${parts.join("\n")}\n`;
}
