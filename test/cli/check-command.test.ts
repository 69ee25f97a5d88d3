/**
 * `drover check` through the real CLI: localhost, the SSH test hosts, a run root shared with this
 * machine, and a host that fails (a tool missing from the login shell's PATH, a profile that reads
 * stdin, no such host); a banner only warns.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { remoteSandbox, sshOptionsLine, type RemoteSandbox } from "./remote-cli.js";
import { judgeHost, versionBelow, type HostFacts } from "../../src/cli/check-report.js";
import { requiredTools } from "../../src/cli/check-command.js";
import type { CheckHostResult } from "../../src/remote/host-ops-types.js";
import { openOrSkip } from "../helpers/open-or-skip.js";

const opened = openOrSkip("SSH", () => remoteSandbox("drover-check"));
const rs: RemoteSandbox | null = opened.value;
const skip = opened.skip;
const R = () => rs as RemoteSandbox;
let sharedDir = "";
let farm = "";

interface HostJson {
  host: string;
  ok: boolean;
  steps: { step: string; ms: number; ok: boolean; note: string }[];
  tools: { name: string; path: string | null }[] | null;
  rsync: { host: string | null; local: string | null; probe: { ok: boolean } | null };
  skew_ms: number | null;
  run_root_writable: boolean | null;
  shared: boolean | null;
  login: { noise: string; problem: string | null } | null;
  problems: { level: string; text: string }[];
}

function checkJson(platform: string): {
  code: number | null;
  ok: boolean;
  hosts: HostJson[];
  stderr: string;
} {
  const r = R().drover(["check", platform, "--json"]);
  const parsed = JSON.parse(r.stdout || "{}") as { ok: boolean; hosts: HostJson[] };
  return { code: r.code, ok: parsed.ok, hosts: parsed.hosts ?? [], stderr: r.stderr };
}

before(() => {
  if (!rs) return;
  // A run root this machine and the hosts both see: the hosts share this machine's /tmp.
  sharedDir = fs.mkdtempSync("/tmp/drover-check-shared-");
  fs.chmodSync(sharedDir, 0o755);
  rs.chownToJobUser(sharedDir);
  // Every command of /usr/bin but `timeout`: a PATH for one login shell that lacks a tool.
  farm = fs.mkdtempSync("/tmp/drover-check-path-");
  fs.chmodSync(farm, 0o755);
  for (const f of fs.readdirSync("/usr/bin"))
    if (f !== "timeout") fs.symlinkSync(path.join("/usr/bin", f), path.join(farm, f));
  const opts = sshOptionsLine(rs.hosts);
  const tagged = `    shell: [bash, -l, -s, ${rs.tag}]`;
  rs.platforms([
    "platforms:",
    "  pair:",
    "    hosts: [drover-test-a, drover-test-b]",
    `    run_root: ${rs.runRoot("pair")}`,
    opts,
    "  shared:",
    "    hosts: [drover-test-a]",
    `    run_root: ${sharedDir}`,
    opts,
    "  tagged:",
    "    hosts: [drover-test-c]",
    `    run_root: ${rs.runRoot("tagged")}`,
    opts,
    tagged,
    "  nowhere:",
    "    hosts: [drover-test-nowhere.invalid]",
    opts,
    "    connect_timeout: PT3S",
  ]);
});

after(() => {
  rs?.cleanup();
  for (const d of [sharedDir, farm]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

test("check localhost: local processes, every tool, run root is this machine's", { skip }, () => {
  const r = R().drover(["check", "localhost"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^localhost \/ localhost \(local\): passed$/m);
  assert.match(r.stdout, /^ {2}connect: +\d+ ms {2}local processes \(no ssh\)$/m);
  assert.match(r.stdout, /^ {2}program: +\d+ ms {2}check program ran$/m);
  assert.match(r.stdout, /^ {2}tools: {4}bash, awk, ps, timeout, mkdir, base64$/m);
  assert.match(r.stdout, new RegExp(`run root: ${R().sb.home} writable`));
  assert.match(r.stdout, /shared: {3}yes \(this machine\)/);
  assert.match(r.stdout, /^check localhost: 1 of 1 host passed$/m);
});

test("check over ssh: two hosts pass, each step timed, run root made on the host", { skip }, () => {
  const r = checkJson("pair");
  assert.equal(r.code, 0, JSON.stringify(r.hosts, null, 1) + r.stderr);
  assert.equal(r.ok, true);
  assert.deepEqual(
    r.hosts.map((h) => h.host),
    ["drover-test-a", "drover-test-b"],
  );
  for (const h of r.hosts) {
    assert.deepEqual(h.problems, [], h.host);
    assert.deepEqual(
      h.steps.map((s) => [s.step, s.ok]),
      [
        ["connect", true],
        ["program", true],
        ["rsync", true],
      ],
    );
    assert.ok(h.steps.every((s) => Number.isInteger(s.ms) && s.ms >= 0));
    assert.ok(
      h.tools?.every((t) => t.path?.startsWith("/")),
      JSON.stringify(h.tools),
    );
    assert.match(h.rsync.host ?? "", /^3\.\d+/);
    assert.equal(h.rsync.probe?.ok, true);
    assert.ok(Math.abs(h.skew_ms ?? 99_999) <= 5000);
    assert.equal(h.run_root_writable, true);
    // ~ here is root's home, there the job user's: not the same directory.
    assert.equal(h.shared, false);
    assert.equal(h.login?.problem, null);
  }
  assert.ok(fs.statSync(R().onHost(`~/${R().tag}-pair`)).isDirectory());
  // The masters stay up: a second check reuses them.
  const again = R().drover(["check", "pair"]);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /connect: +\d+ ms {2}master already up/);
});

test("check sees a run root shared with this machine by its marker, and removes the marker", { skip }, () => {
  const r = checkJson("shared");
  assert.equal(r.code, 0, JSON.stringify(r.hosts));
  assert.equal(r.hosts[0]?.shared, true);
  assert.deepEqual(
    fs.readdirSync(sharedDir).filter((f) => f.startsWith("drover-check-")),
    [],
    "no marker is left",
  );
  const text = R().drover(["check", "shared"]);
  assert.match(text.stdout, /shared: {3}yes: the host's run root is this machine's/);
});

test("check fails a host whose login shell lacks a tool", { skip }, () => {
  const undo = R().profileBlock([`PATH=${farm}`]);
  try {
    const r = R().drover(["check", "tagged"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^tagged \/ drover-test-c \(ssh\): FAILED$/m);
    assert.match(r.stdout, /tools: {4}bash, awk, ps, timeout MISSING, mkdir, rsync, base64/);
    assert.match(r.stdout, /FAIL: missing on the host's PATH \(login shell\): timeout$/m);
    assert.match(r.stdout, /^check tagged: 0 of 1 host passed$/m);
  } finally {
    undo();
  }
});

test("a banner warns (exit 0); a profile that reads stdin fails", { skip }, () => {
  let undo = R().profileBlock(["echo 'Welcome to the cluster'"]);
  try {
    const r = R().drover(["check", "tagged"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /drover-test-c \(ssh\): passed with warnings/);
    assert.match(r.stdout, /login: {4}prints to stdout/);
    assert.match(
      r.stdout,
      /warn: the login shell prints to stdout before the program \(Welcome to the cluster\)/,
    );
  } finally {
    undo();
  }
  undo = R().profileBlock(["read -r line"]);
  try {
    const r = checkJson("tagged");
    assert.equal(r.code, 1);
    const h = r.hosts[0] as HostJson;
    assert.equal(h.ok, false);
    assert.match(h.login?.problem ?? "", /read the first line of the program from stdin/);
    assert.ok(h.problems.some((p) => p.level === "fail" && /from stdin/.test(p.text)));
  } finally {
    undo();
  }
  // With the profile restored the same host passes again.
  assert.equal(R().drover(["check", "tagged"]).code, 0);
});

test("a host that cannot be reached fails at connect; the later steps are skipped", { skip }, () => {
  const r = R().drover(["check", "nowhere"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /connect: +\d+ ms {2}could not connect/);
  assert.match(r.stdout, /program: +0 ms {2}skipped: no connection/);
  assert.match(r.stdout, /FAIL: drover-test-nowhere\.invalid: cannot connect/);
});

test("check PLATFORM JOBSET: the job set's own platforms count", { skip }, () => {
  const file = R().sb.write(
    "own.yaml",
    [
      "platforms:",
      "  mine:",
      "    hosts: [drover-test-a]",
      `    run_root: ${R().runRoot("mine")}`,
      sshOptionsLine(R().hosts),
      "jobs:",
      "  a:",
      "    platform: mine",
      "    script: true",
    ].join("\n") + "\n",
  );
  const r = R().drover(["check", "mine", file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^mine \/ drover-test-a \(ssh\): passed$/m);
  assert.equal(R().drover(["check", "mine"]).code, 2, "unknown without the job set");
});

test("bad input: unknown platform and extra arguments are usage errors", { skip }, () => {
  const r = R().drover(["check", "mars"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /check: unknown platform "mars" \(known: localhost, pair/);
  assert.equal(R().drover(["check"]).code, 2);
  assert.equal(R().drover(["check", "pair", "a.yaml", "b"]).code, 2);
  assert.equal(R().drover(["check", "pair", "--fast"]).code, 2);
});

test("judging: a clock off by more than 5 s warns; old rsync fails; tools per runner", () => {
  const r = R0();
  const facts = (skewMs: number, rsync: string): HostFacts => ({
    platform: "p",
    host: "h",
    transport: "ssh",
    runRoot: "~/r",
    tools: ["bash", "rsync"],
    runnerKnown: true,
    runner: "background",
    steps: [],
    connectError: null,
    check: { ...r, skewMs, rsyncVersion: rsync },
    localRsync: "3.2.7",
    rsyncProbe: { ok: true, message: "ok" },
    sharedBy: "marker",
  });
  assert.deepEqual(judgeHost(facts(4999, "3.2.7")), []);
  assert.deepEqual(judgeHost(facts(-7200, "3.2.7")), [
    {
      level: "warn",
      text: "the host's clock is -7.2 s off this machine's (more than 5 s): job times will disagree",
    },
  ]);
  assert.deepEqual(
    judgeHost(facts(0, "2.6.9")).map((p) => p.level + " " + p.text),
    ["fail rsync 2.6.9 on the host is older than 3.0.0"],
  );
  assert.equal(versionBelow("3.1.3", "3.2.0"), true);
  assert.equal(versionBelow("3.2.7", "3.2"), false);
  assert.equal(versionBelow("3.10.0", "3.9.9"), false);
  assert.deepEqual(requiredTools({ runner: "background", runRoot: "~/r" }), {
    tools: ["bash", "awk", "ps", "timeout", "mkdir", "rsync", "base64"],
    known: true,
  });
  assert.equal(requiredTools({ runner: "background", runRoot: "" }).tools.includes("rsync"), false);
  const slurm = requiredTools({ runner: "slurm", runRoot: "~/r" });
  assert.equal(slurm.known, true);
  for (const t of ["sbatch", "squeue", "scancel", "sacct"]) assert.ok(slurm.tools.includes(t), t);
  assert.equal(requiredTools({ runner: "no-such-site-runner", runRoot: "~/r" }).known, false);
});

/** A passing host check result, as the check program would give it. */
function R0(): CheckHostResult {
  return {
    started: true,
    completed: true,
    result: {
      argv: [],
      host: "h",
      exitCode: 0,
      signal: null,
      stdout: "",
      stderr: "",
      durationMs: 5,
      timedOut: false,
    },
    bootId: null,
    error: null,
    missingTools: [],
    timings: { totalMs: 5 },
    tools: [
      { name: "bash", path: "/usr/bin/bash" },
      { name: "rsync", path: "/usr/bin/rsync" },
    ],
    bashVersion: "5.2",
    rsyncVersion: "3.2.7",
    hostTime: 0,
    skewMs: 0,
    runRootWritable: true,
    shared: false,
    loginNoise: "",
    loginShellProblem: null,
  };
}
