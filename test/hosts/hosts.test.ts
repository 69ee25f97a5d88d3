/** The real SSH test hosts: logins, the hidden job home, stock MaxSessions and every host-ctl action. */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { ensureSshHosts, hostCtl, runHidingJobHome, type SshHosts } from "../helpers/hosts.js";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end without blocking the event loop (several run at once). On timeout it
 * is killed and reported with code null at once: a mux client hands its stdout and stderr to the
 * ControlMaster, which may hold them open long after the client died.
 */
function run(argv: string[], timeoutMs = 20_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      child.once("exit", () => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code: null, stdout, stderr });
      });
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const H: SshHosts = ensureSshHosts();
const tag = `${process.pid}-${randomBytes(3).toString("hex")}`;
const ctlPath = `/tmp/drv-test-${tag}-%C`;
const probes: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), "drover-hosts-"));

const ssh = (alias: string, cmd: string, opts: string[] = []) =>
  run(["ssh", "-F", H.sshConfig, ...opts, alias, cmd]);
/** Opens a ControlMaster; its stdio go nowhere, since the backgrounded master would hold a pipe open. */
const master = async (alias: string) => {
  const opts = ["-o", "ControlMaster=yes", "-o", `ControlPath=${ctlPath}`, "-o", "ControlPersist=60"];
  const r = spawnSync("ssh", ["-F", H.sshConfig, ...opts, "-N", "-f", alias], {
    stdio: "ignore",
    timeout: 20_000,
  });
  return { code: r.status };
};
const viaMaster = (alias: string, cmd: string, timeoutMs?: number) =>
  run(["ssh", "-F", H.sshConfig, "-o", `ControlPath=${ctlPath}`, alias, cmd], timeoutMs);
const closeMaster = (alias: string) =>
  run(["ssh", "-F", H.sshConfig, "-o", `ControlPath=${ctlPath}`, "-O", "exit", alias]);

/** Writes a file as root into the job home, owned by the job user; returns its name. */
function probe(text: string): string {
  const name = `probe-${tag}-${probes.length}`;
  const path = join(H.jobHome, name);
  writeFileSync(path, text);
  const id = (flag: string) => Number(spawnSync("id", [flag, H.jobUser], { encoding: "utf8" }).stdout);
  chownSync(path, id("-u"), id("-g"));
  probes.push(path);
  return name;
}

after(async () => {
  for (const alias of Object.values(H.hosts)) await closeMaster(alias);
  for (const p of probes) rmSync(p, { force: true });
  rmSync(scratch, { recursive: true, force: true });
  // Leave every host as the next test file expects it: up, not cut, original key.
  spawnSync("bash", [join(H.hostsDir, "..", "test", "hosts", "start-ssh-hosts.sh")]);
});

test("each host logs in as the unprivileged job user with its 0700 home", async () => {
  const rs = await Promise.all(Object.values(H.hosts).map((a) => ssh(a, "id -un; echo $HOME; stat -c %a ~")));
  for (const r of rs) {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n"), [H.jobUser, H.jobHome, "700", ""]);
  }
  assert.equal(statSync(H.jobHome).mode & 0o777, 0o700);
  assert.notEqual(statSync(H.jobHome).uid, 0);
});

