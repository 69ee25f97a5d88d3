import { test } from "node:test";
import assert from "node:assert/strict";
import type { CommandResult } from "../../src/transport/command-result.js";
import { readSliceReply } from "../../src/remote/slice-program.js";
import { readTidyReply } from "../../src/remote/install-program.js";
import { parseEpoch, parseRsyncVersion } from "../../src/remote/check-program.js";

const N = "d".repeat(32);
const M = `@@drover:${N}`;
const START = `@@drover:canary\n${M} start -\n|pid=1\n|start=2\n|boot=b\n|time=t\n${M} end 0\n`;
const DONE = `${M} done -\n${M} end 0\n`;
const SH = ["bash", "-l", "-s"];
const b64 = (s: string) => Buffer.from(s).toString("base64");

function res(stdout: string): CommandResult {
  return {
    argv: ["bash"],
    host: "h",
    exitCode: 0,
    signal: null,
    stdout,
    stderr: "",
    durationMs: 1,
    timedOut: false,
  };
}
const req = {
  host: "h",
  timeoutMs: 1000,
  runDir: "/r",
  files: [
    { path: "a", maxBytes: 10 },
    { path: "b", maxBytes: 10 },
    { path: "big", maxBytes: 4 },
  ],
};

test("slice reply: small files split by size, a cut file split in halves", () => {
  const out = `${START}${M} sizes -\n|0 3\n|1 2\n|2 100\n${M} end 0\n${M} small -\n|${b64("abcde")}\n${M} end 0\n${M} after -\n|0 3\n|1 2\n${M} end 0\n${M} slice 2\n|${b64("HHTT")}\n${M} end 0\n${DONE}`;
  const r = readSliceReply(req, res(out), N, SH);
  assert.equal(r.error, null);
  assert.deepEqual(
    r.files.map((f) => [f.head, f.tail, f.cut, f.size, f.error]),
    [
      ["abc", "", false, 3, null],
      ["de", "", false, 2, null],
      ["HH", "TT", true, 100, null],
    ],
  );
});

test("slice reply: a file that grew while read spoils the small group, not the cut files", () => {
  const out = `${START}${M} sizes -\n|0 3\n|1 2\n|2 100\n${M} end 0\n${M} small -\n|${b64("abcdef")}\n${M} end 0\n${M} after -\n|0 3\n|1 3\n${M} end 0\n${M} slice 2\n|${b64("HHT")}\n${M} end 0\n${DONE}`;
  const r = readSliceReply(req, res(out), N, SH);
  assert.deepEqual(
    r.files.map((f) => f.error),
    [
      "the files changed while being read",
      "the files changed while being read",
      "the slices were not read whole (rc=0)",
    ],
  );
  assert.equal(r.files[0]?.headBytes.length, 0);
});

test("slice reply: malformed base64 and a reply cut short", () => {
  const bad = `${START}${M} sizes -\n|0 3\n${M} end 0\n${M} small -\n|@@@@\n${M} end 0\n${M} after -\n|0 3\n${M} end 0\n${DONE}`;
  const r = readSliceReply({ ...req, files: [{ path: "a", maxBytes: 10 }] }, res(bad), N, SH);
  assert.equal(r.files[0]?.error, "the files were not read (rc=0)");
  const cut = readSliceReply(req, { ...res(`${START}${M} sizes -\n|0 3\n`), exitCode: 255 }, N, SH);
  assert.equal(cut.completed, false);
  assert.match(cut.error ?? "", /cut before its end/);
  assert.deepEqual(
    cut.files.map((f) => f.error),
    ["not answered", "not answered", "not answered"],
  );
});

test("tidy reply: an unknown reason is not-run, a forged line from another nonce is ignored", () => {
  const treq = { host: "h", timeoutMs: 1, runDir: "/x/run1", marker: { name: "m" } };
  const forged = `${START}@@drover:${"e".repeat(32)} tidy -\n|removed=1\n|reason=removed\n${DONE}`;
  const r = readTidyReply(treq, res(forged), N, SH);
  assert.deepEqual([r.removed, r.reason], [false, "not-run"]);
  assert.match(r.error ?? "", /no tidy answer|bad reply/);
  const odd = `${START}${M} tidy -\n|removed=1\n|reason=whatever\n${M} end 0\n${DONE}`;
  assert.deepEqual(
    [readTidyReply(treq, res(odd), N, SH).removed, readTidyReply(treq, res(odd), N, SH).reason],
    [false, "not-run"],
  );
});

test("host clock and rsync version parsing", () => {
  assert.equal(parseEpoch("1718000000.123456"), 1718000000123);
  assert.equal(parseEpoch("1718000000,5"), 1718000000500);
  assert.equal(parseEpoch("1718000000123456789"), 1718000000123);
  assert.equal(parseEpoch("1718000000N"), 1718000000000);
  assert.equal(parseEpoch(""), null);
  assert.equal(parseRsyncVersion("rsync  version 3.1.3  protocol version 31"), "3.1.3");
  assert.equal(parseRsyncVersion("rsync  version v3.2.7  protocol version 32"), "3.2.7");
  assert.equal(parseRsyncVersion("openrsync: protocol version 29"), null);
});
