import { test } from "node:test";
import assert from "node:assert/strict";
import { parseJobSet } from "../../src/config/load-job-set.js";
import { ConfigError } from "../../src/errors.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";
const job = (...extra: string[]) => y("jobs:", "  a:", "    script: echo a", ...extra);

interface Bad {
  what: string;
  text: string;
  line: number;
  key: string | undefined;
  message: RegExp;
}

// One row per refused input: the exact line and key path the message must start with.
// prettier-ignore
const BAD: Bad[] = [
  { what: "YAML syntax", text: y("jobs:", "  a:", "    script: [x", "  b: 1"), line: 4, key: "jobs.b", message: /YAML: Flow sequence/ },
  { what: "tab indentation", text: y("jobs:", "\ta:", "\t\tscript: x"), line: 2, key: undefined, message: /YAML: Tabs are not allowed/ },
  { what: "duplicate job", text: y("jobs:", "  a:", "    script: x", "  a:", "    script: y"), line: 4, key: "jobs.a", message: /duplicate key a/ },
  { what: "duplicate key in a job", text: job("    script: again"), line: 4, key: "jobs.a.script", message: /duplicate key script/ },
  { what: "two documents", text: y("jobs: {}", "---", "jobs: {}"), line: 2, key: undefined, message: /multiple documents/ },
  { what: "unresolved tag", text: y("jobs:", "  a:", "    script: !foo x"), line: 3, key: "jobs.a.script", message: /Unresolved tag/ },
  { what: "empty file", text: "", line: 1, key: undefined, message: /empty: expected a mapping with a jobs key/ },
  { what: "not a mapping", text: y("- a", "- b"), line: 1, key: undefined, message: /expected a mapping with a jobs key, got a list/ },
  { what: "comments only", text: y("# nothing"), line: 1, key: undefined, message: /empty/ },
  { what: "a scalar", text: y("hello"), line: 1, key: undefined, message: /got a string/ },
  { what: "no jobs key", text: y("platform: localhost"), line: 1, key: "jobs", message: /missing required key jobs/ },
  { what: "empty jobs", text: y("jobs: {}"), line: 1, key: "jobs", message: /jobs is empty/ },
  { what: "null jobs", text: y("jobs:"), line: 1, key: "jobs", message: /expected a mapping, got null/ },
  { what: "jobs as a list", text: y("jobs:", "  - a"), line: 1, key: "jobs", message: /expected a mapping, got a list/ },
  { what: "unknown top key", text: y("platfrom: x", "jobs:", "  a:", "    script: x"), line: 1, key: "platfrom", message: /unknown key "platfrom" \(allowed: platform, max_active, jobs, platforms, platform_groups\)/ },
  { what: "unknown job key", text: job("    scirpt: x"), line: 4, key: "jobs.a.scirpt", message: /unknown key "scirpt"/ },
  { what: "typo instead of script", text: y("jobs:", "  a:", "    scirpt: x"), line: 3, key: "jobs.a.scirpt", message: /unknown key "scirpt"/ },
  { what: "missing script", text: y("jobs:", "  a:", "    needs: []"), line: 2, key: "jobs.a.script", message: /missing required key script/ },
  { what: "null script", text: y("jobs:", "  a:", "    script:"), line: 3, key: "jobs.a.script", message: /expected a string, got null/ },
  { what: "blank script", text: y("jobs:", "  a:", "    script: '  '"), line: 3, key: "jobs.a.script", message: /script is empty/ },
  { what: "NUL in script", text: y("jobs:", "  a:", '    script: "echo \\0"'), line: 3, key: "jobs.a.script", message: /NUL/ },
  { what: "5 MB script", text: y("jobs:", "  a:", `    script: "${"x".repeat(5_000_000)}"`), line: 3, key: "jobs.a.script", message: /script is 5000000 bytes; at most 1048576/ },
  { what: "job is a string", text: y("jobs:", "  a: echo hi"), line: 2, key: "jobs.a", message: /expected a mapping, got a string/ },
  { what: "name with space", text: y("jobs:", "  a b:", "    script: x"), line: 2, key: 'jobs["a b"]', message: /bad job name "a b"/ },
  { what: "name with ;", text: y("jobs:", "  a;rm:", "    script: x"), line: 2, key: 'jobs["a;rm"]', message: /bad job name/ },
  { what: "name with /", text: y("jobs:", "  ok:", "    script: x", "  a/b:", "    script: x"), line: 4, key: 'jobs["a/b"]', message: /bad job name/ },
  { what: "name with ..", text: y("jobs:", "  a..b:", "    script: x"), line: 2, key: 'jobs["a..b"]', message: /bad job name/ },
  { what: "name starting with -", text: y("jobs:", "  -x:", "    script: x"), line: 2, key: 'jobs["-x"]', message: /bad job name/ },
  { what: "alias under an unknown key", text: y("x: &n a", "jobs:", "  ? *n", "  : script: x"), line: 1, key: "x", message: /unknown key "x"/ },
  { what: "alias as a job name", text: y("jobs:", "  &n a:", "    script: x", "  ? *n", "  : script: y"), line: 4, key: "jobs", message: /job name must be plain text/ },
  { what: "__proto__ job", text: y("jobs:", "  __proto__:", "    script: x"), line: 2, key: "jobs.__proto__", message: /__proto__ is not allowed/ },
  { what: "bad platform name", text: job("    platform: a b"), line: 4, key: "jobs.a.platform", message: /bad platform name/ },
  { what: "bad set platform", text: y("platform: 3", "jobs:", "  a:", "    script: x"), line: 1, key: "platform", message: /expected a string, got a number/ },
  { what: "max_active 0", text: y("max_active: 0", "jobs:", "  a:", "    script: x"), line: 1, key: "max_active", message: /at least 1/ },
  { what: "max_active 1.5", text: y("max_active: 1.5", "jobs:", "  a:", "    script: x"), line: 1, key: "max_active", message: /whole number/ },
  { what: "max_active text", text: y("max_active: many", "jobs:", "  a:", "    script: x"), line: 1, key: "max_active", message: /expected a number, got a string/ },
  { what: "unknown need", text: job("    needs: [b]"), line: 4, key: "jobs.a.needs[0]", message: /unknown need "b"/ },
  { what: "unknown need as a string", text: job("    needs: b"), line: 4, key: "jobs.a.needs", message: /unknown need "b"/ },
  { what: "need on its own line", text: y( "jobs:", "  z:", "    script: z", "  a:", "    script: x", "    needs:", "      - z", "      - q", ), line: 8, key: "jobs.a.needs[1]", message: /unknown need "q"/ },
  { what: "needs a mapping", text: job("    needs: {b: 1}"), line: 4, key: "jobs.a.needs", message: /needs must be a job name or a list of them, got a mapping/ },
  { what: "need listed twice", text: y("jobs:", "  b:", "    script: x", "  a:", "    script: x", "    needs: [b, b]"), line: 6, key: "jobs.a.needs[1]", message: /listed twice/ },
  { what: "self need", text: job("    needs: a"), line: 4, key: "jobs.a.needs", message: /job a needs itself/ },
  { what: "cycle of two", text: y("jobs:", "  a:", "    script: x", "    needs: [b]", "  b:", "    script: y", "    needs: [a]"), line: 4, key: "jobs.a.needs[0]", message: /cyclic needs: a -> b -> a/ },
  { what: "cycle of three after a good job", text: y( "jobs:", "  ok:", "    script: x", "  a:", "    script: x", "    needs: [ok, b]", "  b:", "    script: y", "    needs: c", "  c:", "    script: z", "    needs: [a]", ), line: 6, key: "jobs.a.needs[1]", message: /cyclic needs: a -> b -> c -> a/ },
  { what: "bad duration", text: job("    time_limit: 5m"), line: 4, key: "jobs.a.time_limit", message: /bad duration "5m"/ },
  { what: "number duration", text: job("    time_limit: 300"), line: 4, key: "jobs.a.time_limit", message: /ISO 8601 duration such as PT5M, got a number/ },
  { what: "zero time limit", text: job("    time_limit: PT0S"), line: 4, key: "jobs.a.time_limit", message: /longer than zero/ },
  { what: "bad retry delay", text: job("    retries:", "      execution: [PT10S, 10s]"), line: 5, key: "jobs.a.retries.execution[1]", message: /bad duration "10s"/ },
  { what: "retry delays not a list", text: job("    retries: { submission: PT1S }"), line: 4, key: "jobs.a.retries.submission", message: /expected a list, got a string/ },
  { what: "unknown retry key", text: job("    retries:", "      submision: [PT1S]"), line: 5, key: "jobs.a.retries.submision", message: /unknown key "submision" \(allowed: submission, execution\)/ },
  { what: "env_expand not boolean", text: job("    env_expand: yes"), line: 4, key: "jobs.a.env_expand", message: /expected true or false, got a string/ },
  { what: "env not a mapping", text: job("    env: [A]"), line: 4, key: "jobs.a.env", message: /expected a mapping, got a list/ },
  { what: "env value object", text: job("    env:", "      A: {b: 1}"), line: 5, key: "jobs.a.env.A", message: /env value must be a string, number or boolean, got a mapping/ },
  { what: "env value list", text: job("    env: { A: [1] }"), line: 4, key: "jobs.a.env.A", message: /got a list/ },
  { what: "env value null", text: job("    env:", "      A:"), line: 5, key: "jobs.a.env.A", message: /got null/ },
  { what: "bad env name", text: job("    env:", "      1A: x"), line: 5, key: 'jobs.a.env["1A"]', message: /bad env name "1A"/ },
  { what: "env name with -", text: job("    env: { A-B: x }"), line: 4, key: "jobs.a.env.A-B", message: /bad env name/ },
  { what: "DROVER_ env", text: job("    env:", "      OK: 1", "      DROVER_JOB_ID: x"), line: 6, key: "jobs.a.env.DROVER_JOB_ID", message: /DROVER_JOB_ID is reserved/ },
  { what: "directive key", text: job("    directives: { mem: 1G }"), line: 4, key: "jobs.a.directives.mem", message: /bad directive "mem"/ },
  { what: "directive key with =", text: job("    directives: { --mem=1G: x }"), line: 4, key: 'jobs.a.directives["--mem=1G"]', message: /bad directive/ },
  { what: "directive newline", text: job("    directives:", '      --mem: "1G\\n#SBATCH --x"'), line: 5, key: 'jobs.a.directives["--mem"]', message: /one line/ },
  { what: "directive null", text: job("    directives:", "      --exclusive:"), line: 5, key: 'jobs.a.directives["--exclusive"]', message: /directive value must be a string, number or boolean, got null/ },
];

