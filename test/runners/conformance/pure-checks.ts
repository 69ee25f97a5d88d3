/**
 * The pure half of the runner conformance suite: what every runner (built in or a site plugin)
 * must do without any host. Shape and capabilities, directive lines that stay comments and never
 * carry a reserved directive, command specs made of plain words, and parsers that never throw and
 * never read a failed, empty or random reply as "jobs gone".
 */
import assert from "node:assert/strict";
import { DroverError } from "../../../src/errors.js";
import { runnerShapeProblems } from "../../../src/runners/load-site-runner.js";
import type { CommandSpec, JobRef, QueryReply, Runner } from "../../../src/runners/runner.js";
import { randomTexts } from "../queue-runner-kit.js";

/** A job ID each runner would accept, for the parser checks (default "123"). */
const SAMPLE_IDS: Record<string, string> = { pbs: "123.server", tsp: "7" };

/** Raw directives that try to set what Drover owns. */
const RESERVED_RAW: Record<string, string> = {
  "-J": "evil1",
  "--job-name": "evil2",
  "-o": "/evil3",
  "--output": "/evil4",
  "-e": "/evil5",
  "-N": "evil6",
  "--signal": "evil7",
  "-M": "evil8",
  "--clusters": "evil9",
};

/** End lines the query scripts of the runners print (a random body with one must not pass either). */
const END_LINES = ["@@drover-query-end", "@@drover-tsp-end"];

const refs = (runner: Runner): JobRef[] => {
  const id = SAMPLE_IDS[runner.name] ?? "123";
  return [
    { key: "a/01", jobId: id, runnerData: { start: "4242", boot: "boot-1", label: "drover.a.01.x" } },
    { key: "b/01", jobId: id === "7" ? "8" : `1${id}`, runnerData: {} },
  ];
};

/** Checks one command spec: words or host paths, one program first, nothing with NUL. */
export function checkSpec(spec: CommandSpec, what: string): void {
  assert.ok(Array.isArray(spec.argv) && spec.argv.length > 0, `${what}: empty argv`);
  assert.equal(typeof spec.argv[0], "string", `${what}: the program is a word`);
  assert.ok(!String(spec.argv[0]).startsWith("-"), `${what}: argv starts with an option`);
  for (const a of spec.argv) {
    const text = typeof a === "string" ? a : a.path;
    assert.equal(typeof text, "string", `${what}: a word is neither text nor a path`);
    assert.ok(!text.includes("\0"), `${what}: NUL in a word`);
  }
  for (const f of ["stdin", "stdout", "stderr"] as const)
    if (spec[f] !== undefined) assert.equal(typeof spec[f], "string", `${what}: ${f}`);
}

/** Shape, capabilities and the accounting that goes with them. */
export function checkShape(runner: Runner): void {
  assert.deepEqual(runnerShapeProblems(runner), [], runner.name);
  assert.match(runner.name, /^[a-z][a-z0-9_-]*$/);
  assert.equal(runner.accounting !== undefined, runner.capabilities.accounting, "accounting iff capable");
}

