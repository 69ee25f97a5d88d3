import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parseReply } from "../../src/remote/reply-parser.js";
import { encodePayload, fieldsText } from "../../src/remote/payload.js";
import { AWK_READER } from "../../src/remote/awk-reader.js";
import { parseJournal } from "../../src/remote/journal.js";

const N = "0123456789abcdef0123456789abcdef";
const M = `@@drover:${N}`;

test("sections, exact text with and without a final newline, start facts and done", () => {
  const out = [
    "banner from a login file",
    `${M} start -`,
    "|pid=12",
    "|start=34",
    "|boot=b-1",
    "|time=2026-01-01T00:00:00Z",
    `${M} end 0`,
    `${M} status a b/01`,
    "|line one",
    "|@@drover:0000 end 0",
    ":no newline",
    `${M} end 0`,
    `${M} done -`,
    `${M} end 0`,
    "",
  ].join("\n");
  const r = parseReply(out, N);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.start, { pid: "12", start: "34", boot: "b-1", time: "2026-01-01T00:00:00Z" });
  assert.equal(r.doneRc, 0);
  const s = r.sections.find((x) => x.kind === "status");
  assert.equal(s?.arg, "a b/01");
  assert.equal(s?.text, "line one\n@@drover:0000 end 0\nno newline");
});

test("tolerant: cut, unclosed, malformed and foreign lines are errors with their raw text, never a throw", () => {
  const out = [
    `${M} start -`,
    `${M} end 0`,
    `${M} submit x/01`,
    "|rc=0",
    `${M} submit y/01`,
    "unprefixed line",
    `${M} end zero`,
    `${M} end 0`,
    `@@drover:ffff end 0`,
    `${M} BAD!kind`,
    `${M} status z/01`,
    ":partial",
    "|after partial",
    `${M} status w/01`,
    "|cut he",
  ].join("\n");
  const r = parseReply(out, N);
  assert.ok(r.start);
  assert.equal(r.doneRc, null);
  assert.equal(r.sections.filter((s) => s.kind !== "start").length, 0);
  const all = r.errors.join("\n");
  for (const frag of [
    "x/01 not closed",
    "unprefixed line",
    "end zero",
    "end marker outside",
    "@@drover:ffff",
    "BAD!kind",
    "after partial",
    "cut mid-line",
    "w/01 cut short",
  ]) {
    assert.ok(all.includes(frag), `${frag} in ${all}`);
  }
  for (const junk of ["", "\n\n", "@@drover:", `${M}`, `${M} end`, "\u0000\uffff", "x".repeat(100_000)])
    parseReply(junk, N);
});

test("the awk reader rebuilds every record byte for byte, and rejects any cut stream", () => {
  const texts = ["a\nb\n", "no newline", "", "\n", "ünïcødé €\r\nline\n", `${M} end 0\n|fake\n:fake`];
  const records = [
    ...texts.map((text, i) => ({ kind: "file", arg: `f ${i}`, text })),
    { kind: "launch", arg: "k/01", text: fieldsText(["x", "", "y z"]) },
  ];
  const payload = encodePayload(N, records);
  const dumpAwk = `${AWK_READER}
END { if (!verify()) exit 3; for (i = 1; i <= nr; i++) { printf "<%s|%s|", K[i], A[i]; for (j = 1; j <= NL[i]; j++) printf (j == NL[i] && PART[i]) ? "%s" : "%s\\n", L[i, j]; printf ">" } }`;
  const run = (input: string) =>
    spawnSync("awk", [dumpAwk], {
      input,
      env: { ...process.env, DROVER_NONCE: N, LC_ALL: "C" },
      encoding: "utf8",
    });
  const ok = run(payload);
  assert.equal(ok.status, 0, ok.stderr);
  const expected = records.map((r) => `<${r.kind}|${r.arg}|${r.text}>`).join("");
  assert.equal(ok.stdout, expected);
  for (let cut = 0; cut < payload.length; cut += 7) {
    const r = run(payload.slice(0, cut));
    assert.equal(r.status, 3, `cut at ${cut} must be rejected`);
    assert.equal(r.stdout, "");
  }
  assert.equal(run(payload + "|extra\n").status, 3, "data after the trailer");
  assert.equal(run(payload.replace(N, "f".repeat(32))).status, 3, "a foreign nonce");
});

test("journal: PID line, SUBMIT lines (keys with spaces and ' rc='), DONE, half-written last line ignored", () => {
  const j = parseJournal(
    "PID 10 20 boot\nSUBMIT a b rc=1/01 rc=0 id=5 start=6\nweird\nSUBMIT c/01 rc=2 id= start=\nDONE\nSUBMIT d/01 rc=0 id=7",
  );
  assert.equal(j.pid, "10");
  assert.equal(j.start, "20");
  assert.equal(j.boot, "boot");
  assert.deepEqual(j.lines.get("a b rc=1/01"), { rc: 0, id: "5", start: "6" });
  assert.deepEqual(j.lines.get("c/01"), { rc: 2, id: "", start: "" });
  assert.equal(j.lines.has("d/01"), false);
  assert.equal(j.done, true);
  assert.deepEqual(j.unknown, ["weird"]);
});
