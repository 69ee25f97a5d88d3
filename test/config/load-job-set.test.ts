import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadJobSet, parseJobSet } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const EXAMPLE = y(
  "platform: localhost            # default platform for every job",
  "max_active: 50",
  "jobs:",
  "  prepare:",
  "    script: echo preparing; sleep 1",
  "  compute:",
  "    needs: [prepare]",
  '    script: compute --size "$SIZE"',
  '    env: { SIZE: "10" }',
  "    env_expand: true",
  "    time_limit: PT5M",
  "    retries: { submission: [PT10S], execution: [PT10S, PT30S] }",
  "    platform: cluster1",
  '    directives: { "--mem": "1G" }',
  "  report:",
  "    needs: [compute]",
  "    script: echo done",
);

const DEFAULTS = { needs: [], env: {}, envExpand: false, timeLimitS: null, directives: {}, attributes: {} };
const NO_RETRIES = { submission: [], execution: [] };
const NOT_GIVEN = { submission: false, execution: false };

// prettier-ignore
test("the documented example loads, normalised, in file order", () => {
  const set = parseJobSet(EXAMPLE, "/srv/sets/example.yaml");
  assert.deepEqual(set, {
    path: "/srv/sets/example.yaml",
    dir: "/srv/sets",
    hash: sha256(EXAMPLE),
    platform: "localhost",
    maxActive: 50,
    jobs: [
      { ...DEFAULTS, name: "prepare", script: "echo preparing; sleep 1", platform: "localhost", retries: NO_RETRIES, retriesGiven: NOT_GIVEN, line: 4 },
      {
        name: "compute",
        script: 'compute --size "$SIZE"',
        needs: ["prepare"],
        env: { SIZE: "10" },
        envExpand: true,
        platform: "cluster1",
        timeLimitS: 300,
        retries: { submission: [10], execution: [10, 30] },
        retriesGiven: { submission: true, execution: true },
        directives: { "--mem": "1G" },
        attributes: {},
        line: 6,
      },
      { ...DEFAULTS, name: "report", script: "echo done", needs: ["compute"], platform: "localhost", retries: NO_RETRIES, retriesGiven: NOT_GIVEN, line: 15 },
    ],
    platforms: { specs: [], groups: [] },
  });
});

test("defaults: platform localhost, no max_active, empty lists, no limit", () => {
  const set = parseJobSet(y("jobs:", "  only:", "    script: 'true'"), "set.yaml");
  assert.equal(set.platform, "localhost");
  assert.equal(set.maxActive, null);
  assert.deepEqual(set.jobs, [
    {
      ...DEFAULTS,
      name: "only",
      script: "true",
      platform: "localhost",
      retries: NO_RETRIES,
      retriesGiven: NOT_GIVEN,
      line: 2,
    },
  ]);
});

test("the set's platform is every job's default; a job's own platform wins", () => {
  const text = y(
    "platform: hpc",
    "jobs:",
    "  a:",
    "    script: x",
    "  b:",
    "    script: y",
    "    platform: localhost",
  );
  const set = parseJobSet(text, "set.yaml");
  assert.equal(set.platform, "hpc");
  assert.deepEqual(
    set.jobs.map((j) => j.platform),
    ["hpc", "localhost"],
  );
});

test("env and directive values keep the text written: numbers and booleans become strings", () => {
  const text = y(
    "jobs:",
    "  a:",
    "    script: x",
    "    env: { SIZE: 10, R: 1.0, HEX: 0x1F, ON: true, Q: '007', E: '', S: two words }",
    "    directives: { --nodes: 2, --exclusive: '', --time-min: 1.50 }",
  );
  const [job] = parseJobSet(text, "set.yaml").jobs;
  assert.deepEqual(job?.env, {
    SIZE: "10",
    R: "1.0",
    HEX: "0x1F",
    ON: "true",
    Q: "007",
    E: "",
    S: "two words",
  });
  assert.deepEqual(job?.directives, { "--nodes": "2", "--exclusive": "", "--time-min": "1.50" });
});

// prettier-ignore
test("needs as one string; numeric job names keep their text and file order", () => {
  const text = y("jobs:", "  b:", "    script: x", "  007:", "    script: x", "    needs: b", "  2:", "    script: x", "    needs: [007, b]", "  1:", "    script: x");
  const set = parseJobSet(text, "set.yaml");
  assert.deepEqual(
    set.jobs.map((j) => [j.name, j.needs, j.line]),
    [["b", [], 2], ["007", ["b"], 4], ["2", ["007", "b"], 7], ["1", [], 10]],
  );
});

