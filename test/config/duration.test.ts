import { test } from "node:test";
import assert from "node:assert/strict";
import { DurationError, formatDuration, MAX_DURATION_S, parseDuration } from "../../src/config/duration.js";

const GOOD: [string, number][] = [
  ["PT0S", 0],
  ["PT30S", 30],
  ["PT0.5S", 0.5],
  ["PT5M", 300],
  ["PT1H", 3600],
  ["PT1H30M", 5400],
  ["PT1,5M", 90],
  ["P1D", 86_400],
  ["P1DT12H", 129_600],
  ["P1DT2H3M4.25S", 93_784.25],
  ["P2W", 1_209_600],
  ["P0.5W", 302_400],
  ["P3652D", 3652 * 86_400],
];

for (const [text, seconds] of GOOD) {
  test(`parseDuration(${text}) = ${seconds} s`, () => {
    assert.equal(parseDuration(text), seconds);
  });
}

const BAD: [string, RegExp][] = [
  ["", /empty/],
  ["5m", /start with P/],
  ["300", /start with P/],
  ["PT", /T must be followed/],
  ["P1DT", /T must be followed/],
  ["P", /no number/],
  ["-PT5S", /negative/],
  ["PT-5S", /expected ISO 8601/],
  ["P11Y", /years and months are not supported/],
  ["P1M", /years and months are not supported/],
  ["P3660D", /longer than 10 years/],
  ["PT99999999999999999999999999S", /longer than 10 years/],
  ["PT1.5H30M", /only the last component/],
  ["pt5m", /upper case: PT5M/],
  ["P1W2D", /weeks cannot be combined/],
  ["PT5M ", /expected ISO 8601/],
  [" PT5M", /expected ISO 8601/],
  ["PT1M30", /expected ISO 8601/],
  ["PT1S1M", /expected ISO 8601/],
  ["P1.D", /expected ISO 8601/],
  ["PT5M; rm -rf /", /expected ISO 8601/],
];

for (const [text, why] of BAD) {
  test(`parseDuration(${JSON.stringify(text)}) is refused`, () => {
    assert.throws(
      () => parseDuration(text),
      (err: unknown) => {
        assert.ok(err instanceof DurationError);
        assert.match(err.message, why);
        assert.ok(err.message.includes(`bad duration ${JSON.stringify(text)}`), err.message);
        return true;
      },
    );
  });
}

test("formatDuration writes canonical ISO 8601", () => {
  const cases: [number, string][] = [
    [0, "PT0S"],
    [0.5, "PT0.5S"],
    [30, "PT30S"],
    [90, "PT1M30S"],
    [3600, "PT1H"],
    [86_400, "P1D"],
    [1_209_600, "P14D"],
    [93_784.25, "P1DT2H3M4.25S"],
    [0.1 + 0.2, "PT0.3S"],
    [59.9999999, "PT1M"],
  ];
  for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text, `${seconds}`);
});

test("formatDuration round-trips through parseDuration", () => {
  for (const s of [0, 0.25, 1, 59, 61.5, 3599, 3601, 86_399, 90_061, 1_000_000.125, MAX_DURATION_S]) {
    assert.equal(parseDuration(formatDuration(s)), s);
  }
});

test("formatDuration refuses negative and non-finite numbers", () => {
  for (const s of [-1, Number.NaN, Number.POSITIVE_INFINITY])
    assert.throws(() => formatDuration(s), RangeError);
});
