import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { shellJoin, shellPath, shellQuote } from "../../src/script/shell-quote.js";

/** Runs `printf '%s\0' ARGS` through bash and returns what bash saw. */
function roundTrip(words: string[]): string[] {
  const r = spawnSync("bash", ["-c", `printf '%s\\0' ${shellJoin(words)}`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\0").slice(0, -1);
}

test("hostile values survive bash unchanged", () => {
  const words = [
    "plain",
    "with space",
    "$(rm -rf ~)",
    "`id`",
    "a'b",
    "'",
    "''",
    "\\",
    "line\nbreak",
    "semi;colon|pipe&amp",
    "$HOME",
    "*",
    "~",
    "-n",
    "",
    "üñí€",
    "tab\there",
  ];
  assert.deepEqual(roundTrip(words), words);
});

test("safe words are left bare, others quoted", () => {
  assert.equal(shellQuote("abc/def.txt"), "abc/def.txt");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote(""), "''");
  assert.throws(() => shellQuote("a\0b"));
});

test("home-relative paths expand only the home part", () => {
  const r = spawnSync("bash", ["-c", `printf '%s' ${shellPath("~/run dir/$x")}`], {
    encoding: "utf8",
    env: { HOME: "/h o/me" },
  });
  assert.equal(r.stdout, "/h o/me/run dir/$x");
  assert.equal(shellPath("/abs/p"), "/abs/p");
});
