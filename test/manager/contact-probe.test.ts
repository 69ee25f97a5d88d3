import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureSshHosts } from "../helpers/hosts.js";
import { contactRoute, localProcFacts, probeOverSsh } from "../../src/manager/contact-probe.js";
import { checkContact, myContact } from "../../src/manager/contact-file.js";
import { openStore } from "../../src/store/open-store.js";
import { putRunRow } from "../../src/store/run-row.js";
import { runPaths } from "../../src/manager/run-paths.js";

/** A run directory whose store records a job set with a platform on `hosts`. */
function runWithPlatform(t: { after: (fn: () => void) => void }, hosts: string[], sshConfig: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-probe-run-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const source = [
    "platforms:",
    "  far:",
    `    hosts: [${hosts.join(", ")}]`,
    `    ssh: { options: ["-F", ${JSON.stringify(sshConfig)}] }`,
    "    connect_timeout: PT3S",
    "jobs:",
    "  a:",
    "    script: true",
    "",
  ].join("\n");
  const db = openStore(runPaths(dir).store);
  const now = new Date().toISOString();
  putRunRow(db, {
    name: "r",
    path: path.join(dir, "r.yaml"),
    hash: "h",
    source,
    created_at: now,
    updated_at: now,
  });
  db.close();
  return dir;
}

test("route: a host listed by a platform of the run goes through that platform's ssh settings", (t) => {
  const dir = runWithPlatform(t, ["drover-test-a", "other"], "/some/ssh_config");
  const r = contactRoute(dir, "drover-test-a");
  assert.equal(r.via, 'platform "far"');
  assert.deepEqual(r.argv.slice(-6), ["-T", "drover-test-a", "--", "bash", "-l", "-s"]);
  assert.ok(r.argv.includes("ControlMaster=no"), "an open master is used, none is created");
  assert.ok(r.argv.includes("BatchMode=yes"));
  assert.ok(r.argv.includes("ConnectTimeout=3"));
  const f = r.argv.indexOf("-F");
  assert.equal(r.argv[f + 1], "/some/ssh_config");
  assert.equal(r.timeoutMs, 18_000, "bounded: connect timeout plus 15 s");
});

test("route: any other host, or a run without a readable store, goes through plain ssh in batch mode", (t) => {
  const dir = runWithPlatform(t, ["drover-test-a"], "/some/ssh_config");
  const plain = [
    "ssh",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=10",
    "-T",
    "elsewhere",
    "--",
    "sh",
    "-s",
  ];
  assert.deepEqual(contactRoute(dir, "elsewhere").argv, plain);
  assert.equal(contactRoute(dir, "elsewhere").via, "ssh");
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "drover-probe-none-"));
  t.after(() => fs.rmSync(empty, { recursive: true, force: true }));
  assert.deepEqual(contactRoute(empty, "elsewhere").argv, plain);
  fs.writeFileSync(runPaths(empty).store, "not a database");
  assert.deepEqual(contactRoute(empty, "elsewhere").argv, plain);
});

test("route: a host that is not a host name is refused, never passed to ssh", (t) => {
  const dir = runWithPlatform(t, ["drover-test-a"], "/some/ssh_config");
  for (const bad of ["-oProxyCommand=x", "a b", "a;b", "", "$(x)"]) {
    assert.throws(() => contactRoute(dir, bad), /not a valid host name/, bad);
    const v = probeOverSsh({ host: bad, pid: 1, procStart: "1" }, dir);
    assert.equal(v.state, "unknown");
  }
});

test("over the platform's real ssh: this very process is alive there, a changed identity is not", (t) => {
  const hosts = ensureSshHosts();
  const dir = runWithPlatform(t, [hosts.hosts.a], hosts.sshConfig);
  // drover-test-a is sshd on this machine: its /proc shows this process.
  const me = { ...myContact("drover run x.yaml"), host: hosts.hosts.a };
  assert.deepEqual(checkContact(me, dir), { state: "alive", how: "ssh", via: 'platform "far"' });
  const reused = checkContact({ ...me, procStart: "1" }, dir);
  assert.equal(reused.state, "dead");
  assert.match(reused.state === "dead" ? reused.why : "", /another process now \(started at tick/);
  const rebooted = checkContact({ ...me, bootId: "00000000-0000-0000-0000-000000000000" }, dir);
  assert.match(rebooted.state === "dead" ? rebooted.why : "", /rebooted since/);
});

test("local facts of this process and of a pid that does not exist", () => {
  const f = localProcFacts(process.pid);
  assert.match(f.start ?? "", /^\d+$/);
  assert.ok(f.cmdline && f.cmdline.length > 0);
  assert.match(f.bootId ?? "", /^[0-9a-f-]{36}$/);
  const none = localProcFacts(2 ** 22 + 1);
  assert.equal(none.state, null);
  assert.equal(none.start, null);
});
