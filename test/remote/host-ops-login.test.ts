import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalTransport } from "../../src/transport/local.js";
import type { CommandResult } from "../../src/transport/command-result.js";
import { checkHost, prepareInstall, tidyRun } from "../../src/remote/host-ops.js";
import {
  detectLoginShellProblems,
  explainNotStarted,
  loginShellFacts,
  withCanary,
} from "../../src/remote/login-shell.js";
import { buildPollInput } from "../../src/remote/poll-program.js";
import { newNonce } from "../../src/remote/nonce.js";
import { parseReply } from "../../src/remote/reply-parser.js";

const op = { host: "localhost", timeoutMs: 20_000 };
const marker = { name: "drover-marker-7f3a" };

/** A home directory with `profile` as its ~/.bash_profile, and a login shell that reads it. */
function withProfile(profile: string): { home: string; t: LocalTransport; shell: string[]; done(): void } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "drover-login-"));
  fs.writeFileSync(path.join(home, ".bash_profile"), `${profile}\n`);
  const shell = ["env", `HOME=${home}`, "bash", "-l", "-s"];
  return {
    home,
    t: new LocalTransport(shell),
    shell,
    done: () => fs.rmSync(home, { recursive: true, force: true }),
  };
}

test("a profile that prints a banner is noise, not a failure", async () => {
  const p = withProfile("echo WELCOME; echo 'to the host'");
  try {
    const r = await checkHost(p.t, { ...op, runRoot: "~/root", tools: ["bash"] });
    assert.equal(r.error, null, r.result.stderr);
    assert.equal(r.loginNoise, "WELCOME\nto the host\n");
    assert.equal(r.loginShellProblem, null);
    assert.equal(explainNotStarted(r.result, p.shell), "", "it started");
    const i = await prepareInstall(p.t, { ...op, runDir: "~/runs/r1", dirs: ["log"], marker });
    assert.equal(i.error, null);
    assert.equal(i.runDirAbs, path.join(p.home, "runs/r1"));
  } finally {
    p.done();
  }
});

test("a profile that reads one line eats the canary only: the program runs, the problem is named", async () => {
  const p = withProfile("read -r line");
  try {
    const r = await checkHost(p.t, { ...op, runRoot: "~/root", tools: ["bash"] });
    assert.ok(r.started && r.completed);
    assert.equal(r.error, null);
    assert.match(
      r.loginShellProblem ?? "",
      /login shell \(env HOME=.* bash -l -s\) read the first line of the program from stdin/,
    );
  } finally {
    p.done();
  }
});

test("a profile that reads more: nothing runs outside main, the reason names the login shell", async () => {
  for (const profile of ["read -r a; read -r b", "read -r a; read -r b; read -r c; read -r d; read -r e"]) {
    const p = withProfile(profile);
    try {
      fs.mkdirSync(path.join(p.home, "run1"));
      const r = await tidyRun(p.t, { ...op, runDir: "~/run1", marker });
      assert.equal(r.started, false, profile);
      assert.equal(r.removed, false);
      assert.equal(r.reason, "not-run");
      assert.ok(fs.existsSync(path.join(p.home, "run1")), "nothing was removed");
      assert.match(
        r.error ?? "",
        /^tidy did not start: the login shell \(env HOME=\S+ bash -l -s\) read the program from stdin: check ~\/\.bash_profile/,
      );
      assert.equal(detectLoginShellProblems(r.result, p.shell), explainNotStarted(r.result, p.shell));
    } finally {
      p.done();
    }
  }
});

test("a profile that reads all of stdin: the shell exits 0 having run nothing", async () => {
  const p = withProfile("cat >/dev/null");
  try {
    const r = await checkHost(p.t, { ...op, runRoot: "~/root", tools: ["bash"] });
    assert.equal(r.started, false);
    assert.equal(r.result.exitCode, 0);
    assert.match(
      r.error ?? "",
      /exited 0 without running the program: its profile read the program from stdin/,
    );
    assert.equal(r.loginShellProblem, explainNotStarted(r.result, p.shell));
    assert.equal(fs.existsSync(path.join(p.home, "root")), false);
  } finally {
    p.done();
  }
});

