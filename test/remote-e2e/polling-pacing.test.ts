/**
 * Per-host polling pacing end to end, through the real CLI on this machine: a site runner module
 * (`runner_module`) that is the background runner except that its queue query is a real command
 * which first sleeps for as long as a file says. Counted from the store's audit trail: the
 * per-minute ceiling holds over a run of many short jobs, no job's final state comes later than
 * its schedule and the ceiling allow, and a slow query stretches the host's polling until it is
 * fast again (each change said once).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, sandbox, type Sandbox } from "../helpers/cli.js";
import { openStore } from "../../src/store/open-store.js";

/** The runner module: background, but the poll is `bash -c` sleeping `$(cat DELAY)` first. */
function slowRunner(delayFile: string): string {
  const bg = join(ROOT, "dist/src/runners/background/background-runner.js");
  const script = [
    'd=$(cat "$1" 2>/dev/null) || d=0',
    'sleep "${d:-0}"',
    "shift",
    'for p in "$@"; do',
    '  s=$(cat "/proc/$p/stat" 2>/dev/null) || s=""',
    '  if [ -z "$s" ]; then echo "$p - -"; continue; fi',
    "  r=${s##*) }",
    '  echo "$p $(printf "%s\\n" "$r" | awk \'{ print $1, $20 }\')"',
    "done",
  ].join("\n");
  return [
    `import { createBackgroundRunner } from ${JSON.stringify(bg)};`,
    "const bg = createBackgroundRunner();",
    "export default {",
    "  ...bg,",
    '  name: "slowbg",',
    "  pollQuery: (jobs) => ({",
    '    kind: "command",',
    `    spec: { argv: ["bash", "-c", ${JSON.stringify(script)}, "slowbg", ${JSON.stringify(delayFile)}, ...jobs.map((j) => j.jobId)] },`,
    "  }),",
    "};",
    "",
  ].join("\n");
}

/** A job set on the `slow` platform: each job sleeps its seconds, then writes its end time (ms). */
function jobSet(sb: Sandbox, ceiling: number | null, sleeps: Map<string, number>, every: string): string {
  const lines = [
    "platform: slow",
    "platforms:",
    "  slow:",
    "    hosts: localhost",
    "    ssh: none",
    // The ceiling run uses the plain background runner: one cheap batch per poll.
    ...(ceiling === null ? ["    runner: slowbg", "    runner_module: ./slowbg.js"] : []),
    // No login profile: a busy machine takes most of a second for one, and the test times queries.
    "    shell: [bash, -s]",
    `    run_root: ${JSON.stringify(join(sb.dir, "root"))}`,
    `    polling: { submission: [${every}], execution: [${every}], time_limit: [${every}] }`,
    "    unlisted_grace: PT1S",
    // All jobs at once (an SSH-free platform would otherwise allow CPUs x 4).
    "    max_active: 20",
    ...(ceiling === null ? [] : [`    max_polls_per_minute: ${ceiling}`]),
    "jobs:",
  ];
  for (const [name, s] of sleeps)
    lines.push(
      `  ${name}:`,
      `    script: sleep ${s}; date +%s%3N > ${JSON.stringify(join(sb.dir, `end-${name}`))}`,
    );
  return sb.write("set.yaml", lines.join("\n") + "\n");
}

interface Batch {
  startMs: number;
  endMs: number;
  durationMs: number;
}

/** The run's poll batches (from the audit trail) and its events. */
function auditOf(sb: Sandbox): { batches: Batch[]; texts: string[] } {
  const db = openStore(join(sb.home, "set", "store.db"), { readonly: true });
  try {
    const rows = db.prepare(`SELECT time, kind, text, detail FROM events ORDER BY id`).all() as {
      time: string;
      kind: string;
      text: string;
      detail: string | null;
    }[];
    const batches = rows
      .filter((r) => r.kind === "command" && r.text.startsWith("poll batch on "))
      .map((r) => {
        const d = JSON.parse(r.detail ?? "{}") as { durationMs: number };
        const endMs = Date.parse(r.time);
        return { startMs: endMs - d.durationMs, endMs, durationMs: d.durationMs };
      });
    return { batches, texts: rows.map((r) => r.text) };
  } finally {
    db.close();
  }
}

