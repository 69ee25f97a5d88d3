import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  escapeMessage,
  formatExitLine,
  formatInitLine,
  formatMessageLine,
  formatVacatedLine,
  parseStatusFile,
  unescapeMessage,
} from "../../src/script/status-file.js";
import { DROVER_MESSAGE_FUNCTION } from "../../src/script/wrapper-functions.js";

const T = "2026-11-26T11:40:00Z";
const HEAD = `DROVER_JOB_TOKEN=abc123\nDROVER_JOB_RUNNER=slurm\nDROVER_JOB_ID=12345;c2\nDROVER_JOB_SUBMIT_TIME=${T}\n`;
const INIT = `DROVER_JOB_INIT=${T}|1|4321|12345;c2\n`;
const EXIT0 = `DROVER_JOB_EXIT=${T}|SUCCEEDED|0\n`;

test("empty file: nothing known, nothing malformed", () => {
  const s = parseStatusFile("");
  assert.deepEqual(s, {
    token: null,
    runner: null,
    jobId: null,
    submitTime: null,
    inits: [],
    messages: [],
    last: { kind: "none" },
    exit: null,
    malformed: [],
  });
});

test("submitted only: header fields, last none", () => {
  const s = parseStatusFile(HEAD);
  assert.equal(s.token, "abc123");
  assert.equal(s.runner, "slurm");
  assert.equal(s.jobId, "12345;c2");
  assert.equal(s.submitTime, T);
  assert.equal(s.last.kind, "none");
  assert.deepEqual(s.malformed, []);
});

test("a whole run: INIT, message, EXIT", () => {
  const s = parseStatusFile(HEAD + INIT + `DROVER_MESSAGE=${T}|WARNING|a\\nb|c\\\\n\n` + EXIT0);
  assert.deepEqual(s.last, { kind: "init", init: { time: T, runCount: 1, pid: 4321, jobId: "12345;c2" } });
  assert.deepEqual(s.exit, { time: T, signal: "SUCCEEDED", code: 0 });
  assert.deepEqual(s.messages, [{ time: T, severity: "WARNING", text: "a\nb|c\\n" }]);
});

test("requeue: EXIT then a new INIT: the last segment is the INIT, the old EXIT is history", () => {
  const s = parseStatusFile(
    HEAD + INIT + `DROVER_JOB_EXIT=${T}|TERM|143\n` + `DROVER_JOB_INIT=${T}|2|99|12345;c2\n`,
  );
  assert.equal(s.exit, null);
  assert.equal(s.inits.length, 2);
  assert.equal(s.last.kind === "init" && s.last.init.runCount, 2);
});

test("vacation: VACATED last, no exit; an INIT after it starts a new segment", () => {
  const vac = `DROVER_JOB_VACATED=${T}|USR1\n`;
  const s = parseStatusFile(HEAD + INIT + vac);
  assert.deepEqual(s.last, { kind: "vacated", vacated: { time: T, signal: "USR1" } });
  assert.equal(s.exit, null);
  const again = parseStatusFile(HEAD + INIT + vac + INIT + EXIT0);
  assert.equal(again.last.kind, "init");
  assert.equal(again.exit?.signal, "SUCCEEDED");
});

test("EXIT with no INIT (killed before its INIT landed) still counts; the first EXIT of a segment wins", () => {
  const s = parseStatusFile(HEAD + `DROVER_JOB_EXIT=${T}|XCPU|152\n` + `DROVER_JOB_EXIT=${T}|EXIT|1\n`);
  assert.equal(s.last.kind, "none");
  assert.deepEqual(s.exit, { time: T, signal: "XCPU", code: 152 });
});

test("job ID: DROVER_JOB_ID's last value, else the last INIT's", () => {
  assert.equal(parseStatusFile("DROVER_JOB_ID=1\nDROVER_JOB_ID=2\n" + INIT).jobId, "2");
  assert.equal(parseStatusFile(INIT + `DROVER_JOB_INIT=${T}|1|5|777\n`).jobId, "777");
  // An at job's launcher line: its INIT ID is only a process group, never the at job number.
  const launched = "DROVER_JOB_PROCESS=4321|98765|0f0e0d0c-0b0a-4908-8706-050403020100\n";
  assert.equal(parseStatusFile(launched + `DROVER_JOB_INIT=${T}|1|5|777\n`).jobId, null);
  assert.equal(parseStatusFile("DROVER_JOB_ID=42\n" + launched + INIT).jobId, "42");
});

const malformedCases: [string, string][] = [
  ["unknown key", "DROVER_SOMETHING=1"],
  ["no equals sign", "garbage"],
  ["empty line", ""],
  ["INIT with 3 fields", `DROVER_JOB_INIT=${T}|1|4321`],
  ["INIT with 5 fields", `DROVER_JOB_INIT=${T}|1|4321|12|x`],
  ["INIT non-numeric run count", `DROVER_JOB_INIT=${T}|one|4321|12`],
  ["INIT with empty job ID", `DROVER_JOB_INIT=${T}|1|4321|`],
  ["EXIT non-numeric code", `DROVER_JOB_EXIT=${T}|ERR|x`],
  ["EXIT negative code", `DROVER_JOB_EXIT=${T}|ERR|-1`],
  ["EXIT lower-case signal", `DROVER_JOB_EXIT=${T}|term|143`],
  ["EXIT with a bad time", `DROVER_JOB_EXIT=yesterday|ERR|1`],
  ["MESSAGE unknown severity", `DROVER_MESSAGE=${T}|DEBUG|x`],
  ["MESSAGE missing text field", `DROVER_MESSAGE=${T}|INFO`],
  ["VACATED with 3 fields", `DROVER_JOB_VACATED=${T}|USR1|1`],
  ["empty token", "DROVER_JOB_TOKEN="],
  ["job ID with a control character", "DROVER_JOB_ID=12\u0007"],
  ["CRLF line", `DROVER_JOB_EXIT=${T}|ERR|1\r`],
  ["key with a leading space", ` DROVER_JOB_ID=1`],
];

