/**
 * One kill torture, shared by the suite (300 jobs, 30 kills) and `npm run bench -- torture`: the
 * real `drover run` (built CLI, job home hidden as in the e2e suites) on the torture job set, killed
 * by SIGKILL at random moments (some right after a batch's jobs went `submitting`, that is inside
 * a submit batch) and restarted at once each time, then run to its end and counted.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ensureSlurm } from "../helpers/runner-hosts.js";
import { e2eSandbox, platformLines, type E2e, type Live } from "../remote-e2e/e2e.js";
import { asJobUser, cancelLeftovers, runnerPlatform, RUNNER_HOST } from "../runners-e2e/runner-e2e.js";
import { openStore } from "../../src/store/open-store.js";
import { countTorture, parseSacct, type StoredSubmission, type TortureCount } from "./torture-count.js";
import { planJobs, tortureJobSet, type PlannedJob } from "./torture-jobs.js";

/** Options of `runTorture`. */
export interface TortureOptions {
  jobs: number;
  kills: number;
  /** Seed of the kill moments (the same seed gives the same delays). */
  seed: number;
  /** The run's max_active. */
  maxActive: number;
  /** Time allowed to the final, uninterrupted run. */
  finalTimeoutMs: number;
  /** Longest random wait before a kill (default 2,000 ms): shorter fits more kills into one run. */
  maxDelayMs?: number;
  log?: (line: string) => void;
}

/** What a torture did and found. */
export interface TortureFigures extends TortureCount {
  runName: string;
  kills: number;
  /** Kills that landed while some job of this Drover was `submitting` (inside a submit batch). */
  killsInBatch: number;
  /** Drover processes that ended by themselves before their kill with a code other than 0 or 1. */
  crashes: string[];
  finalCode: number | null;
  /** Submissions per platform (store rows). */
  submissionsPerPlatform: Record<string, number>;
  elapsedS: number;
}

/** A small deterministic generator in [0, 1). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Keys (`job/NN`) this Drover moved to submitting whose batch reply it has not recorded yet. */
function inFlight(out: string): number {
  const open = new Set<string>();
  for (const m of out.matchAll(/ (\S+\/\d+) ([a-z-]+) -> ([a-z-]+)/g)) {
    if (m[3] === "submitting") open.add(m[1] as string);
    else if (m[2] === "submitting") open.delete(m[1] as string);
  }
  return open.size;
}

/** Starts Drover, waits for the kill moment, kills it; returns what happened. */
async function oneRound(
  e: E2e,
  file: string,
  atBatch: boolean,
  rand: () => number,
  maxDelayMs: number,
): Promise<{ killed: boolean; inBatch: boolean; code: number | null; out: string }> {
  const live: Live = e.start(["run", file]);
  let ended = false;
  void live.exited.then(() => (ended = true));
  if (atBatch) {
    // Wait for this Drover's first batch to start, then kill it within 200 ms: inside the batch.
    const end = Date.now() + 8000;
    while (!ended && Date.now() < end && !/ -> submitting/.test(live.output())) await sleep(5);
    await sleep(Math.floor(rand() * 200));
  } else {
    await sleep(150 + Math.floor(rand() * Math.max(0, maxDelayMs - 150)));
  }
  if (ended) {
    const f = await live.exited;
    return { killed: false, inBatch: false, code: f.code, out: f.out };
  }
  const inBatch = inFlight(live.output()) > 0;
  live.child.kill("SIGKILL");
  const f = await live.exited;
  return { killed: f.signal === "SIGKILL", inBatch, code: f.code, out: f.out };
}

