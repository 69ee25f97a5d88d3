import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  CONTACT_FILE,
  acquireContact,
  checkContact,
  isContactLive,
  liveContact,
  procStartTime,
  readContact,
  releaseContact,
  type Contact,
} from "../../src/manager/contact-file.js";
import { UsageError } from "../../src/errors.js";

/** A fresh run directory, removed when the test ends. */
function runDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-contact-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync("true");
  assert.equal(r.status, 0);
  assert.equal(procStartTime(r.pid), null, "the pid is gone");
  return r.pid;
}

function writeContact(dir: string, c: Partial<Contact>): void {
  const full: Contact = {
    host: os.hostname(),
    pid: 1,
    procStart: "1",
    startedAt: "2026-11-26T11:00:00.000Z",
    command: "drover run old.yaml",
    ...c,
  };
  fs.writeFileSync(path.join(dir, CONTACT_FILE), JSON.stringify(full) + "\n");
}

test("procStartTime: this process has a numeric start time, a dead pid has none", () => {
  assert.match(procStartTime(process.pid) ?? "", /^\d+$/);
  assert.equal(procStartTime(deadPid()), null);
});

test("acquire creates the contact file naming host, pid, start time and command", (t) => {
  const dir = runDir(t);
  const said: string[] = [];
  const me = acquireContact(dir, "drover run hello.yaml", (m) => said.push(m));
  assert.deepEqual(said, []);
  assert.equal(me.host, os.hostname());
  assert.equal(me.pid, process.pid);
  assert.equal(me.procStart, procStartTime(process.pid));
  assert.equal(me.command, "drover run hello.yaml");
  assert.ok(!Number.isNaN(Date.parse(me.startedAt)));
  const file = path.join(dir, CONTACT_FILE);
  assert.equal(fs.readFileSync(file, "utf8"), JSON.stringify(me) + "\n");
  assert.deepEqual(readContact(dir), me);
  assert.equal(fs.statSync(file).mode & 0o133, 0, "not writable by others, not executable");
  assert.equal(isContactLive(me), true);
  assert.deepEqual(liveContact(dir), me);
});

test("a second acquire while the first is live is refused, naming pid and host", (t) => {
  const dir = runDir(t);
  const me = acquireContact(dir, "drover run a.yaml", () => {});
  const said: string[] = [];
  assert.throws(
    () => acquireContact(dir, "drover kill a j", (m) => said.push(m)),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message.includes(`pid ${process.pid}`) &&
      err.message.includes(os.hostname()) &&
      err.message.includes("drover run a.yaml"),
  );
  assert.deepEqual(said, []);
  assert.deepEqual(readContact(dir), me, "the live file is untouched");
});

test("a stale file (dead pid) is removed, said through `say`, and the run is taken", (t) => {
  const dir = runDir(t);
  const pid = deadPid();
  writeContact(dir, { pid });
  const said: string[] = [];
  const me = acquireContact(dir, "drover run b.yaml", (m) => said.push(m));
  assert.equal(said.length, 1);
  assert.match(said[0] ?? "", new RegExp(`stale contact file: Drover pid ${pid} .*no longer running`));
  assert.deepEqual(readContact(dir), me);
});

test("a file naming our pid with another start time (a reused pid) is stale", (t) => {
  const dir = runDir(t);
  writeContact(dir, { pid: process.pid, procStart: "not-our-start" });
  assert.equal(liveContact(dir), null);
  const said: string[] = [];
  const me = acquireContact(dir, "drover run c.yaml", (m) => said.push(m));
  assert.equal(said.length, 1);
  assert.match(said[0] ?? "", /stale/);
  assert.equal(me.pid, process.pid);
});

test("garbage content is treated as stale and replaced", (t) => {
  for (const garbage of ["", "not json\n", "null", "[]", '{"host": 3, "pid": "x"}', "\u0000\u0001"]) {
    const dir = runDir(t);
    fs.writeFileSync(path.join(dir, CONTACT_FILE), garbage);
    assert.equal(readContact(dir), null, JSON.stringify(garbage));
    const said: string[] = [];
    const me = acquireContact(dir, "drover run d.yaml", (m) => said.push(m));
    assert.equal(said.length, 1);
    assert.match(said[0] ?? "", /removed an unreadable contact file/);
    assert.deepEqual(readContact(dir), me);
  }
});

test("a file naming an unreachable host is refused with ssh's error and the file to remove, and kept", (t) => {
  const dir = runDir(t);
  // .invalid never resolves: the real ssh fails at once without touching the network.
  writeContact(dir, { host: "other-host.invalid", pid: 4242 });
  const before = fs.readFileSync(path.join(dir, CONTACT_FILE), "utf8");
  const other = readContact(dir);
  assert.ok(other);
  assert.equal(isContactLive(other), "other-host");
  const check = checkContact(other, dir);
  assert.equal(check.state, "unknown");
  assert.equal(check.how, "ssh");
  assert.equal(liveContact(dir), null);
  assert.throws(
    () => acquireContact(dir, "drover run e.yaml", () => assert.fail("nothing removed")),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message.includes("Drover pid 4242 on other-host.invalid") &&
      err.message.includes("cannot be checked over SSH") &&
      err.message.includes("Could not resolve hostname other-host.invalid") &&
      err.message.includes(`remove ${path.join(dir, CONTACT_FILE)} by hand`),
  );
  assert.equal(fs.readFileSync(path.join(dir, CONTACT_FILE), "utf8"), before);
});