/** Runs `drover run FILE` to its end (async, so that two runs and a timer share the time). */
function droverRun(sb: Sandbox, file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = sb.spawnDrover(["run", file]);
    let out = "";
    child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** The final state of each job, with the time Drover recorded it. */
function finals(sb: Sandbox): Map<string, { state: string; endedMs: number }> {
  const r = sb.drover(["status", "set", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const jobs = (JSON.parse(r.stdout) as { jobs: Record<string, unknown>[] }).jobs;
  return new Map(
    jobs.map((j) => [String(j.name), { state: String(j.state), endedMs: Date.parse(String(j.ended_at)) }]),
  );
}

test("per-host pacing through the CLI", { concurrency: 2, timeout: 180_000 }, async (t) => {
  await Promise.all([
    t.test("the per-minute ceiling holds and final states are not delayed beyond it", async () => {
      const sb = sandbox();
      try {
        const CEILING = 5;
        const sleeps = new Map(
          Array.from({ length: 12 }, (_, i) => [`j${String(i).padStart(2, "0")}`, 2 + 2 * i]),
        );
        const r = await droverRun(sb, jobSet(sb, CEILING, sleeps, "PT2S"));
        assert.equal(r.code, 0, r.out);
        const { batches, texts } = auditOf(sb);
        const starts = batches.map((b) => b.startMs).sort((a, b) => a - b);
        // The ceiling: never more than CEILING queries in any minute (a 50 ms allowance for timing).
        for (const s of starts) {
          const inWindow = starts.filter((x) => x >= s && x < s + 60_000 - 50).length;
          assert.ok(inWindow <= CEILING, `${inWindow} polls in the minute from ${new Date(s).toISOString()}`);
        }
        assert.ok(starts.length > CEILING, `the run needed the ceiling: ${starts.length} polls`);
        assert.ok(
          texts.some((x) => x.includes(`at its ceiling of ${CEILING} queries a minute`)),
          texts.join("\n"),
        );
        // No final state later than its schedule allows: its poll interval after the end, or the
        // first free slot of the ceiling after that, plus the query itself.
        for (const [name, f] of finals(sb)) {
          assert.equal(f.state, "succeeded", name);
          const end = Number(readFileSync(join(sb.dir, `end-${name}`), "utf8").trim());
          let allowed = end + 2000;
          for (;;) {
            const inWindow = starts.filter((x) => x > allowed - 60_000 && x <= allowed);
            if (inWindow.length < CEILING) break;
            allowed = (inWindow[inWindow.length - CEILING] as number) + 60_000;
          }
          // A host found slow meanwhile may stretch its polling too: that pause is allowed as well.
          const slow = texts.some((x) => x.includes("stretched"));
          const slack = 2500 + (slow ? 3 * Math.max(...batches.map((b) => b.durationMs)) : 0);
          assert.ok(
            f.endedMs <= allowed + slack,
            `${name}: ended ${end}, final ${f.endedMs}, allowed ${allowed}`,
          );
        }
      } finally {
        sb.cleanup();
      }
    }),
    t.test("a slow runner query stretches the host's polling, which recovers when fast", async () => {
      const sb = sandbox();
      try {
        const delay = join(sb.dir, "delay");
        writeFileSync(delay, "4\n");
        sb.write("slowbg.js", slowRunner(delay));
        const sleeps = new Map([
          ["a", 40],
          ["b", 41],
          ["c", 42],
        ]);
        // Polls every 8 s: slow beyond 2.7 s, fast again under 1.3 s. The query gets fast after 16 s.
        const timer = setTimeout(() => writeFileSync(delay, "0\n"), 16_000);
        const r = await droverRun(sb, jobSet(sb, null, sleeps, "PT8S"));
        clearTimeout(timer);
        assert.equal(r.code, 0, r.out);
        const { batches, texts } = auditOf(sb);
        const stretched = texts.filter((x) =>
          /polling of localhost \(slow\) stretched: a query took \d+ ms/.test(x),
        );
        const recovered = texts.filter((x) => /polling of localhost \(slow\) recovered/.test(x));
        assert.equal(stretched.length, 1, texts.join("\n"));
        assert.equal(recovered.length, 1, texts.join("\n"));
        const sorted = [...batches].sort((a, b) => a.startMs - b.startMs);
        let slowGaps = 0;
        for (let i = 1; i < sorted.length; i++) {
          const prev = sorted[i - 1] as Batch;
          const cur = sorted[i] as Batch;
          // After a slow query the next one waits 3 x its duration (8 s polling would not).
          if (prev.durationMs * 3 > 8000) {
            slowGaps++;
            assert.ok(
              cur.startMs - prev.endMs >= prev.durationMs * 3 - 100,
              `gap after ${JSON.stringify(prev)}`,
            );
          }
        }
        assert.ok(slowGaps >= 1, JSON.stringify(sorted));
        // Fast again: back to one query every 8 s before the jobs end.
        const fast = sorted.filter((b) => b.durationMs < 2000);
        assert.ok(fast.length >= 2, JSON.stringify(sorted));
        const gapsAfter = fast.slice(1).map((b, i) => b.startMs - (fast[i] as Batch).endMs);
        assert.ok(
          gapsAfter.some((g) => g < 9000),
          JSON.stringify(sorted),
        );
        for (const [name, f] of finals(sb)) assert.equal(f.state, "succeeded", name);
      } finally {
        sb.cleanup();
      }
    }),
  ]);
});