test("inside the hiding namespace the job home is empty, yet ssh sees the real files", async () => {
  const name = probe("seen through ssh\n");
  const ls = runHidingJobHome(["ls", "-A", H.jobHome]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.equal(ls.stdout, "");
  const cat = runHidingJobHome(["ssh", "-F", H.sshConfig, H.hosts.b, `cat ${name}`]);
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(cat.stdout, "seen through ssh\n");
  // the mount stayed inside the namespace
  assert.ok(existsSync(join(H.jobHome, name)));
});

test("MaxSessions is stock: the 11th session on one connection is refused", async () => {
  assert.equal((await master(H.hosts.a)).code, 0);
  const burst = (opts: string[]) =>
    Promise.all(
      Array.from({ length: 12 }, () =>
        run(["ssh", "-F", H.sshConfig, "-o", `ControlPath=${ctlPath}`, ...opts, H.hosts.a, "sleep 2"]),
      ),
    );
  const refusal = /Session open refused by peer/;
  // A refused mux client falls back to a fresh connection of its own (exit 0): make that fail.
  const rs = await burst(["-o", "ProxyCommand=false"]);
  assert.equal(rs.filter((r) => r.code === 0).length, 10, JSON.stringify(rs));
  const refused = rs.filter((r) => r.code !== 0);
  assert.equal(refused.length, 2);
  for (const r of refused) {
    assert.equal(r.code, 255);
    assert.match(r.stderr, refusal);
  }
  // Without that, OpenSSH 9.2 still prints the refusal and then quietly opens its own connection.
  const fallback = await burst([]);
  assert.deepEqual(
    fallback.map((r) => r.code),
    Array(12).fill(0),
  );
  assert.equal(fallback.filter((r) => refusal.test(r.stderr)).length, 2);
  assert.equal((await closeMaster(H.hosts.a)).code, 0);
});

test("stop ends the listener and live connections; start brings the host back", async () => {
  assert.equal((await master(H.hosts.b)).code, 0);
  hostCtl("stop", "b");
  const viaOld = await viaMaster(H.hosts.b, "true");
  assert.equal(viaOld.code, 255, "the ControlMaster connection died with the host");
  const fresh = await ssh(H.hosts.b, "true");
  assert.equal(fresh.code, 255);
  assert.match(fresh.stderr, /Connection refused/);
  hostCtl("stop", "b"); // idempotent
  hostCtl("start", "b");
  hostCtl("start", "b");
  assert.equal((await ssh(H.hosts.b, "true")).code, 0);
});

for (const name of ["a", "b"] as const) {
  test(`cut makes host ${name} silent (connections hang); restore mends it`, async () => {
    const alias = H.hosts[name];
    assert.equal((await master(alias)).code, 0);
    hostCtl("cut", name);
    hostCtl("cut", name);
    const [fresh, old] = await Promise.all([
      ssh(alias, "true", ["-o", "ConnectTimeout=1"]),
      viaMaster(alias, "echo late", 1500),
    ]);
    assert.equal(fresh.code, 255);
    assert.match(fresh.stderr, /timed out/);
    assert.equal(old.code, null, "a session over the live connection hangs until killed");
    hostCtl("restore", name);
    assert.equal((await ssh(alias, "true")).code, 0);
    assert.equal((await viaMaster(alias, "echo back")).stdout, "back\n");
    await closeMaster(alias);
  });
}

test("rekey makes the host key change (verification fails); unrekey restores it", async () => {
  hostCtl("rekey", "c");
  const r = await ssh(H.hosts.c, "true");
  assert.equal(r.code, 255);
  assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  assert.match(r.stderr, /Host key verification failed/);
  hostCtl("unrekey", "c");
  hostCtl("unrekey", "c");
  assert.equal((await ssh(H.hosts.c, "true")).code, 0);
});

test("crash kills the job user's processes on that host only", async () => {
  const start = (a: string) => ssh(a, "set -m; sleep 300 </dev/null >/dev/null 2>&1 & echo $!");
  const [onA, onC] = await Promise.all([start(H.hosts.a), start(H.hosts.c)]);
  const pidA = Number(onA.stdout);
  const pidC = Number(onC.stdout);
  const live = (pid: number) =>
    existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  assert.ok(live(pidA) && live(pidC));
  hostCtl("crash", "c");
  assert.equal(live(pidC), false);
  assert.equal(live(pidA), true);
  process.kill(pidA, "SIGKILL");
  hostCtl("start", "c");
});

test("the rsync-only key copies into the job home but runs no shell", async () => {
  const src = join(scratch, "payload.txt");
  writeFileSync(src, "over rrsync\n");
  const name = `rsync-${tag}.txt`;
  probes.push(join(H.jobHome, name));
  const rs = await run(["rsync", "-e", `ssh -F ${H.sshConfig}`, src, `${H.rsyncHosts.a}:${name}`]);
  assert.equal(rs.code, 0, rs.stderr);
  assert.equal(readFileSync(join(H.jobHome, name), "utf8"), "over rrsync\n");
  assert.notEqual(statSync(join(H.jobHome, name)).uid, 0);
  const sh = await ssh(H.rsyncHosts.a, "ls");
  assert.notEqual(sh.code, 0);
  assert.equal(sh.stdout, "");
});

test("start-ssh-hosts.sh is idempotent and fast when up; stop-ssh-hosts.sh removes the namespaces", () => {
  const script = (n: string) => join(H.hostsDir, "..", "test", "hosts", n);
  const t0 = Date.now();
  const again = spawnSync("bash", [script("start-ssh-hosts.sh")], { encoding: "utf8" });
  const ms = Date.now() - t0;
  assert.equal(again.status, 0, again.stderr);
  for (const a of Object.values(H.hosts)) assert.match(again.stdout, new RegExp(`^ready: ${a} `, "m"));
  assert.ok(ms < 2000, `re-run took ${ms} ms`);
  const stop = spawnSync("bash", [script("stop-ssh-hosts.sh")], { encoding: "utf8" });
  assert.equal(stop.status, 0, stop.stderr);
  assert.equal(existsSync("/run/netns/drv-b") || existsSync("/sys/class/net/drv-br0"), false);
  const start = spawnSync("bash", [script("start-ssh-hosts.sh")], { encoding: "utf8" });
  assert.equal(start.status, 0, start.stderr);
  assert.equal(existsSync("/run/netns/drv-c"), true);
  const login = spawnSync("ssh", ["-F", H.sshConfig, H.hosts.c, "id -un"], { encoding: "utf8" });
  assert.equal(login.stdout, `${H.jobUser}\n`, login.stderr);
});
