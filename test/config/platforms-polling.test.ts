import { test } from "node:test";
import assert from "node:assert/strict";
import { parseJobSet, parsePlatformFile } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { defaultPollCeiling, localhostSpec, remoteDefaults } from "../../src/config/platform-defaults.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";
const plat = (...extra: string[]) => y("platforms:", "  c:", "    hosts: h", ...extra);
const spec = (text: string) => parsePlatformFile(text, "p.yaml").specs.find((s) => s.name === "c");

test("max_polls_per_minute: 30 by default on remote platforms, 120 on localhost", () => {
  assert.equal(remoteDefaults("x").maxPollsPerMinute, 30);
  assert.equal(spec(plat())?.maxPollsPerMinute, 30);
  assert.equal(localhostSpec().maxPollsPerMinute, 120);
});

test("the default follows a faster schedule: two queries per shortest interval", () => {
  assert.equal(spec(plat("    polling: { execution: [PT1S] }"))?.maxPollsPerMinute, 120);
  assert.equal(spec(plat("    polling: { submission: [PT2S], time_limit: [PT5S] }"))?.maxPollsPerMinute, 60);
  // Slow schedules never go below the default.
  assert.equal(defaultPollCeiling({ submission: [60], execution: [300], timeLimit: [600] }), 30);
  assert.equal(defaultPollCeiling({ submission: [0.5], execution: [10], timeLimit: [10] }), 240);
});

test("an explicit max_polls_per_minute wins, on any platform and on localhost", () => {
  assert.equal(
    spec(plat("    max_polls_per_minute: 7", "    polling: { execution: [PT1S] }"))?.maxPollsPerMinute,
    7,
  );
  const local = parsePlatformFile(y("platforms:", "  localhost:", "    max_polls_per_minute: 5"), "p.yaml");
  assert.equal(local.specs.find((s) => s.name === "localhost")?.maxPollsPerMinute, 5);
});

const BAD: [string, string, RegExp][] = [
  ["zero", "0", /max_polls_per_minute must be at least 1/],
  ["negative", "-3", /max_polls_per_minute must be at least 1/],
  ["a fraction", "1.5", /max_polls_per_minute must be a whole number/],
  ["a word", "many", /expected a number, got a string|expected number/],
  ["huge", "1000000", /max_polls_per_minute must be at most 100000/],
  ["a list", "[3]", /expected a number, got a list|expected number/],
];

for (const [what, value, message] of BAD) {
  test(`max_polls_per_minute refused: ${what}, naming file, line and key`, () => {
    for (const [parse, file, line] of [
      [(t: string) => parsePlatformFile(t, "p.yaml"), "p.yaml", 4],
      [(t: string) => parseJobSet(y("jobs:", "  a:", "    script: x") + t, "set.yaml"), "set.yaml", 7],
    ] as const) {
      assert.throws(
        () => parse(plat(`    max_polls_per_minute: ${value}`)),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          const place = `${file}:${line} (platforms.c.max_polls_per_minute): `;
          assert.ok(err.message.startsWith(place), err.message);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });
}
