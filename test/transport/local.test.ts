import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { LocalTransport } from "../../src/transport/local.js";

const t = new LocalTransport();

function live(pid: string): boolean {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^Z/.test(s.slice(s.lastIndexOf(") ") + 2));
  } catch {
    return false;
  }
}

test("runs the program from stdin in its own session; stdout and stderr apart; exit code", async () => {
  const r = await t.runProgram(
    "localhost",
    'echo out; echo err >&2; read -r _ _ _ _ _ sid _ </proc/$$/stat; echo "$sid $$"; exit 3\n',
    { timeoutMs: 10_000 },
  );
  assert.deepEqual(r.argv, ["bash", "-l", "-s"]);
  assert.equal(r.host, "localhost");
  assert.equal(r.exitCode, 3);
  assert.equal(r.signal, null);
  assert.equal(r.timedOut, false);
  assert.equal(r.stderr, "err\n");
  const [out, ids] = r.stdout.trim().split("\n");
  assert.equal(out, "out");
  const [sid, pid] = (ids ?? "").split(" ");
  assert.equal(sid, pid, "the shell leads its own session (detached)");
});

test("large output is collected whole (streams, no maxBuffer)", async () => {
  const r = await t.runProgram("localhost", "head -c 5000000 /dev/zero | tr '\\0' x\n", {
    timeoutMs: 10_000,
  });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout.length, 5_000_000);
});

test("a timeout kills the whole process group and says so", async () => {
  const r = await t.runProgram("localhost", "sleep 30 & echo $!; wait\n", { timeoutMs: 300 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, "SIGKILL");
  const child = r.stdout.trim();
  assert.match(child, /^[0-9]+$/);
  assert.equal(live(child), false, "the shell's child died with its group");
});

test("EPIPE on stdin is recorded, not thrown; a missing shell is a result, not a rejection", async () => {
  const quick = new LocalTransport(["bash", "-c", "exit 4"]);
  const r = await quick.runProgram("localhost", "x".repeat(8_000_000), { timeoutMs: 10_000 });
  assert.equal(r.exitCode, 4);
  assert.match(r.stderr, /stdin: EPIPE/);
  const none = new LocalTransport(["/nonexistent/shell"]);
  const n = await none.runProgram("localhost", "true\n", { timeoutMs: 10_000 });
  assert.equal(n.exitCode, 127);
  assert.match(n.stderr, /ENOENT/);
  assert.throws(() => new LocalTransport([]), TypeError);
});