test("a file naming a host that is not a host name is refused without running ssh", (t) => {
  for (const host of ["-oProxyCommand=touch /tmp/pwned", "a b", "$(reboot)", "x;y"]) {
    const dir = runDir(t);
    writeContact(dir, { host, pid: 4242 });
    assert.throws(
      () => acquireContact(dir, "drover run h.yaml", () => assert.fail("nothing removed")),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.includes("is not a valid host name") &&
        err.message.includes("by hand"),
      host,
    );
    assert.ok(fs.existsSync(path.join(dir, CONTACT_FILE)));
  }
});

test("the file records the real command line and the boot id; a contact is checked against both", (t) => {
  const dir = runDir(t);
  const me = acquireContact(dir, "drover run i.yaml", () => {});
  const raw = fs.readFileSync("/proc/self/cmdline", "utf8").split("\0").slice(0, -1);
  assert.deepEqual(me.cmdline, raw);
  assert.equal(me.bootId, fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
  assert.deepEqual(checkContact(me, dir), { state: "alive", how: "local", via: "" });
  const file = path.join(dir, CONTACT_FILE);
  const cases: [Partial<Contact>, RegExp][] = [
    [{ cmdline: ["node", "something-else.js"] }, /another process now: .*contact-file\.test/],
    [{ bootId: "00000000-0000-0000-0000-000000000000" }, /rebooted since/],
  ];
  for (const [other, why] of cases) {
    writeContact(dir, { ...me, ...other });
    const c = readContact(dir);
    assert.ok(c);
    assert.equal(isContactLive(c), false);
    assert.equal(liveContact(dir), null);
    const said: string[] = [];
    const again = acquireContact(dir, "drover run i.yaml", (m) => said.push(m));
    assert.equal(said.length, 1);
    assert.match(said[0] ?? "", /removed a stale contact file: Drover pid \d+ .*no longer running/);
    assert.match(said[0] ?? "", why);
    assert.deepEqual(readContact(dir), again);
    releaseContact(dir, again);
    assert.equal(fs.existsSync(file), false);
  }
});

test("an older file without command line or boot id stays readable and is judged by pid and start", (t) => {
  const dir = runDir(t);
  const start = procStartTime(process.pid) ?? "";
  writeContact(dir, { pid: process.pid, procStart: start });
  const c = readContact(dir);
  assert.ok(c);
  assert.equal(c.cmdline, undefined);
  assert.equal(c.bootId, undefined);
  assert.deepEqual(liveContact(dir), c);
  assert.throws(() => acquireContact(dir, "drover run j.yaml", () => {}), /the run is live: Drover pid/);
});

test("files with fields of the wrong type are unreadable", (t) => {
  const good = { host: "h", pid: 5, procStart: "1", startedAt: "t", command: "c" };
  for (const bad of [
    { ...good, pid: 0 },
    { ...good, pid: 1.5 },
    { ...good, host: "" },
    { ...good, procStart: 1 },
    { ...good, cmdline: "node x" },
    { ...good, cmdline: ["node", 3] },
    { ...good, bootId: 7 },
  ]) {
    const dir = runDir(t);
    fs.writeFileSync(path.join(dir, CONTACT_FILE), JSON.stringify(bad));
    assert.equal(readContact(dir), null, JSON.stringify(bad));
  }
});

test("release removes our own file; the run can be taken again", (t) => {
  const dir = runDir(t);
  const me = acquireContact(dir, "drover run f.yaml", () => {});
  releaseContact(dir, me);
  assert.equal(fs.existsSync(path.join(dir, CONTACT_FILE)), false);
  releaseContact(dir, me);
  const again = acquireContact(dir, "drover run f.yaml", () => assert.fail("nothing stale"));
  assert.equal(again.pid, process.pid);
});

test("release leaves a file that is not ours", (t) => {
  const dir = runDir(t);
  const me = acquireContact(dir, "drover run g.yaml", () => {});
  const file = path.join(dir, CONTACT_FILE);
  for (const other of [{ pid: me.pid + 1 }, { host: "other-host.example" }, { procStart: "not-our-start" }]) {
    writeContact(dir, { ...me, ...other });
    const before = fs.readFileSync(file, "utf8");
    releaseContact(dir, me);
    assert.equal(fs.readFileSync(file, "utf8"), before, JSON.stringify(other));
  }
  fs.writeFileSync(file, "garbage");
  releaseContact(dir, me);
  assert.equal(fs.readFileSync(file, "utf8"), "garbage");
});

test("readContact and liveContact of a run with no contact file: null", (t) => {
  const dir = runDir(t);
  assert.equal(readContact(dir), null);
  assert.equal(liveContact(dir), null);
});
