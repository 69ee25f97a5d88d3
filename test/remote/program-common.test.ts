import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { wrapProgram } from "../../src/remote/program-common.js";
import { procStat } from "./helpers.js";

const NONCE = "0123456789abcdef0123456789abcdef";

test("pst reads the start time of processes whose names hold spaces and parentheses", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-pst-"));
  const names = ["a) b (c", "x  y)) z", "plain", ") ) ) ) ) ) )"];
  const kids = names.map((n) => {
    fs.symlinkSync(
      spawnSync("bash", ["-c", "command -v sleep"], { encoding: "utf8" }).stdout.trim(),
      path.join(dir, n),
    );
    return spawn(path.join(dir, n), ["30"], { stdio: "ignore" });
  });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const pids = kids.map((k) => k.pid as number);
    const body = `for p in ${pids.join(" ")} 999999999; do pst "$p"; printf 'S %s %s %s\\n' "$p" "$?" "$S"; done`;
    const r = spawnSync("bash", ["-s"], { input: wrapProgram(NONCE, body), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const got = new Map(
      r.stdout
        .split("\n")
        .flatMap((l) => (l.startsWith("S ") ? [l.split(" ")] : []))
        .map((w) => [w[1], w]),
    );
    for (const pid of pids) {
      const want = procStat(pid);
      assert.ok(want, `process ${pid} is alive`);
      assert.deepEqual(got.get(String(pid)), ["S", String(pid), "0", want.start]);
    }
    assert.deepEqual(got.get("999999999"), ["S", "999999999", "1", ""], "a missing process: rc 1, S empty");
  } finally {
    for (const k of kids) k.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
