import { test } from "node:test";
import assert from "node:assert/strict";
import { LineCounter, parseDocument } from "yaml";
import { formatKeyPath, YamlLocator } from "../../src/config/yaml-locator.js";

test("formatKeyPath writes dotted paths, indexes and quoted odd keys", () => {
  assert.equal(formatKeyPath([]), "");
  assert.equal(formatKeyPath(["jobs", "pre-process", "env", "SIZE"]), "jobs.pre-process.env.SIZE");
  assert.equal(formatKeyPath(["jobs", "a", "needs", 2]), "jobs.a.needs[2]");
  assert.equal(formatKeyPath(["jobs", "a.b", "directives", "--mem"]), 'jobs["a.b"].directives["--mem"]');
});

test("lineOf and pathAt map between key paths and lines", () => {
  const text =
    "jobs:\n  a:\n    script: x\n    needs:\n      - b\n      - c\n  b:\n    script: |\n      one\n      two\n";
  const lines = new LineCounter();
  const where = new YamlLocator(parseDocument(text, { lineCounter: lines }), lines);
  assert.equal(where.lineOf(["jobs", "a"]), 2);
  assert.equal(where.lineOf(["jobs", "a", "needs", 1]), 6);
  assert.equal(where.lineOf(["jobs", "b", "script"]), 8);
  assert.equal(where.lineOf(["jobs", "b", "missing"]), 7, "a missing key falls back to its parent's key");
  assert.equal(where.lineOf(["nothing", "here"]), 1);
  assert.deepEqual(where.pathAt(text.indexOf("- c") + 2), ["jobs", "a", "needs", 1]);
  assert.deepEqual(where.pathAt(text.indexOf("two")), ["jobs", "b", "script"]);
  assert.deepEqual(where.pathAt(text.indexOf("  b:") + 2), ["jobs", "b"]);
});
