import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DroverError } from "../../src/errors.js";
import type { CommandResult } from "../../src/transport/command-result.js";
import { ensureControlDir } from "../../src/transport/control-path.js";
import { SessionLimiter } from "../../src/transport/session-limiter.js";
import { SshTransport } from "../../src/transport/ssh.js";
import { checkHost, sshArgv, sshSettings } from "../../src/transport/ssh-args.js";
import { classifySshResult, neverConnected } from "../../src/transport/ssh-errors.js";

function result(over: Partial<CommandResult>): CommandResult {
  return {
    argv: ["ssh"],
    host: "h1",
    exitCode: 255,
    signal: null,
    stdout: "",
    stderr: "",
    durationMs: 5,
    timedOut: false,
    ...over,
  };
}

test("settings: defaults, validation of every field, flags that Drover manages are refused", () => {
  const s = sshSettings({});
  assert.deepEqual(
    [
      s.command,
      s.shell,
      s.maxSessions,
      s.serverAliveIntervalS,
      s.serverAliveCountMax,
      s.connect,
      s.controlPersist,
    ],
    [["ssh"], ["bash", "-l", "-s"], 8, 15, 3, "auto", "10m"],
  );
  for (const bad of [
    { maxSessions: 0 },
    { connectTimeoutS: 1.5 },
    { connect: "sometimes" as "auto" },
    { options: ["-M"] },
    { options: ["-o", "a\0b"] },
    { shell: [] },
    { controlPersist: "1; rm" },
  ]) {
    assert.throws(() => sshSettings(bad), DroverError, JSON.stringify(bad));
  }
  assert.equal(checkHost("user@node-1.example.org"), "user@node-1.example.org");
  for (const h of ["-oProxyCommand=x", "a b", "a;b", "", "h\n"])
    assert.throws(() => checkHost(h), DroverError);
});

test("argv: Drover's -o first (ssh keeps the first value), user options, then timeouts, -T HOST", () => {
  const s = sshSettings({ options: ["-F", "/c f"], connectTimeoutS: 7 });
  const argv = sshArgv(s, "/tmp/d/%C", { kind: "client", guard: true }, "h1");
  assert.deepEqual(argv, [
    "ssh",
    "-o",
    "BatchMode=yes",
    "-o",
    "ControlPath=/tmp/d/%C",
    "-o",
    "ControlMaster=no",
    "-o",
    "ProxyCommand=false",
    "-F",
    "/c f",
    "-o",
    "ConnectTimeout=7",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "ServerAliveCountMax=3",
    "-T",
    "h1",
  ]);
  const open = sshArgv(s, "/tmp/d/%C", { kind: "open", interactive: true }, "h1");
  assert.ok(!open.includes("BatchMode=yes"), "an interactive login may prompt");
  assert.ok(open.includes("ControlPersist=10m") && open.join(" ").endsWith("-N -f -T h1"));
  assert.deepEqual(sshArgv(s, "/d/%C", { kind: "control", op: "check" }, "h1").slice(-3), [
    "-O",
    "check",
    "h1",
  ]);
  assert.equal(sshArgv(s, "/d/%C", { kind: "auto" }, null).at(-1), "-T", "rsync adds the host itself");
});

test("session limiter: FIFO hand-over, never more than the cap, lowered by refusals, never below 1", async () => {
  const l = new SessionLimiter(2);
  const order: number[] = [];
  const r1 = await l.acquire();
  const r2 = await l.acquire();
  const waiting = [3, 4].map((n) => l.acquire().then((rel) => (order.push(n), rel)));
  assert.equal(l.active, 2);
  r1();
  r1(); // a second release is ignored
  const r3 = await waiting[0];
  assert.equal(l.active, 2);
  assert.deepEqual(order, [3]);
  assert.equal(l.lower(), 1, "refused with 2 held: the server takes 1");
  r2();
  r3?.();
  const r4 = await waiting[1];
  assert.deepEqual([order, l.active, l.cap], [[3, 4], 1, 1]);
  r4?.();
  assert.equal(l.lower(), 1);
  assert.throws(() => new SessionLimiter(0), RangeError);
});

