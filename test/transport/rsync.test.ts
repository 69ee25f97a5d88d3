import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { rsyncPull, rsyncPush } from "../../src/transport/rsync.js";
import { parseRsyncOutput, rsyncRshString, unescapeName } from "../../src/transport/rsync-args.js";
import { classifySshResult } from "../../src/transport/ssh-errors.js";
import type { SshTransport } from "../../src/transport/ssh.js";
import { sshBed, type SshBed } from "./ssh-fixture.js";

const MB = 1024 * 1024;
let bed: SshBed;
let t: SshTransport;
let src: string;
let remoteDir: string;

/** Relative path and size of every file under `dir`, sorted. */
function localTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)} ${fs.statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

before(() => {
  bed = sshBed();
  t = bed.transport();
  src = path.join(bed.tmp, "src tree");
  fs.mkdirSync(path.join(src, "dir with space", "sub dir"), { recursive: true });
  fs.writeFileSync(path.join(src, "dir with space", "a b.txt"), "alpha\n");
  fs.writeFileSync(path.join(src, "dir with space", "sub dir", "it's.txt"), "quote\n");
  fs.writeFileSync(path.join(src, "-dash.txt"), "dash\n");
  fs.writeFileSync(path.join(src, "big file.bin"), randomBytes(5 * MB));
  remoteDir = `drvt-rsync-${randomBytes(4).toString("hex")}`;
});
after(async () => {
  await t.runProgram(bed.hosts.hosts.a, `rm -rf ~/${remoteDir}\n`, { timeoutMs: 20_000 });
  await bed.cleanup();
});

test("push a tree with spaces, quotes and a 5 MB file over the master; pull it back under a 1 MB max size", async () => {
  const a = bed.hosts.hosts.a;
  // rsync makes no missing parents: the caller creates them (here with a batch program).
  const mk = await t.runProgram(a, `mkdir -p ~/${remoteDir}\n`, { timeoutMs: 20_000 });
  assert.equal(mk.exitCode, 0, mk.stderr);
  const push = await rsyncPush({
    ssh: t,
    host: a,
    sources: [`${src}/`],
    dest: `~/${remoteDir}/tree`,
    timeoutMs: 60_000,
  });
  assert.equal(push.exitCode, 0, push.stderr);
  assert.ok(push.argv.includes("-e"));
  assert.deepEqual([...push.transferred].sort(), [
    "-dash.txt",
    "big file.bin",
    "dir with space/a b.txt",
    "dir with space/sub dir/it's.txt",
  ]);
  const listing = await t.runProgram(
    a,
    `cd ~/${remoteDir}/tree && find . -type f -printf '%P %s\\n' | sort\n`,
    {
      timeoutMs: 20_000,
    },
  );
  assert.deepEqual(listing.stdout.trim().split("\n"), localTree(src));

  const back = path.join(bed.tmp, "back");
  fs.mkdirSync(back);
  const pull = await rsyncPull({
    ssh: t,
    host: a,
    sources: [`~/${remoteDir}/tree/`],
    dest: back,
    maxSizeBytes: MB,
    timeoutMs: 60_000,
  });
  assert.equal(pull.exitCode, 0, pull.stderr);
  assert.deepEqual(pull.skippedForSize, ["big file.bin"]);
  assert.deepEqual(
    localTree(back),
    localTree(src).filter((l) => !l.startsWith("big file.bin")),
  );
  assert.equal(fs.readFileSync(path.join(back, "dir with space", "sub dir", "it's.txt"), "utf8"), "quote\n");
});

test("a destination whose parent is missing fails (no --mkpath); bad input is refused before running", async () => {
  const a = bed.hosts.hosts.a;
  const r = await rsyncPush({
    ssh: t,
    host: a,
    sources: [path.join(src, "-dash.txt")],
    dest: `~/${remoteDir}/missing/deeper/x`,
    timeoutMs: 30_000,
  });
  assert.notEqual(r.exitCode, 0);
  assert.equal(classifySshResult(r, false), null, "an rsync error is not an ssh failure");
  await assert.rejects(
    rsyncPush({ ssh: t, host: "-oProxyCommand=x", sources: [src], dest: "x", timeoutMs: 1000 }),
    /not a valid host/,
  );
  await assert.rejects(
    rsyncPush({ ssh: t, host: a, sources: [], dest: "x", timeoutMs: 1000 }),
    /non-empty list/,
  );
  await assert.rejects(
    rsyncPush({ ssh: t, host: a, sources: [src], dest: "~root/x", timeoutMs: 1000 }),
    /only ~\//,
  );
  await assert.rejects(
    rsyncPush({ ssh: t, host: a, sources: [src], dest: "x", options: ["-e", "sh"], timeoutMs: 1000 }),
    /not allowed/,
  );
  await assert.rejects(
    rsyncPull({ ssh: t, host: a, sources: ["x"], dest: src, maxSizeBytes: 0, timeoutMs: 1000 }),
    /maxSizeBytes/,
  );
});

test("manual mode without a master: rsync is not run and the result reads needs-connect", async () => {
  const m = bed.transport({ connect: "manual" });
  const r = await rsyncPull({
    ssh: m,
    host: bed.hosts.hosts.a,
    sources: ["~/x"],
    dest: bed.tmp,
    timeoutMs: 10_000,
  });
  assert.equal(classifySshResult(r, false)?.kind, "needs-connect");
  assert.equal(r.argv[0], "ssh");
});

test("ssh: null copies between local paths with the same reports", async () => {
  const dest = path.join(bed.tmp, "local copy");
  const push = await rsyncPush({
    ssh: null,
    host: "localhost",
    sources: [`${src}/`],
    dest,
    timeoutMs: 30_000,
  });
  assert.equal(push.exitCode, 0, push.stderr);
  assert.deepEqual(localTree(dest), localTree(src));
  const small = path.join(bed.tmp, "small only");
  fs.mkdirSync(small);
  const pull = await rsyncPull({
    ssh: null,
    host: "localhost",
    sources: [`${dest}/`],
    dest: small,
    maxSizeBytes: MB,
    timeoutMs: 30_000,
  });
  assert.equal(pull.exitCode, 0, pull.stderr);
  assert.deepEqual(pull.skippedForSize, ["big file.bin"]);
  assert.equal(pull.transferred.length, 3);
});

test("the -e string splits back into the exact argv in rsync itself", () => {
  const dir = path.join(bed.tmp, "fake 'rsh' dir");
  fs.mkdirSync(dir);
  const fake = path.join(dir, "fake ssh");
  const out = path.join(bed.tmp, "argv.txt");
  fs.writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "$ARGV_OUT"\nexit 1\n`, {
    mode: 0o755,
  });
  const words = [fake, "-F", '/x/with space/it\'s "cfg"', "-o", "ControlPath=/tmp/d/%C", "", "a''b"];
  spawnSync("rsync", ["-e", rsyncRshString(words), "--", "h:x", bed.tmp], {
    env: { ...process.env, ARGV_OUT: out },
    stdio: "ignore",
  });
  const got = fs.readFileSync(out, "utf8").split("\n");
  assert.deepEqual(got.slice(0, words.length - 1), words.slice(1));
});

test("rsync output parsing: itemized files, skip notices old and new, escaped names", () => {
  const r = parseRsyncOutput(
    [
      "cd+++++++++ dir with space/",
      ">f+++++++++ dir with space/a b.txt",
      "<f.st...... sent.txt",
      "cL+++++++++ link -> target",
      "big file.bin is over max-size",
      "huge.log is over max-size (5242880 > 1048576)",
      ">f+++++++++ tab\\#011name",
      "",
    ].join("\n"),
  );
  assert.deepEqual(r.transferred, ["dir with space/a b.txt", "sent.txt", "tab\tname"]);
  assert.deepEqual(r.skippedForSize, ["big file.bin", "huge.log"]);
  assert.equal(unescapeName("\\#303\\#251t\\#303\\#251"), "été");
  assert.equal(unescapeName("plain \\ name"), "plain \\ name");
});
