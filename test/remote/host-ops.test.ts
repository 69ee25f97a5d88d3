import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalTransport } from "../../src/transport/local.js";
import { checkHost, prepareInstall, sliceFiles, tidyRun } from "../../src/remote/host-ops.js";
import { BatchRequestError } from "../../src/remote/validate.js";

const t = new LocalTransport();
const op = { host: "localhost", timeoutMs: 20_000 };
const marker = { name: "drover-marker-7f3a" };
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** A temp base whose name has a space and quotes; removed by the caller. */
function tempBase(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "drover-hostops-"));
  const dir = path.join(base, `sp ace 'q" $x`);
  fs.mkdirSync(dir);
  return dir;
}
const rm = (dir: string) => fs.rmSync(path.dirname(dir), { recursive: true, force: true });

/** A local transport whose login shell sees `home` as HOME (its ~/.bash_profile is read). */
function homeTransport(home: string): LocalTransport {
  return new LocalTransport(["env", `HOME=${home}`, "bash", "-l", "-s"]);
}

test("prepareInstall: one mkdir for all dirs, ~ expanded, shared marker seen", async () => {
  const base = tempBase();
  try {
    const ht = homeTransport(base);
    const dirs = ["bin", "lib", "etc", "log/job", "share", "work", "batches"];
    const r = await prepareInstall(ht, { ...op, runDir: "~/runs/r1/", dirs, marker });
    assert.equal(r.error, null, r.result.stderr);
    assert.ok(r.started && r.completed);
    assert.equal(r.runDirAbs, path.join(base, "runs/r1"));
    assert.equal(r.shared, false);
    for (const d of dirs) assert.ok(fs.statSync(path.join(base, "runs/r1", d)).isDirectory(), d);

    fs.writeFileSync(path.join(base, "runs/r1", marker.name), "");
    const again = await prepareInstall(ht, { ...op, runDir: `${base}/runs/r1`, dirs: [], marker });
    assert.equal(again.error, null);
    assert.equal(again.shared, true);
    assert.equal(again.runDirAbs, path.join(base, "runs/r1"));
  } finally {
    rm(base);
  }
});

test("prepareInstall: a directory that cannot be made is a clear error", async () => {
  const base = tempBase();
  try {
    fs.writeFileSync(path.join(base, "file"), "x");
    const r = await prepareInstall(t, { ...op, runDir: path.join(base, "file"), dirs: ["log"], marker });
    assert.ok(r.started);
    assert.match(r.error ?? "", /^mkdir: .*(Not a directory|File exists)/);
    assert.equal(r.shared, false);
  } finally {
    rm(base);
  }
});

test("sliceFiles: exact bytes (0-255, no final newline), cuts, absent files", async () => {
  const run = tempBase();
  try {
    fs.writeFileSync(path.join(run, "all.bin"), ALL_BYTES);
    fs.writeFileSync(path.join(run, "empty"), "");
    const big = Buffer.concat([
      Buffer.from("HEAD\0\n"),
      Buffer.alloc(100_000, 0xff),
      ALL_BYTES,
      Buffer.from("\ntail"),
    ]);
    fs.mkdirSync(path.join(run, "log"));
    fs.writeFileSync(path.join(run, "log/big.out"), big);
    fs.mkdirSync(path.join(run, "adir"));
    const r = await sliceFiles(t, {
      ...op,
      runDir: run,
      files: [
        { path: "all.bin", maxBytes: 256 },
        { path: "log/big.out", maxBytes: 1000 },
        { path: "missing", maxBytes: 10 },
        { path: "empty", maxBytes: 10 },
        { path: "adir", maxBytes: 10 },
        { path: "all.bin", maxBytes: 11 },
      ],
    });
    assert.equal(r.error, null, r.result.stderr);
    const [whole, cut, missing, empty, adir, small] = r.files;
    assert.deepEqual(whole?.headBytes, ALL_BYTES);
    assert.equal(whole?.cut, false);
    assert.equal(whole?.size, 256);
    assert.equal(whole?.tailBytes.length, 0);
    assert.equal(cut?.cut, true);
    assert.equal(cut?.size, big.length);
    assert.deepEqual(cut?.headBytes, big.subarray(0, 500));
    assert.deepEqual(cut?.tailBytes, big.subarray(big.length - 500));
    assert.ok(cut?.head.startsWith("HEAD\0\n"));
    assert.ok(cut?.tail.endsWith("\ntail"));
    assert.deepEqual([missing?.exists, missing?.size, missing?.error], [false, -1, null]);
    assert.deepEqual([empty?.exists, empty?.size, empty?.head, empty?.error], [true, 0, "", null]);
    assert.equal(adir?.exists, false, "a directory is not a file to slice");
    assert.deepEqual(small?.headBytes, ALL_BYTES.subarray(0, 5));
    assert.deepEqual(small?.tailBytes, ALL_BYTES.subarray(256 - 6));
  } finally {
    rm(run);
  }
});