test("control directory: created 0700; refused when group-writable, foreign, a symlink or too long", () => {
  const base = fs.mkdtempSync("/tmp/drvc-");
  try {
    const d = path.join(base, "m");
    assert.equal(ensureControlDir(d), d);
    assert.equal(fs.statSync(d).mode & 0o777, 0o700);
    assert.equal(ensureControlDir(d), d, "an existing good directory is fine");
    fs.chmodSync(d, 0o770);
    assert.throws(() => ensureControlDir(d), /writable by group or others/);
    fs.chmodSync(d, 0o700);
    fs.chownSync(d, 65534, 65534);
    assert.throws(() => ensureControlDir(d), /owned by uid 65534/);
    fs.symlinkSync(os.tmpdir(), path.join(base, "link"));
    assert.throws(() => ensureControlDir(path.join(base, "link")), /not a directory/);
    assert.throws(() => ensureControlDir(`/tmp/${"x".repeat(60)}`), /too long/);
    const t = new SshTransport({ controlDir: path.join(base, "t"), options: ["-F", "/c"] });
    assert.equal(t.kind, "ssh");
    const rsh = t.sshCommandForRsync("h1");
    assert.match(t.controlPathFor("h1"), new RegExp(`^${base}/t/[0-9a-f]{12}-%C$`));
    assert.notEqual(t.controlPathFor("h1"), t.controlPathFor("h1-rsync"), "aliases never share a master");
    assert.ok(
      rsh.includes(`ControlPath=${t.controlPathFor("h1")}`) && rsh.includes("/c") && !rsh.includes("h1"),
    );
    assert.throws(() => new SshTransport({ controlDir: path.join(base, "link", "x", "..") }), DroverError);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test("classify: the program's own codes are no failure; signals, refusals and started-ness", () => {
  assert.equal(classifySshResult(result({ exitCode: 0 }), true), null);
  assert.equal(
    classifySshResult(result({ exitCode: 1, stderr: "Permission denied (publickey)." }), false),
    null,
  );
  const refused = result({
    stderr: "mux_client_request_session: session request failed: Session open refused by peer\n",
  });
  assert.deepEqual(
    [classifySshResult(refused, false)?.kind, classifySshResult(refused, false)?.transient],
    ["session-refused", true],
  );
  const prohibited = result({ stderr: "channel 3: open failed: administratively prohibited: open failed\n" });
  assert.equal(classifySshResult(prohibited, false)?.kind, "session-refused");
  assert.equal(classifySshResult(result({ exitCode: null, signal: "SIGTERM" }), true)?.kind, "cut");
  assert.equal(classifySshResult(result({ exitCode: null, signal: "SIGTERM" }), false)?.kind, "unreachable");
  const changed = result({
    stderr: "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n",
  });
  assert.deepEqual(
    [classifySshResult(changed, false)?.kind, classifySshResult(changed, false)?.transient],
    ["host-key-changed", false],
  );
  assert.match(classifySshResult(changed, false)?.message ?? "", /^h1: .*known_hosts/);
});

test("neverConnected: ssh's refusals before any session, the banner write on a closed proxy included", () => {
  for (const line of [
    "kex_exchange_identification: Connection closed by remote host",
    "banner exchange: Connection to UNKNOWN port 65535: Broken pipe",
    "ssh: connect to host h port 22: Connection refused",
    "ssh: Could not resolve hostname nowhere: Name or service not known",
  ])
    assert.equal(neverConnected(`${line}\r\n`), true, line);
  for (const line of [
    "",
    "bash: line 1: squeue: command not found",
    "Connection to h closed by remote host.",
  ])
    assert.equal(neverConnected(line), false, line);
});