test("a normal batch program (poll, no canary) is explained the same way", async () => {
  const p = withProfile("read -r line");
  try {
    const nonce = newNonce();
    const input = buildPollInput({ pids: [], journals: [], lookups: [], status: [] }, nonce);
    const r = await p.t.runProgram("localhost", input, op);
    assert.equal(parseReply(r.stdout, nonce).start, null);
    assert.match(explainNotStarted(r, p.shell), /read the program from stdin/);
    // With the canary in front the same profile eats only the canary: the poll runs whole.
    const c = await p.t.runProgram("localhost", withCanary(input), op);
    assert.equal(parseReply(c.stdout, nonce).doneRc, 0, c.stderr);
    assert.match(detectLoginShellProblems(c, p.shell) ?? "", /read the first line/);
    const clean = await new LocalTransport().runProgram("localhost", withCanary(input), op);
    assert.equal(detectLoginShellProblems(clean), null);
  } finally {
    p.done();
  }
});

/** A result as a transport would give it. */
function result(over: Partial<CommandResult>): CommandResult {
  return {
    argv: ["ssh", "h"],
    host: "h",
    exitCode: 0,
    signal: null,
    stdout: "",
    stderr: "",
    durationMs: 5,
    timedOut: false,
    ...over,
  };
}
const SH = ["bash", "-l", "-s"];

test("explainNotStarted: other causes get their own one-line reasons", () => {
  const ssh = explainNotStarted(
    result({ exitCode: 255, stderr: "ssh: connect to host h port 22: Connection refused\n" }),
    SH,
  );
  assert.equal(ssh, "ssh could not reach h (exit 255): ssh: connect to host h port 22: Connection refused");
  assert.match(
    explainNotStarted(result({ exitCode: null, timedOut: true, durationMs: 3000 }), SH),
    /within 3000 ms \(timed out\)/,
  );
  assert.match(
    explainNotStarted(result({ exitCode: 127, stderr: "sh: bash: not found\n" }), SH),
    /the shell bash could not be run on h/,
  );
  assert.match(
    explainNotStarted(result({ exitCode: null, signal: "SIGKILL", stdout: "@@drover:canary\n" }), SH),
    /ended by SIGKILL/,
  );
  assert.match(
    explainNotStarted(result({ exitCode: 1, stdout: "@@drover:canary\n" }), SH),
    /began the program on h but it stopped before its start marker \(exit 1\)/,
  );
  assert.match(
    explainNotStarted(result({ exitCode: 3, stdout: "banner\n" }), SH),
    /ended \(exit 3\) before it read the program: does its profile exit\?/,
  );
  const tools = `@@drover:canary\n@@drover:${"a".repeat(32)} error tools\n|missing on the job host's PATH: rsync\n@@drover:${"a".repeat(32)} end 1\n`;
  assert.match(
    explainNotStarted(result({ exitCode: 127, stdout: tools }), SH),
    /before its start marker: tools: missing on the job host's PATH: rsync/,
  );
  assert.equal(detectLoginShellProblems(result({ exitCode: 255, stderr: "refused" }), SH), null);
  assert.equal(explainNotStarted(result({ stdout: `banner\n@@drover:${"b".repeat(32)} start -\n` }), SH), "");
});

test("loginShellFacts: noise is what comes before our first line", () => {
  const n = "c".repeat(32);
  const f = loginShellFacts(`Welcome!\n@@ not ours\n@@drover:canary\n@@drover:${n} start -\n|pid=1\n`);
  assert.deepEqual(f, { canary: true, started: true, orphanStart: false, noise: "Welcome!\n@@ not ours\n" });
  assert.deepEqual(loginShellFacts("only a banner"), {
    canary: false,
    started: false,
    orphanStart: false,
    noise: "only a banner",
  });
});