test("sliceFiles: small files share one cat and one base64, large ones a few processes each", async () => {
  const run = tempBase();
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "drover-bin-"));
  try {
    const log = path.join(bin, "calls");
    // Each tool is wrapped so that every process started is counted, then runs the real one.
    for (const tool of ["cat", "base64", "stat", "head", "tail"]) {
      const real = fs.realpathSync(`/usr/bin/${tool}`);
      fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho ${tool} >>'${log}'\nexec ${real} "$@"\n`, {
        mode: 0o755,
      });
    }
    const files = Array.from({ length: 300 }, (_, i) => ({ path: `f${i}`, maxBytes: 64 }));
    for (const [i, f] of files.entries())
      fs.writeFileSync(path.join(run, f.path), `file ${i}\n`.repeat(i % 4));
    fs.writeFileSync(path.join(run, "big1"), "x".repeat(1000));
    fs.writeFileSync(path.join(run, "big2"), "y".repeat(1000));
    files.push({ path: "big1", maxBytes: 64 }, { path: "big2", maxBytes: 64 });
    const counted = new LocalTransport(["env", `PATH=${bin}:/usr/bin:/bin`, "bash", "-s"]);
    const r = await sliceFiles(counted, { ...op, runDir: run, files });
    assert.equal(r.error, null, r.result.stderr);
    for (const [i, f] of r.files.slice(0, 300).entries()) assert.equal(f.head, `file ${i}\n`.repeat(i % 4));
    assert.equal(r.files[300]?.head, "x".repeat(32));
    const calls = fs.readFileSync(log, "utf8").trim().split("\n");
    const count = (tool: string) => calls.filter((c) => c === tool).length;
    assert.deepEqual(
      {
        cat: count("cat"),
        base64: count("base64"),
        stat: count("stat"),
        head: count("head"),
        tail: count("tail"),
      },
      { cat: 1, base64: 3, stat: 2, head: 2, tail: 2 },
    );
  } finally {
    rm(run);
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test("tidyRun: removes a run directory; keeps a shared one, an absent one is fine", async () => {
  const base = tempBase();
  try {
    const run = path.join(base, "run-1.a");
    fs.mkdirSync(path.join(run, "log/job/x"), { recursive: true });
    fs.writeFileSync(path.join(run, "log/job/x/job.out"), "x");
    const shared = path.join(base, "run-2");
    fs.mkdirSync(shared);
    fs.writeFileSync(path.join(shared, marker.name), "");
    fs.writeFileSync(path.join(shared, "store.sqlite"), "precious");

    const r = await tidyRun(t, { ...op, runDir: run, marker });
    assert.equal(r.error, null, r.result.stderr);
    assert.deepEqual([r.removed, r.reason], [true, "removed"]);
    assert.equal(fs.existsSync(run), false);

    const s = await tidyRun(t, { ...op, runDir: shared, marker });
    assert.deepEqual([s.removed, s.reason, s.error], [false, "shared", null]);
    assert.equal(fs.readFileSync(path.join(shared, "store.sqlite"), "utf8"), "precious");

    const a = await tidyRun(t, { ...op, runDir: run, marker });
    assert.deepEqual([a.removed, a.reason], [false, "absent"]);
  } finally {
    rm(base);
  }
});

test("tidyRun: the host refuses home, ancestors of home, symlinks, top-level dirs", async () => {
  const base = tempBase();
  const top = fs.mkdtempSync("/drover-hostops-top-");
  try {
    const home = path.join(base, "parent", "home1");
    fs.mkdirSync(home, { recursive: true });
    const ht = homeTransport(home);
    const cases: Array<[string, string]> = [
      [home, "home"],
      [path.join(base, "parent"), "holds-home"],
      [top, "top-level"],
    ];
    fs.mkdirSync(path.join(home, "target"));
    fs.symlinkSync(path.join(home, "target"), path.join(home, "link"));
    cases.push([path.join(home, "link"), "symlink"]);
    fs.writeFileSync(path.join(home, "plainfile"), "");
    cases.push(["~/plainfile", "not-a-directory"]);
    for (const [runDir, reason] of cases) {
      const r = await tidyRun(ht, { ...op, runDir, marker });
      assert.equal(r.error, null, `${runDir}: ${r.result.stderr}`);
      assert.deepEqual([r.removed, r.reason], [false, reason], runDir);
    }
    assert.ok(fs.existsSync(path.join(home, "target")) && fs.existsSync(top));
  } finally {
    rm(base);
    fs.rmSync(top, { recursive: true, force: true });
  }
});

test("checkHost: tools, versions, clock, run root created and writable, shared marker", async () => {
  const base = tempBase();
  try {
    const root = path.join(base, "root dir");
    const r = await checkHost(t, {
      ...op,
      runRoot: root,
      tools: ["bash", "awk", "ps", "no-such-tool-x"],
      marker,
    });
    assert.equal(r.error, null, r.result.stderr);
    assert.deepEqual(
      r.tools.map((x) => [x.name, x.path !== null]),
      [
        ["bash", true],
        ["awk", true],
        ["ps", true],
        ["no-such-tool-x", false],
      ],
    );
    assert.match(r.tools[0]?.path ?? "", /^\/.*\/bash$/);
    assert.match(r.bashVersion ?? "", /^[0-9]+\.[0-9]+/);
    assert.match(r.rsyncVersion ?? "", /^[0-9]+\.[0-9]+\.[0-9]+/);
    assert.ok(Math.abs((r.hostTime ?? 0) - Date.now()) < 10_000);
    assert.equal(r.skewMs, 0);
    assert.equal(r.runRootWritable, true);
    assert.ok(fs.statSync(root).isDirectory());
    assert.deepEqual(fs.readdirSync(root), [], "the probe file is removed");
    assert.equal(r.shared, false);
    assert.equal(r.loginNoise, "");
    assert.equal(r.loginShellProblem, null);
    assert.ok(r.timings.totalMs >= 0);

    fs.writeFileSync(path.join(root, marker.name), "");
    const s = await checkHost(t, { ...op, runRoot: root, tools: [], marker });
    assert.equal(s.shared, true);
    const n = await checkHost(t, { ...op, runRoot: root, tools: [] });
    assert.equal(n.shared, null);

    fs.writeFileSync(path.join(base, "afile"), "");
    const w = await checkHost(t, { ...op, runRoot: path.join(base, "afile", "sub"), tools: [] });
    assert.equal(w.error, null);
    assert.equal(w.runRootWritable, false);
  } finally {
    rm(base);
  }
});

test("bad requests are refused before anything is sent; hostile text stays literal", async () => {
  const base = tempBase();
  try {
    const bad: Array<() => Promise<unknown>> = [
      () => tidyRun(t, { ...op, runDir: "/", marker }),
      () => tidyRun(t, { ...op, runDir: "~", marker }),
      () => tidyRun(t, { ...op, runDir: "~/a b", marker }),
      () => tidyRun(t, { ...op, runDir: "/tmp/../etc", marker }),
      () => tidyRun(t, { ...op, runDir: "relative/run", marker }),
      () => tidyRun(t, { ...op, runDir: "/tmp/run1", marker: { name: "../x" } }),
      () => prepareInstall(t, { ...op, runDir: "/tmp/r", dirs: ["../up"], marker }),
      () => prepareInstall(t, { ...op, runDir: "/tmp/r", dirs: ["/abs"], marker }),
      () => sliceFiles(t, { ...op, runDir: "/tmp/r", files: [{ path: "a", maxBytes: 1.5 }] }),
      () => sliceFiles(t, { ...op, runDir: "/tmp/r", files: [{ path: "a\nb", maxBytes: 10 }] }),
      () => checkHost(t, { ...op, runRoot: "/tmp/r", tools: ["bash; rm -rf ~"] }),
      () => checkHost(t, { ...op, timeoutMs: 0, runRoot: "/tmp/r", tools: [] }),
    ];
    for (const [i, call] of bad.entries()) await assert.rejects(call(), BatchRequestError, `case ${i}`);

    const evil = "$(touch PWNED) `touch PWNED` ';touch PWNED;'";
    const r = await prepareInstall(t, { ...op, runDir: path.join(base, evil), dirs: [evil], marker });
    assert.equal(r.error, null, r.result.stderr);
    assert.ok(fs.statSync(path.join(base, evil, evil)).isDirectory());
    const s = await sliceFiles(t, {
      ...op,
      runDir: path.join(base, evil),
      files: [{ path: evil, maxBytes: 10 }],
    });
    assert.equal(s.error, null);
    assert.equal(fs.existsSync("PWNED") || fs.existsSync(path.join(base, "PWNED")), false);
  } finally {
    rm(base);
  }
});