/** Directive lines: comments, one line each; reserved raw directives refused or left out. */
export function checkDirectives(runner: Runner): void {
  const job = {
    key: "a/01",
    jobName: "conf.a.0123456789abcdef01234567",
    stdout: "~/r/log/job/a/01/job.out",
    stderr: "~/r/log/job/a/01/job.err",
    timeLimitS: 120,
    cluster: null,
  };
  const lines = runner.directives(job);
  assert.ok(Array.isArray(lines));
  for (const l of lines) {
    assert.equal(typeof l, "string");
    assert.match(l, /^#/, `a directive is a comment line: ${l}`);
    assert.ok(!/[\r\n\0]/.test(l), `one line: ${JSON.stringify(l)}`);
  }
  for (const [key, value] of Object.entries(RESERVED_RAW)) {
    let out: string[] = [];
    try {
      out = runner.directives({ ...job, raw: { [key]: value } } as typeof job);
    } catch (err) {
      assert.ok(err instanceof DroverError, `${key}: refused with a DroverError, got ${String(err)}`);
      continue;
    }
    assert.ok(
      !out.some((l) => l.includes(value)),
      `${runner.name} emitted reserved ${key}: ${out.join(" | ")}`,
    );
  }
}

/** Submit, poll, kill, lookup and accounting builders give plain specs. */
export function checkBuilders(runner: Runner): void {
  const spec = runner.submitCommand({
    key: "a/01",
    token: "0123456789abcdef01234567",
    scriptPath: "~/r/log/job/a/01/job",
    stdout: "~/r/log/job/a/01/job.out",
    stderr: "~/r/log/job/a/01/job.err",
    timeLimitS: 60,
  });
  checkSpec(spec, `${runner.name} submit`);
  // The submit program carries each word on one line.
  for (const a of spec.argv)
    assert.ok(
      !(typeof a === "string" ? a : a.path).includes("\n"),
      `${runner.name} submit: a word with a newline`,
    );
  assert.ok(spec.detach === true || typeof spec.idPattern === "string", "a submit finds its job ID");
  const poll = runner.pollQuery(refs(runner));
  if (poll.kind === "command") checkSpec(poll.spec, `${runner.name} poll`);
  else assert.ok(poll.pids.every((p) => /^[0-9]+$/.test(p)));
  for (const j of [...refs(runner), { key: "z/01", jobId: "x y;rm -rf /", runnerData: {} }]) {
    const k = runner.killAction(j);
    assert.ok(["command", "group", "refuse"].includes(k.kind));
    if (k.kind === "command") checkSpec(k.spec, `${runner.name} kill`);
  }
  // As the manager asks: with the run's name, which starts every runner job name.
  const look = runner.lookupQuery({
    key: "a/01",
    scriptPath: "~/r/job",
    token: "0123456789abcdef01234567",
    runName: "run1",
  });
  if (runner.capabilities.jobNames) assert.equal(look?.kind, "command", "jobNames: looks up by name");
  if (look?.kind === "command") checkSpec(look.spec, `${runner.name} lookup`);
  if (runner.accounting) checkSpec(runner.accounting.query(refs(runner)), `${runner.name} accounting`);
  // The batched lookup is both functions or neither; every job asked lands in some query.
  assert.equal(
    runner.lookupsQuery === undefined,
    runner.parseLookups === undefined,
    "lookupsQuery+parseLookups",
  );
  const many = refs(runner).map((r, i) => ({
    key: r.key,
    token: `0123456789abcdef0123456${i}`,
    scriptPath: "~/r/job",
    runName: "run1",
  }));
  const qs = runner.lookupsQuery?.(many) ?? [];
  for (const q of qs) checkSpec(q.spec, `${runner.name} lookups`);
  if (runner.lookupsQuery) assert.equal(qs.flatMap((q) => q.jobs).length, many.length);
}

/** Parsers: no throw on random bytes; failed, empty and cut replies are errors, never "gone". */
export function checkParsers(runner: Runner): void {
  const jobs = refs(runner);
  const texts = randomTexts(150, runner.name.length * 31 + 5);
  const withEnds = texts.slice(0, 50).flatMap((t) => END_LINES.map((e) => `${t}\n${e}\n`));
  for (const text of [...texts, ...withEnds]) {
    for (const rc of [0, 1, -1]) {
      const reply: QueryReply = { rc, text, boot: "boot-1" };
      const poll = runner.parsePoll(reply, jobs);
      if (poll.ok) {
        for (const [key, a] of poll.answers) {
          assert.ok(
            jobs.some((j) => j.key === key),
            `answer for an unknown key ${key}`,
          );
          assert.ok(["listed", "unlisted", "unknown"].includes(a.kind));
        }
      } else assert.equal(typeof poll.error, "string");
      const looks = runner.parseLookups?.(reply, [{ key: "a/01", token: "0123456789ab", scriptPath: "~/j" }]);
      // Random bytes are an error or an answer per asked job, never a throw.
      if (looks instanceof Map) assert.ok([...looks.keys()].every((k) => k === "a/01"));
      const look = runner.parseLookup(reply);
      assert.ok(look.ok ? ["found", "not-found"].includes(look.answer.kind) : typeof look.error === "string");
      const sub = runner.parseSubmit({ rc, id: text.slice(0, 12), start: "", boot: "b", output: text });
      assert.ok(sub.jobId === null ? typeof sub.error === "string" : sub.error === null);
      if (runner.accounting) runner.accounting.parse(reply, jobs);
    }
  }
  for (const reply of [
    { rc: 1, text: "", boot: "b" },
    { rc: 255, text: "connection closed", boot: "b" },
    { rc: 0, text: "", boot: "b" },
  ]) {
    const poll = runner.parsePoll(reply, jobs);
    assert.equal(poll.ok, false, `${runner.name}: ${JSON.stringify(reply)} read as an answer`);
  }
  assert.equal(runner.parseSubmit({ rc: 1, id: "", start: "", boot: "b", output: "refused" }).jobId, null);
}