for (const [name, line] of malformedCases) {
  test(`malformed, kept with its line number: ${name}`, () => {
    const s = parseStatusFile(HEAD + line + "\n" + INIT);
    assert.deepEqual(s.malformed, [{ line: 5, text: line }]);
    assert.equal(s.last.kind, "init", "the rest of the file still parses");
    assert.equal(s.exit, null);
  });
}

test("truncated last line: a cut EXIT, INIT, token or message is malformed, never read as data", () => {
  for (const cut of [
    `DROVER_JOB_EXIT=${T}|ERR|1`, // could be the start of |ERR|13
    `DROVER_JOB_EXIT=${T}|SUCC`,
    `DROVER_JOB_INIT=${T}|1|43`,
    `DROVER_MESSAGE=${T}|INFO|hal`,
    "DROVER_JOB_TOKEN=abc",
    "DROVER_JOB_ID=123",
    `DROVER_JOB_VACATED=${T}|USR`,
    "DROVER_JOB_SUBMIT_TIME=2026-11-26T11:4",
  ]) {
    const s = parseStatusFile(HEAD + INIT + cut);
    assert.deepEqual(s.malformed, [{ line: 6, text: cut }], cut);
    assert.equal(s.exit, null, cut);
    assert.equal(s.last.kind, "init", cut);
    assert.equal(s.token, "abc123", cut);
  }
});

test("last line without a newline that is provably complete is used", () => {
  const s = parseStatusFile(HEAD + INIT + `DROVER_JOB_VACATED=${T}|USR1`);
  assert.equal(s.last.kind, "vacated");
  assert.deepEqual(s.malformed, []);
  assert.equal(parseStatusFile(`DROVER_JOB_SUBMIT_TIME=${T}`).submitTime, T);
});

test("a huge garbage line is kept as capped evidence", () => {
  const s = parseStatusFile("x".repeat(100_000) + "\n");
  assert.equal(s.malformed.length, 1);
  assert.ok((s.malformed[0]?.text.length ?? 0) < 1100);
});

test("format helpers round-trip through the parser", () => {
  const init = { time: T, runCount: 3, pid: 17, jobId: "42" };
  const msg = { time: T, severity: "CRITICAL" as const, text: "x\ny\r\\z|w\\n" };
  const vac = { time: T, signal: "USR1" };
  const exit = { time: T, signal: "TERM", code: 143 };
  const s = parseStatusFile(formatInitLine(init) + formatMessageLine(msg) + formatVacatedLine(vac));
  assert.deepEqual(s.inits, [init]);
  assert.deepEqual(s.messages, [msg]);
  assert.deepEqual(s.last, { kind: "vacated", vacated: vac });
  assert.deepEqual(parseStatusFile(formatExitLine(exit)).exit, exit);
});

test("escapeMessage/unescapeMessage: inverse, and escaped text has no line breaks", () => {
  for (let i = 0; i < 500; i++) {
    const text = Array.from({ length: 20 }, () => "\\\nrn|a"[Math.floor(Math.random() * 6)]).join("");
    const e = escapeMessage(text);
    assert.doesNotMatch(e, /[\n\r]/);
    assert.equal(unescapeMessage(e), text);
  }
  assert.equal(unescapeMessage("a\\tb\\"), "a\\tb\\", "unknown escapes and a trailing backslash stay");
});

test("the wrapper's drover_message escaping matches escapeMessage", () => {
  const text = "a\\b\nc\rd\\\\n|e $HOME `x`";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-msg-"));
  try {
    const file = path.join(dir, "job.status");
    const r = spawnSync("bash", ["-c", 'eval "$FN"; drover_message INFO "$1"', "-", text], {
      env: { ...process.env, FN: DROVER_MESSAGE_FUNCTION, DROVER_STATUS_FILE: file },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const out = fs.readFileSync(file, "utf8");
    const s = parseStatusFile(out);
    assert.deepEqual(s.malformed, []);
    assert.equal(s.messages[0]?.text, text);
    assert.ok(out.endsWith(`|INFO|${escapeMessage(text)}\n`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("fuzz: random bytes and shuffled valid lines never throw", () => {
  const pieces = [
    HEAD,
    INIT,
    EXIT0,
    `DROVER_MESSAGE=${T}|INFO|x\n`,
    `DROVER_JOB_VACATED=${T}|USR1\n`,
    "|",
    "=",
    "\n",
  ];
  for (let i = 0; i < 2000; i++) {
    const raw = randomBytes(Math.floor(Math.random() * 300));
    let text = raw.toString(i % 2 ? "utf8" : "latin1");
    if (i % 3 === 0)
      text =
        Array.from({ length: 8 }, () => pieces[Math.floor(Math.random() * pieces.length)]).join("") + text;
    const s = parseStatusFile(text);
    assert.ok(Array.isArray(s.malformed) && Array.isArray(s.inits));
    for (const m of s.malformed) assert.ok(Number.isInteger(m.line) && m.line >= 1);
  }
});
