/** Bad input through the CLI: one clear line naming the place, exit 2, nothing submitted. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../helpers/cli.js";

const CASES: [string, string, RegExp][] = [
  ["broken yaml", "jobs:\n  a: [unclosed\n", /broken\.yaml:\d+/],
  ["unknown key", "jobs:\n  a:\n    script: true\n    scirpt: x\n", /broken\.yaml:4.*scirpt/],
  ["job name with a space", "jobs:\n  'a b':\n    script: true\n", /broken\.yaml:2.*a b/],
  ["job name with ;", "jobs:\n  'a;rm':\n    script: true\n", /broken\.yaml:2/],
  ["unknown need", "jobs:\n  a:\n    script: true\n    needs: [zz]\n", /broken\.yaml:4.*zz/],
  [
    "cyclic needs",
    "jobs:\n  a:\n    script: true\n    needs: b\n  b:\n    script: true\n    needs: a\n",
    /cycl/i,
  ],
  ["bad duration", "jobs:\n  a:\n    script: true\n    time_limit: 5m\n", /broken\.yaml:4.*time_limit/],
  [
    "reserved directive",
    "jobs:\n  a:\n    script: true\n    directives: { --job-name: x }\n",
    /broken\.yaml:4.*reserved/,
  ],
];

test("bad job sets are refused before anything runs", () => {
  const sb = sandbox();
  try {
    for (const [what, text, want] of CASES) {
      const file = sb.write("broken.yaml", text);
      const r = sb.drover(["run", file]);
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(r.stderr, want, what);
      assert.equal(r.stderr.trim().split("\n").length >= 1, true);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
      assert.equal(existsSync(join(sb.home, "broken", "log")), false, `${what}: nothing submitted`);
    }
  } finally {
    sb.cleanup();
  }
});

test("a 5 MB script, a missing file, hostile run names: clear errors", () => {
  const sb = sandbox();
  try {
    const big = sb.write("big.yaml", `jobs:\n  a:\n    script: "${"x".repeat(5 * 1024 * 1024)}"\n`);
    let r = sb.drover(["run", big]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /big\.yaml:3.*script/);
    r = sb.drover(["run", join(sb.dir, "missing.yaml")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing\.yaml/);
    const ok = sb.write("ok.yaml", "jobs:\n  a:\n    script: true\n");
    for (const name of ["../escape", "a/b", "..", ".hidden", "a b"]) {
      r = sb.drover(["run", ok, "--name", name]);
      assert.equal(r.code, 2, name);
      assert.match(r.stderr, /bad run name/, name);
    }
    r = sb.drover(["status", "../../etc"]);
    assert.equal(r.code, 2);
    r = sb.drover(["frobnicate"]);
    assert.equal(r.code, 2);
    r = sb.drover(["run", ok, "--bogus"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --bogus/);
  } finally {
    sb.cleanup();
  }
});
