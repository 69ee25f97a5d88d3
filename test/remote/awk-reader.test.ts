import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { encodePayload, fieldsText } from "../../src/remote/payload.js";
import { AWK_READER } from "../../src/remote/awk-reader.js";

const N = "0123456789abcdef0123456789abcdef";
const M = `@@drover:${N}`;

/** Prints every record as `<kind|arg|whole bytes|lines>` from C[i] and from L/NL. */
const DUMP = `${AWK_READER}
END {
  if (!verify()) exit 3
  for (i = 1; i <= nr; i++) {
    printf "<%s|%s|%s|", K[i], A[i], C[i]
    for (j = 1; j <= NL[i]; j++) printf (j == NL[i] && PART[i]) ? "%s" : "%s\\n", L[i, j]
    printf ">"
  }
}`;

function run(input: string, whole: string[] = ["-v", "WHOLE=file"]) {
  return spawnSync("awk", [...whole, DUMP], {
    input,
    env: { ...process.env, DROVER_NONCE: N, LC_ALL: "C" },
    encoding: "utf8",
  });
}

test("WHOLE records keep their bytes whole in C[i], byte for byte; other kinds keep their lines", () => {
  const texts = ["a\nb\n", "no newline", "", "\n", "ünïcødé €\r\nline\n", `${M} end 0\n|fake\n:fake`];
  const records = [
    ...texts.map((text, i) => ({ kind: "file", arg: `f ${i}`, text })),
    { kind: "launch", arg: "k/01", text: fieldsText(["x", "", "y z"]) },
    { kind: "file", arg: "last", text: "tail\nend" },
  ];
  const payload = encodePayload(N, records);
  const ok = run(payload);
  assert.equal(ok.status, 0, ok.stderr);
  const expected = records
    .map((r) => (r.kind === "file" ? `<file|${r.arg}|${r.text}|>` : `<${r.kind}|${r.arg}||${r.text}>`))
    .join("");
  assert.equal(ok.stdout, expected);
  // Without WHOLE every kind is read as lines, as before.
  const lines = run(payload, []);
  assert.equal(lines.status, 0, lines.stderr);
  assert.equal(lines.stdout, records.map((r) => `<${r.kind}|${r.arg}||${r.text}>`).join(""));
});

test("WHOLE records: any cut stream, extra data or foreign nonce is rejected before any output", () => {
  const payload = encodePayload(N, [
    { kind: "file", arg: "a", text: "one\ntwo\n" },
    { kind: "file", arg: "b", text: "three" },
  ]);
  for (let cut = 0; cut < payload.length; cut += 3) {
    const r = run(payload.slice(0, cut));
    assert.equal(r.status, 3, `cut at ${cut} must be rejected`);
    assert.equal(r.stdout, "");
  }
  assert.equal(run(`${payload}|extra\n`).status, 3, "data after the trailer");
  assert.equal(run(payload.replace(N, "f".repeat(32))).status, 3, "a foreign nonce");
  assert.equal(run(payload.replace("|two", "two")).status, 3, "an unprefixed line");
});