// prettier-ignore
test("names with dots, dashes and plus are accepted; a multi-line script is kept as written", () => {
  const text = y("jobs:", "  pre-process.v1+x:", "    script: |", "      set -e", "      echo 'a; b'", "  post_1:", "    script: x", "    needs: pre-process.v1+x");
  const set = parseJobSet(text, "set.yaml");
  assert.equal(set.jobs[0]?.script, "set -e\necho 'a; b'\n");
  assert.deepEqual(set.jobs[1]?.needs, ["pre-process.v1+x"]);
});

test("a script of exactly 1 MiB is accepted", () => {
  const script = "x".repeat(1024 * 1024);
  const set = parseJobSet(y("jobs:", "  a:", `    script: ${script}`), "set.yaml");
  assert.equal(set.jobs[0]?.script.length, 1024 * 1024);
});

test("a diamond and a long chain of needs are not cycles; 5,000 jobs load quickly", () => {
  const lines = ["jobs:", "  j0:", "    script: x"];
  for (let i = 1; i < 5000; i++)
    lines.push(`  j${i}:`, "    script: x", `    needs: [j${i - 1}${i > 2 ? `, j${i - 2}` : ""}]`);
  const started = Date.now();
  const set = parseJobSet(y(...lines), "set.yaml");
  assert.equal(set.jobs.length, 5000);
  assert.deepEqual(set.jobs[4999]?.needs, ["j4998", "j4997"]);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test("loadJobSet reads a real file: absolute path, directory, hash of the bytes", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "drover-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "sub"));
  const bytes = Buffer.from("\ufeff" + EXAMPLE, "utf8"); // a BOM is tolerated
  writeFileSync(join(dir, "set.yaml"), bytes);
  const set = loadJobSet(join(dir, "sub", "..", "set.yaml"));
  assert.equal(set.path, join(dir, "set.yaml"));
  assert.equal(set.dir, dir);
  assert.equal(set.hash, sha256(bytes));
  assert.deepEqual(set, { ...parseJobSet(EXAMPLE, join(dir, "set.yaml")), hash: sha256(bytes) });
});

// prettier-ignore
test("loadJobSet: unreadable files are clear ConfigErrors", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "drover-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, "nope.yaml");
  assert.throws(() => loadJobSet(missing), (e: unknown) => e instanceof ConfigError && e.message === `cannot read ${missing}: no such file`);
  assert.throws(() => loadJobSet(dir), (e: unknown) => e instanceof ConfigError && e.message === `cannot read ${dir}: it is a directory`);
  const binary = join(dir, "bin.yaml");
  writeFileSync(binary, Buffer.from([0x6a, 0x6f, 0x62, 0x73, 0x3a, 0xff, 0xfe, 0x0a]));
  assert.throws(() => loadJobSet(binary), (e: unknown) => e instanceof ConfigError && e.message === `${binary}: file is not valid UTF-8 text`);
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, y("jobs:", "  a:", "    script: x", "    needs: [zz]"));
  assert.throws(() => loadJobSet(bad), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${bad}:4 (jobs.a.needs[0]): unknown need "zz"`));
});

test("a script written as a bare word, number or boolean is the text as written", () => {
  const set = parseJobSet(
    "jobs:\n  a:\n    script: true\n  b:\n    script: 12\n  c:\n    script: False\n",
    "/tmp/s.yaml",
  );
  assert.deepEqual(
    set.jobs.map((j) => j.script),
    ["true", "12", "False"],
  );
});

test("generic resources: memory (a size), cpus, nodes, queue, account", () => {
  const set = parseJobSet(
    "jobs:\n  a:\n    script: x\n    memory: 2GiB\n    cpus: 4\n    nodes: 2\n    queue: long\n    account: proj1\n",
    "/tmp/s.yaml",
  );
  assert.deepEqual(set.jobs[0]?.attributes, {
    memoryBytes: 2 * 1024 ** 3,
    cpus: 4,
    nodes: 2,
    queue: "long",
    account: "proj1",
  });
  assert.throws(
    () => parseJobSet("jobs:\n  a:\n    script: x\n    memory: lots\n", "/tmp/s.yaml"),
    /s\.yaml:4.*memory/,
  );
  assert.throws(
    () => parseJobSet("jobs:\n  a:\n    script: x\n    queue: 'a b'\n", "/tmp/s.yaml"),
    /s\.yaml:4.*queue/,
  );
});
