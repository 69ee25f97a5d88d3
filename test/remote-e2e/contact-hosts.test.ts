/**
 * One live Drover per run across hosts, through the real CLI. "Another host" is a real Drover in
 * network namespace drv-b with its own hostname `drover-test-b` (an ssh alias reaching sshd in that
 * namespace as the job user); the PID namespace is shared, so /proc there shows the same processes,
 * and the sandbox's run directory plays the shared filesystem. The job set's platform lists that
 * host with the test ssh config, so the check has a transport.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DROVER, sandbox, statusJson, type Sandbox } from "../helpers/cli.js";
import { ensureSshHosts, type SshHosts } from "../helpers/hosts.js";
import { platformLines, until } from "./e2e.js";
import { CONTACT_FILE, readContact, type Contact } from "../../src/manager/contact-file.js";
import { parseProcStat } from "../../src/manager/contact-check.js";

const OTHER = "drover-test-b";
/** An alias of our own config: an address in drv-b's subnet where nothing answers. */
const GONE = "drover-test-gone";
const RUN = "contact";

let hosts: SshHosts;
let sb: Sandbox;
let jobSet = "";
let runDir = "";
const children: ChildProcess[] = [];

before(() => {
  hosts = ensureSshHosts();
  sb = sandbox();
  const cfg = sb.write(
    "ssh_config",
    [`Include ${hosts.sshConfig}`, `Host ${GONE}`, "  HostName 10.78.0.99", "  BatchMode yes", ""].join("\n"),
  );
  const platform = platformLines("hostb", [OTHER, GONE], "~/drv-contact-unused", cfg);
  jobSet = sb.write(
    `${RUN}.yaml`,
    [
      "platforms:",
      ...platform,
      "jobs:",
      "  hold:",
      "    script: sleep 300",
      "  keep:",
      // Ends when the test says so: it must outlive the other Drover and be finished by ours.
      '    script: while [ ! -e "$DROVER_SHARE_DIR/go" ]; do sleep 0.2; done; echo kept',
      "",
    ].join("\n"),
  );
  runDir = path.join(sb.home, RUN);
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  sb.cleanup();
});

