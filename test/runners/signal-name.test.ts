import { test } from "node:test";
import assert from "node:assert/strict";
import { signalName } from "../../src/runners/common/signal-name.js";
import { noExitReason } from "../../src/job/verdict-reason.js";

test("signal numbers from runner records become the names reasons use", () => {
  assert.equal(signalName(9), "KILL");
  assert.equal(signalName(15), "TERM");
  assert.equal(signalName(24), "XCPU");
  for (const bad of [0, -1, 1.5, 125, Number.NaN, 1e20]) assert.equal(signalName(bad), null, String(bad));
});

test("a job without an EXIT line that accounting says a signal ended: signal(SIG), not exit(128+n)", () => {
  const vanished = { kind: "vanished" } as const;
  const raw = "5|c|FAILED|0:9";
  assert.deepEqual(noExitReason({ terminal: "failed", exitCode: 137, signal: "KILL", raw }, vanished), {
    kind: "signal",
    signal: "KILL",
  });
  assert.deepEqual(noExitReason({ terminal: "failed", exitCode: 3, raw }, vanished), {
    kind: "exit",
    code: 3,
  });
  assert.deepEqual(noExitReason(null, vanished), vanished);
});
