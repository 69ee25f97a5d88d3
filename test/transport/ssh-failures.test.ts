import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { classifySshResult } from "../../src/transport/ssh-errors.js";
import { deadPorts, masterPid, sshBed, type SshBed } from "./ssh-fixture.js";

let bed: SshBed;
let ports: Awaited<ReturnType<typeof deadPorts>>;
let base: string;
before(async () => {
  bed = sshBed();
  ports = await deadPorts();
  base = fs.readFileSync(bed.hosts.sshConfig, "utf8");
});
after(async () => {
  ports.close();
  await bed.cleanup();
});

/** A config like the hosts' one with `from` replaced by `to` everywhere. */
function variant(name: string, from: string, to: string): string {
  assert.ok(base.includes(from), `the hosts' ssh_config has ${from}`);
  return bed.write(name, base.split(from).join(to));
}

test("manual mode without a master: needs-connect without running anything; works after openMaster", async () => {
  const t = bed.transport({ connect: "manual" });
  const a = bed.hosts.hosts.a;
  const r = await t.runProgram(a, "touch ~/should-not-exist\n", { timeoutMs: 10_000 });
  assert.equal(r.exitCode, 255);
  assert.ok(r.argv.includes("-O") && r.argv.includes("check"), "only the master was checked");
  const f = classifySshResult(r, false);
  assert.equal(f?.kind, "needs-connect");
  assert.equal(f?.transient, true);
  assert.match(f?.message ?? "", /drover connect drover-test-a/);
  assert.equal(await t.checkMaster(a), false, "manual mode opened no master");
  const o = await t.openMaster(a, { interactive: false });
  assert.equal(o.exitCode, 0, o.stderr);
  const ok = await t.runProgram(a, "echo via-master\n", { timeoutMs: 10_000 });
  assert.equal(ok.stdout, "via-master\n", ok.stderr);
  // The master dies under a manual transport: the next call says needs-connect again, nothing runs.
  const pid = masterPid(t, bed.config, a);
  assert.ok(pid !== null);
  process.kill(pid, "SIGKILL");
  await new Promise((res) => setTimeout(res, 200));
  const gone = await t.runProgram(a, "echo should-not-run\n", { timeoutMs: 10_000 });
  assert.equal(gone.stdout, "");
  assert.equal(classifySshResult(gone, false)?.kind, "needs-connect");
  assert.equal(await t.checkMaster(a), false);
});

test("a changed host key: host-key-changed, not transient, names the host and known_hosts", async () => {
  const keyFile = path.join(bed.tmp, "other_host_key");
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile], { stdio: "ignore" });
  const pub = fs.readFileSync(`${keyFile}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
  const badKnown = bed.write("bad_known_hosts", `[127.0.0.1]:2222 ${pub}\n`);
  const cfg = variant("bad-key.cfg", path.join(bed.hosts.hostsDir, "known_hosts"), badKnown);
  const t = bed.transport({ options: ["-F", cfg] });
  const r = await t.runProgram(bed.hosts.hosts.a, "echo no\n", { timeoutMs: 20_000 });
  assert.equal(r.exitCode, 255);
  assert.equal(r.stdout, "");
  const f = classifySshResult(r, false);
  assert.equal(f?.kind, "host-key-changed");
  assert.equal(f?.transient, false);
  assert.match(f?.message ?? "", /^drover-test-a: .*CHANGED.*known_hosts/);
});

test("a key the host does not accept: auth-failed, not transient", async () => {
  const keyFile = path.join(bed.tmp, "stranger_key");
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile], { stdio: "ignore" });
  const cfg = variant("bad-user-key.cfg", path.join(bed.hosts.hostsDir, "id_ed25519"), keyFile);
  const t = bed.transport({ options: ["-F", cfg] });
  const r = await t.runProgram(bed.hosts.hosts.a, "echo no\n", { timeoutMs: 20_000 });
  const f = classifySshResult(r, false);
  assert.equal(f?.kind, "auth-failed", r.stderr);
  assert.equal(f?.transient, false);
  assert.match(f?.message ?? "", /Permission denied/);
});

test("an unreachable host is transient and fast: refused port, and a silent one within ConnectTimeout", async () => {
  const cfg = bed.write(
    "dead.cfg",
    ["closed", "silent"]
      .map((k) => {
        const port = k === "closed" ? ports.closed : ports.silent;
        return `Host drv-${k}\n  HostName 127.0.0.1\n  Port ${port}\n  BatchMode yes\n`;
      })
      .join(""),
  );
  const t = bed.transport({ options: ["-F", cfg], connectTimeoutS: 1 });
  for (const host of ["drv-closed", "drv-silent"]) {
    const t0 = Date.now();
    const r = await t.runProgram(host, "echo no\n", { timeoutMs: 20_000 });
    const ms = Date.now() - t0;
    const f = classifySshResult(r, false);
    assert.equal(f?.kind, "unreachable", r.stderr);
    assert.equal(f?.transient, true);
    assert.match(f?.message ?? "", new RegExp(`^${host}: cannot connect`));
    assert.ok(ms < 4000, `${host} took ${ms} ms (ConnectTimeout is 1 s)`);
  }
});