/** Starts `drover ARGS` as if on host drover-test-b: its network and hostname, our disk. */
function startOnOtherHost(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(
    "ip",
    [
      ...["netns", "exec", "drv-b", "unshare", "--uts", "sh", "-c"],
      // Positional arguments only: nothing of ours becomes shell text.
      'hostname "$1" && shift && exec "$@"',
      ...["sh", OTHER, process.execPath, DROVER, ...args],
    ],
    { env: sb.env, cwd: sb.dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function writeContact(c: Contact): void {
  fs.writeFileSync(path.join(runDir, CONTACT_FILE), JSON.stringify(c) + "\n");
}

let other: { child: ChildProcess; output: () => string };
let otherContact: Contact;

test("the other host's live Drover: run refused, kill and poll go through it and are answered", async () => {
  other = startOnOtherHost(["run", jobSet]);
  await until(() => readContact(runDir)?.host === OTHER, 30_000, "the other Drover's contact file");
  const c = readContact(runDir);
  assert.ok(c);
  otherContact = c;
  assert.equal(c.pid, other.child.pid, "ip, unshare and sh exec: the Drover is the child itself");
  assert.deepEqual(c.cmdline, [process.execPath, DROVER, "run", jobSet]);
  assert.match(c.bootId ?? "", /^[0-9a-f-]{36}$/);
  await until(() => statusJson(sb, RUN).get("hold")?.state === "running", 30_000, "hold running");

  const run = sb.drover(["run", jobSet], { timeoutMs: 60_000 });
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(
      `the run is live: Drover pid ${c.pid} on ${OTHER} since ${c.startedAt} \\(checked over SSH\\)`,
    ),
  );
  assert.deepEqual(readContact(runDir), c, "the live file is untouched");
  // The run list reads local facts only: the other host's Drover is named, not checked.
  const list = sb.drover(["status"]);
  assert.match(list.stdout, new RegExp(`^${RUN} +${OTHER}\\? `, "m"), list.stdout);

  const poll = sb.drover(["poll", RUN], { timeoutMs: 60_000 });
  assert.equal(poll.code, 0, poll.stderr);
  assert.match(poll.stderr, new RegExp(`Drover pid ${c.pid} on ${OTHER} .*checked over SSH.*asking it`));
  assert.match(poll.stdout, /polling \d+ live jobs/);

  const kill = sb.drover(["kill", RUN, "hold"], { timeoutMs: 60_000 });
  assert.equal(kill.code, 0, kill.stderr + kill.stdout);
  await until(
    () => statusJson(sb, RUN).get("hold")?.reason === "killed",
    30_000,
    "hold killed by the other Drover",
  );

  const tidy = sb.drover(["tidy", RUN], { timeoutMs: 60_000 });
  assert.equal(tidy.code, 1);
  assert.match(tidy.stderr, new RegExp(`is live \\(Drover pid ${c.pid}`));
  assert.equal(other.child.exitCode, null, `the other Drover still runs: ${other.output()}`);
});

test("the other host's Drover killed: run removes the stale file, says why, and finishes the run", async () => {
  assert.ok(otherContact, "the first test ran");
  const exited = new Promise((r) => other.child.once("exit", r));
  other.child.kill("SIGKILL");
  await exited;
  assert.deepEqual(readContact(runDir), otherContact, "a SIGKILLed Drover leaves its file");
  const go = path.join(runDir, "share", "go");
  const ours = sb.spawnDrover(["run", jobSet]);
  children.push(ours);
  let out = "";
  ours.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  ours.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  await until(() => readContact(runDir)?.pid === ours.pid, 60_000, "our Drover taking the run");
  fs.mkdirSync(path.dirname(go), { recursive: true });
  fs.writeFileSync(go, "");
  const code = await new Promise<number | null>((r) => ours.once("close", r));
  assert.match(
    out,
    new RegExp(
      `removed a stale contact file: Drover pid ${otherContact.pid} on ${OTHER} is gone \\(checked over SSH: there is no process ${otherContact.pid}\\)`,
    ),
  );
  assert.equal(code, 1, out);
  const jobs = statusJson(sb, RUN);
  assert.equal(jobs.get("hold")?.reason, "killed");
  assert.equal(jobs.get("keep")?.state, "succeeded");
  assert.equal(jobs.get("keep")?.submit_num, 1, "resumed, not submitted again");
  assert.equal(readContact(runDir), null, "our Drover released the run");
});

test("a contact naming a live pid with another command line (a reused pid) is stale", () => {
  const sleeper = spawn("sleep", ["120"], { stdio: "ignore" });
  children.push(sleeper);
  const pid = sleeper.pid ?? 0;
  const start = parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))?.start ?? "";
  writeContact({ ...otherContact, pid, procStart: start });
  const r = sb.drover(["run", jobSet], { timeoutMs: 60_000 });
  sleeper.kill("SIGKILL");
  assert.match(
    r.stderr,
    new RegExp(
      `removed a stale contact file: Drover pid ${pid} on ${OTHER} is gone \\(checked over SSH: pid ${pid} is another process now: sleep 120\\)`,
    ),
  );
  assert.equal(r.code, 1, "the finished run ends as before");
  assert.equal(readContact(runDir), null);
});

test("a contact naming an unreachable host is refused with the ssh error and the file to remove", (t) => {
  const file = path.join(runDir, CONTACT_FILE);
  const cases: [string, RegExp][] = [
    // Not in any platform: plain ssh, which cannot resolve it.
    ["drover-test-nowhere.invalid", /\(ssh\): ssh exited with 255: .*Could not resolve hostname/],
    // Listed by the job set's platform: its transport (ssh -F, ConnectTimeout 2 s), nothing answers.
    [
      GONE,
      /\(platform "hostb"\): ssh (exited with 255: .*(timed out|No route to host|unreachable)|timed out)/,
    ],
  ];
  for (const [host, why] of cases) {
    writeContact({ ...otherContact, host });
    const before = fs.readFileSync(file, "utf8");
    for (const args of [
      ["run", jobSet],
      ["kill", RUN, "hold"],
      ["poll", RUN],
    ]) {
      const r = sb.drover(args, { timeoutMs: 60_000 });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      t.diagnostic(`${args[0]}: ${r.stderr.trim()}`);
      assert.match(r.stderr, new RegExp(`Drover pid ${otherContact.pid} on ${host.replace(/\./g, "\\.")}`));
      assert.match(r.stderr, why, r.stderr);
      assert.ok(r.stderr.includes(`if ${host} is really gone, remove ${file} by hand`), r.stderr);
      assert.equal(fs.readFileSync(file, "utf8"), before, "the file is kept");
    }
  }
  fs.rmSync(file);
});
