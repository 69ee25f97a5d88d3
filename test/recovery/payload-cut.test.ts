/**
 * The payload cut mid-stream (DESIGN.md, The batch program: "a truncated stream submits nothing"):
 * a submit batch of 150 jobs with 64 KiB scripts (about 10 MB after the program) is on its way
 * when the test SIGKILLs Drover's `ssh` client, found by its command line among Drover's children.
 * The host's reading `awk` is held back a few seconds by a wrapper on the job user's PATH, so the
 * stream is surely unfinished: Drover is still writing it. Nothing of the batch may be written
 * under its final name on the host nor submitted; Drover is then killed, restarted, and every job
 * runs exactly once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { RECORD, runsOf, until } from "../remote-e2e/e2e.js";
import {
  cancelLeftovers,
  describeRun,
  evidenceOf,
  finish,
  openRunnerSuite,
  runnerPlatform,
  statusOf,
  writeJobSet,
  type JobDef,
} from "../runners-e2e/runner-e2e.js";
import { ensureSshHosts } from "../helpers/hosts.js";
import { killDrover, readHost, taggedLogin } from "./recovery-e2e.js";

const { e2e, skip, cleanups } = openRunnerSuite("SSH", ensureSshHosts);

const RUN = "cutpayload";
const JOBS = 150;
/** A 64 KiB comment block: bulk that the job never reads. */
const BULK = Array.from({ length: 1024 }, (_, i) => `# ${String(i).padStart(4, "0")} ${"x".repeat(57)}`).join(
  "\n",
);

/** The children of `pid` (from /proc) with their argv. */
function childrenOf(pid: number): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(d)) continue;
    const stat = readHost(`/proc/${d}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid !== pid) continue;
    out.push({ pid: Number(d), argv: readHost(`/proc/${d}/cmdline`).split("\0").filter(Boolean) });
  }
  return out;
}

test(
  "the ssh client killed while Drover writes a 10 MB submit payload: nothing written, nothing submitted",
  { skip, timeout: 150_000 },
  async () => {
    const e = e2e!;
    const root = e.newRunRoot();
    cleanups.push(() => cancelLeftovers(e, RUN, root));
    // The submit batch's awk (the one given WHOLE=file) waits before reading the payload.
    const hold = 'case " $* " in *" WHOLE=file "*) sleep 4;; esac\nexec /usr/bin/awk "$@"';
    const tag = taggedLogin(e, cleanups, [], { awk: hold });
    e.platforms([
      "platforms:",
      ...runnerPlatform(e, "bg", "background", root, { shell: `[bash, -l, -s, ${tag}]`, max_batch: "500" }),
    ]);
    const jobs: Record<string, JobDef> = {};
    for (let i = 1; i <= JOBS; i++) jobs[`j${i}`] = { platform: "bg", script: `${RECORD}\n${BULK}` };
    const file = writeJobSet(e, RUN, jobs);
    const batches = e.onHost(root, RUN, "batches");
    const journalOf = () => {
      const f = fs.existsSync(batches) ? fs.readdirSync(batches)[0] : undefined;
      return f === undefined ? "" : readHost(path.join(batches, f));
    };
    const live = e.start(["run", file]);
    const droverPid = live.child.pid ?? 0;
    // The batch program runs (its journal exists) and its awk is held: the payload is in flight.
    await until(() => /^PID [0-9]+ /.test(journalOf()), 60_000, "the submit batch's journal", 10).catch(
      (err: Error) => assert.fail(`${err.message}\n${live.output()}`),
    );
    const clients = childrenOf(droverPid).filter(
      (c) =>
        path.basename(c.argv[0] ?? "") === "ssh" &&
        c.argv.includes("drover-test-a") &&
        c.argv.join(" ").endsWith(`-- bash -l -s ${tag} -s`),
    );
    assert.equal(clients.length, 1, JSON.stringify(childrenOf(droverPid)));
    // What the client has read of Drover's stream so far: far less than the payload.
    const rchar = Number(/^rchar: ([0-9]+)$/m.exec(readHost(`/proc/${clients[0]!.pid}/io`))?.[1] ?? NaN);
    process.kill(clients[0]!.pid, "SIGKILL");
    assert.ok(
      rchar < (JOBS * BULK.length) / 2,
      `the ssh client had read ${rchar} bytes: the stream was not cut`,
    );
    // The held awk wakes to a cut stream: the batch ends without writing or submitting anything.
    await until(() => /^DONE$/m.test(journalOf()), 30_000, "the cut batch to end", 50);
    await killDrover(live);
    const journal = journalOf();
    assert.doesNotMatch(journal, /^SUBMIT /m, journal);
    for (let i = 1; i <= JOBS; i++) {
      const dir = e.onHost(root, RUN, "log", "job", `j${i}`, "01");
      const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
      assert.deepEqual(files, [], `j${i}/01 has files from the cut payload`);
    }
    const share = e.onHost(root, RUN, "share");
    assert.equal(fs.existsSync(share) ? fs.readdirSync(share).length : 0, 0, "no job ran");
    const before = statusOf(e, RUN);
    const left = new Set([...before.values()].map((j) => String(j.state)));
    assert.ok(
      [...left].every((s) => ["submitting", "uncertain", "submit-failed", "waiting"].includes(s)),
      [...left].join(","),
    );

    const end = await finish(e.start(["run", file]), 120_000);
    assert.equal(end.code, 0, `${describeRun(e, RUN)}\n${end.out.slice(-3000)}`);
    const rows = statusOf(e, RUN);
    for (let i = 1; i <= JOBS; i++) {
      const name = `j${i}`;
      assert.equal(rows.get(name)?.state, "succeeded", `${name}\n${evidenceOf(e, RUN, name)}`);
      assert.equal(runsOf(share, name), 1, `${name} ran once`);
    }
  },
);