// prettier-ignore
for (const name of ["-J", "--job-name", "-o", "--output", "-e", "--error", "--signal", "-M", "--clusters", "-N", "-j", "-oo", "-eo", "--job-na", "--out"]) {
  BAD.push({
    what: `reserved directive ${name}`,
    text: job("    directives:", "      --mem: 1G", `      ${name}: x`),
    line: 6,
    key: `jobs.a.directives[${JSON.stringify(name)}]`,
    message: new RegExp(`reserved directive ${name} is set by Drover`),
  });
}

for (const bad of BAD) {
  test(`refused: ${bad.what}`, () => {
    assert.throws(
      () => parseJobSet(bad.text, "sets/set.yaml"),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
        const place = `sets/set.yaml:${bad.line}${bad.key === undefined ? "" : ` (${bad.key})`}: `;
        assert.ok(err.message.startsWith(place), `expected "${place}..." got "${err.message.slice(0, 300)}"`);
        assert.match(err.message, bad.message);
        assert.equal(err.file, "sets/set.yaml");
        assert.equal(err.line, bad.line);
        assert.equal(err.keyPath, bad.key);
        assert.ok(!err.message.includes("\n"), "one line");
        return true;
      },
    );
  });
}

test("the first problem in file order is reported, not zod's first", () => {
  const text = y(
    "jobs:",
    "  a:",
    "    script: x",
    "    env: { 1: x }",
    "    time_limit: nope",
    "  b:",
    "    scirpt: y",
  );
  assert.throws(
    () => parseJobSet(text, "f.yaml"),
    (err: Error) => err.message.startsWith('f.yaml:4 (jobs.a.env["1"]): bad env name'),
  );
});

test("aliases that explode are an error, not a hang", () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  lines.push("jobs:", "  a:", "    script: x");
  assert.throws(() => parseJobSet(y(...lines), "f.yaml"), ConfigError);
});
