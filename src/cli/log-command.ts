/** `drover log RUN JOB [--err] [--submit NN]`: prints a submission's job.out (or job.err). */
import { createReadStream, existsSync } from "node:fs";
import { join } from "node:path";
import { isValidName, UsageError } from "../errors.js";
import { latestJobRow } from "../store/job-rows.js";
import { jobLogRel } from "../manager/run-paths.js";
import { parseArgs, expectPositional } from "./args.js";
import { findRun, readRun } from "./run-access.js";
import type { Out } from "./out.js";

export async function logCommand(argv: string[], out: Out): Promise<number> {
  const a = parseArgs(argv, { values: ["--submit"], booleans: ["--err", "--status", "--script"] }, "log");
  expectPositional(a, 2, 2, "drover log RUN JOB [--err|--status|--script] [--submit NN]");
  const [run, job] = a.positional as [string, string];
  const runDir = findRun(run);
  if (!isValidName(job)) throw new UsageError(`log: bad job name "${job}"`);
  let num: number;
  const given = a.values.get("--submit");
  if (given !== undefined) {
    if (!/^\d{1,4}$/.test(given) || Number(given) < 1)
      throw new UsageError(`log: --submit takes a submission number such as 01, not "${given}"`);
    num = Number(given);
  } else {
    const db = readRun(run);
    try {
      const row = latestJobRow(db, job);
      if (!row) throw new UsageError(`run "${run}" has no job "${job}"`);
      num =
        row.submitted_at === null && row.submit_num > 1 && row.state === "waiting"
          ? row.submit_num - 1
          : row.submit_num;
    } finally {
      db.close();
    }
  }
  const file = a.flags.has("--err")
    ? "job.err"
    : a.flags.has("--status")
      ? "job.status"
      : a.flags.has("--script")
        ? "job"
        : "job.out";
  const path = join(runDir, jobLogRel(job, num), file);
  if (!existsSync(path)) {
    out.note(`no ${file} for ${job}/${String(num).padStart(2, "0")} yet (${path})`);
    return 1;
  }
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(path);
    s.on("error", reject);
    s.on("end", resolve);
    s.pipe(process.stdout, { end: false });
  });
  return 0;
}