/** Reads every submission of the run from its store. */
function storedSubmissions(e: E2e, runName: string): StoredSubmission[] {
  const db = openStore(path.join(e.sb.home, runName, "store.db"), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT name, submit_num, state, reason, exit_code, runner_job_id, token, started_at, platform FROM jobs`,
      )
      .all() as (StoredSubmission & { platform: string })[];
  } finally {
    db.close();
  }
}

/** Each job's side-effect file: on the SSH host (read as root) or in the local run. */
function sideEffects(
  e: E2e,
  root: string,
  runName: string,
  plan: readonly PlannedJob[],
): Map<string, string> {
  const read = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "");
  return new Map(
    plan.map((j) => [
      j.name,
      read(
        j.platform === "localhost"
          ? path.join(e.sb.home, runName, "share", j.name)
          : e.onHost(root, runName, "share", j.name),
      ),
    ]),
  );
}

/** INIT lines of each submission's job.status (`name/NN`), read where its platform keeps it. */
function initLines(
  e: E2e,
  root: string,
  runName: string,
  subs: readonly StoredSubmission[],
): Map<string, number> {
  const byPlatform = new Map(
    subs.map((s) => [s.name, (s as StoredSubmission & { platform: string }).platform]),
  );
  const inits = new Map<string, number>();
  for (const s of subs) {
    const nn = String(s.submit_num).padStart(2, "0");
    const rel = ["log", "job", s.name, nn, "job.status"];
    const file =
      byPlatform.get(s.name) === "localhost"
        ? path.join(e.sb.home, runName, ...rel)
        : e.onHost(root, runName, ...rel);
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    inits.set(`${s.name}/${nn}`, text.split("\n").filter((l) => l.startsWith("DROVER_JOB_INIT=")).length);
  }
  return inits;
}

/** Runs one torture end to end and counts it; always cleans up its hosts' leftovers. */
export async function runTorture(o: TortureOptions): Promise<TortureFigures> {
  const log = o.log ?? (() => {});
  ensureSlurm();
  const e = e2eSandbox();
  const root = e.newRunRoot();
  const runName = `tort${randomBytes(4).toString("hex")}`;
  const t0 = performance.now();
  try {
    const plan = planJobs(o.jobs);
    const platforms = [
      "platforms:",
      ...platformLines("ssh_bg", [RUNNER_HOST], root, e.hosts.sshConfig, { unlisted_grace: "PT2S" }),
      ...runnerPlatform(e, "slurm", "slurm", root),
    ];
    const file = e.sb.write(`${runName}.yaml`, tortureJobSet(plan, platforms, o.maxActive));
    const rand = seeded(o.seed);
    let kills = 0;
    let killsInBatch = 0;
    const crashes: string[] = [];
    for (let k = 0; k < o.kills; k++) {
      const r = await oneRound(e, file, k % 3 === 1, rand, o.maxDelayMs ?? 2000);
      if (r.killed) {
        kills++;
        if (r.inBatch) killsInBatch++;
      } else {
        if (r.code !== 0 && r.code !== 1) crashes.push(`round ${k}: exit ${r.code}\n${r.out.slice(-2000)}`);
        // The run reached its end before all the kills: nothing left to interrupt.
        if (/run \S+ finished/.test(r.out)) break;
      }
      if (k % 10 === 9) log(`torture: ${kills} kills (${killsInBatch} inside a submit batch)`);
    }
    const final = await e.run(["run", file], o.finalTimeoutMs);
    if (final.code !== 0 && final.code !== 1)
      crashes.push(`final run: exit ${final.code}\n${final.out.slice(-2000)}`);
    const subs = storedSubmissions(e, runName);
    const sacct = asJobUser(e, "sacct -X -n -P -S now-6hours -o JobName,JobIDRaw,State </dev/null");
    if (sacct.code !== 0) throw new Error(`sacct failed: ${sacct.out}`);
    const count = countTorture(
      runName,
      plan,
      subs,
      sideEffects(e, root, runName, plan),
      parseSacct(sacct.out, runName),
      initLines(e, root, runName, subs),
    );
    const submissionsPerPlatform: Record<string, number> = {};
    for (const s of subs as (StoredSubmission & { platform: string })[])
      submissionsPerPlatform[s.platform] = (submissionsPerPlatform[s.platform] ?? 0) + 1;
    return {
      ...count,
      runName,
      kills,
      killsInBatch,
      crashes,
      finalCode: final.code,
      submissionsPerPlatform,
      elapsedS: (performance.now() - t0) / 1000,
    };
  } finally {
    cancelLeftovers(e, runName, root);
    e.cleanup();
  }
}
