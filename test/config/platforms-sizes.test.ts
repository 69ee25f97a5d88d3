import { test } from "node:test";
import assert from "node:assert/strict";
import { formatSize, parseSize, parsePlatformFile, SizeError } from "../../src/config/index.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";

// prettier-ignore
const GOOD: [number | string, number][] = [
  [0, 0], [1024, 1024], ["512", 512], ["100B", 100],
  ["1K", 1024], ["1KiB", 1024], ["1KB", 1000], ["1.5K", 1536],
  ["10M", 10 * 1024 ** 2], ["10MiB", 10 * 1024 ** 2], ["10MB", 10_000_000], ["10 MB", 10_000_000],
  ["2G", 2 * 1024 ** 3], ["1GiB", 1024 ** 3], ["1.5GB", 1_500_000_000], ["1024GiB", 1024 ** 4],
];

for (const [text, bytes] of GOOD) {
  test(`size ${JSON.stringify(text)} is ${bytes} bytes`, () => assert.equal(parseSize(text), bytes));
}

// prettier-ignore
const BAD: [number | string, RegExp][] = [
  ["1.5", /whole number/], [1.5, /whole number/], [-1, /at least 0/], ["-1K", /expected a number of bytes/],
  ["10XB", /unknown unit "XB"/], ["1kb", /unknown unit "kb"/], ["1TiB", /unknown unit "TiB"/],
  ["1e3", /expected a number of bytes/], ["", /expected a number/], ["K", /expected a number/], ["1025GiB", /larger than 1 TiB/],
];

for (const [text, message] of BAD) {
  test(`size ${JSON.stringify(text)} is refused`, () =>
    assert.throws(
      () => parseSize(text),
      (e: unknown) => e instanceof SizeError && message.test(e.message),
    ));
}

test("formatSize uses the largest whole binary unit", () => {
  assert.equal(formatSize(10 * 1024 ** 2), "10MiB");
  assert.equal(formatSize(1536), "1536");
  assert.equal(formatSize(2048), "2KiB");
  assert.equal(formatSize(1_000_000), "1000000");
  assert.equal(formatSize(1024 ** 3), "1GiB");
});

test("sizes and durations in a platform file become bytes and seconds", () => {
  const text = y(
    "platforms:",
    "  c:",
    "    hosts: h",
    "    retrieve_logs: { max_size: 1.5KB, retry_delays: [PT0.5S, PT1M30S, P1D] }",
    "    polling: { submission: [PT0.5S, PT2M], execution: [P1DT1H], time_limit: [P1W] }",
    "    retries: { submission: [PT0S, PT1H], execution: [PT10S] }",
    "    bad_host_time: PT0S",
    "    connect_timeout: PT2.5S",
    "    batch_timeout: PT1H",
    "    unlisted_grace: PT0S",
    "    kill_grace: PT1M",
  );
  const [spec] = parsePlatformFile(text, "p.yaml").specs;
  assert.deepEqual(spec?.retrieveLogs, { maxSizeBytes: 1500, retryDelaysS: [0.5, 90, 86_400] });
  assert.deepEqual(spec?.polling, { submission: [0.5, 120], execution: [90_000], timeLimit: [604_800] });
  assert.deepEqual(spec?.retryDelays, { submission: [0, 3600], execution: [10] });
  assert.deepEqual(
    [spec?.badHostS, spec?.connectTimeoutS, spec?.batchTimeoutS, spec?.unlistedGraceS, spec?.killGraceS],
    [0, 2.5, 3600, 0, 60],
  );
});

test("a size written as a plain number of bytes", () => {
  const text = y("platforms:", "  c:", "    hosts: h", "    retrieve_logs: { max_size: 4096 }");
  assert.equal(parsePlatformFile(text, "p.yaml").specs[0]?.retrieveLogs?.maxSizeBytes, 4096);
});
