/**
 * `drover connect` through the real CLI against the SSH test hosts: open, check and close a
 * master; a whole platform at once; a `connect: manual` platform works only after a connect; a
 * host no platform lists uses ssh's defaults. Without a terminal the login is a batch login (the
 * test hosts take keys).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { remoteSandbox, sshOptionsLine, type RemoteSandbox } from "./remote-cli.js";
import { openOrSkip } from "../helpers/open-or-skip.js";

const opened = openOrSkip("SSH", () => {
  const sb = remoteSandbox("drover-connect");
  const opts = sshOptionsLine(sb.hosts);
  sb.platforms([
    "platforms:",
    "  solo:",
    "    hosts: [drover-test-a]",
    `    run_root: ${sb.runRoot("solo")}`,
    opts,
    "  gated:",
    "    hosts: [drover-test-b, drover-test-c]",
    `    run_root: ${sb.runRoot("gated")}`,
    "    connect: manual",
    opts,
  ]);
  return sb;
});
const rs: RemoteSandbox | null = opened.value;
const skip = opened.skip;
const R = () => rs as RemoteSandbox;

after(() => rs?.cleanup());

test("connect HOST opens a master that stays up; --check sees it; --close ends it", { skip }, () => {
  const before = R().drover(["connect", "drover-test-a", "--check"]);
  assert.equal(before.code, 1, before.stderr);
  assert.equal(before.stdout, "drover-test-a: not connected\n");
  const open = R().drover(["connect", "drover-test-a"]);
  assert.equal(open.code, 0, open.stdout + open.stderr);
  assert.match(open.stdout, /^drover-test-a: connected; the master stays up until idle for 10m/);
  // A new process (a later batch, another command) finds the same master.
  const up = R().drover(["connect", "drover-test-a", "--check"]);
  assert.equal(up.code, 0);
  assert.equal(up.stdout, "drover-test-a: connected (master up)\n");
  const again = R().drover(["connect", "drover-test-a"]);
  assert.equal(again.stdout, "drover-test-a: already connected (master up)\n");
  const close = R().drover(["connect", "drover-test-a", "--close"]);
  assert.equal(close.code, 0);
  assert.equal(close.stdout, "drover-test-a: closed\n");
  assert.equal(R().drover(["connect", "drover-test-a", "--check"]).code, 1);
  const none = R().drover(["connect", "drover-test-a", "--close"]);
  assert.equal(none.stdout, "drover-test-a: not connected (nothing to close)\n");
});

test("on a terminal the login is interactive and connect returns once the master is up", { skip }, () => {
  const r = R().drover(["connect", "solo"], { tty: true, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /connecting to drover-test-a \(answer any prompt below\)\.\.\.\r?\ndrover-test-a: connected;/,
  );
  assert.equal(R().drover(["connect", "solo", "--check"]).stdout, "drover-test-a: connected (master up)\n");
  assert.equal(R().drover(["connect", "solo", "--close"]).stdout, "drover-test-a: closed\n");
});

test("a manual platform: check fails until connect PLATFORM opens each host's master", { skip }, () => {
  const cold = R().drover(["check", "gated"]);
  assert.equal(cold.code, 1);
  assert.match(cold.stdout, /connect: +\d+ ms {2}no master \(manual\)/);
  assert.match(
    cold.stdout,
    /FAIL: drover-test-b: no master connection .* run `drover connect drover-test-b` first/,
  );
  const open = R().drover(["connect", "gated"]);
  assert.equal(open.code, 0, open.stdout + open.stderr);
  assert.match(open.stdout, /^drover-test-b: connected;.*\ndrover-test-c: connected;/);
  const warm = R().drover(["check", "gated"]);
  assert.equal(warm.code, 0, warm.stdout);
  assert.match(
    warm.stdout,
    /gated \/ drover-test-c \(ssh\): passed\n {2}connect: +\d+ ms {2}master already up/,
  );
  const close = R().drover(["connect", "gated", "--close"]);
  assert.equal(close.stdout, "drover-test-b: closed\ndrover-test-c: closed\n");
  assert.equal(R().drover(["connect", "gated", "--check"]).code, 1);
});

test("a host a platform lists gets its ssh settings; an unlisted one ssh's defaults", { skip }, () => {
  // drover-test-c is listed by "gated": its settings (the test ssh config) apply.
  const r = R().drover(["connect", "drover-test-c"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  R().drover(["connect", "drover-test-c", "--close"]);
  const bare = R().drover(["connect", "drover-test-unlisted.invalid"]);
  assert.equal(bare.code, 1);
  assert.match(
    bare.stdout,
    /^drover-test-unlisted\.invalid \(no platform lists it: ssh defaults\): NOT connected: .*cannot connect/,
  );
});

test("bad input: localhost, a bad host name, both flags", { skip }, () => {
  const local = R().drover(["connect", "localhost"]);
  assert.equal(local.code, 2);
  assert.match(local.stderr, /platform "localhost" uses local processes, not ssh/);
  const bad = R().drover(["connect", "bad;host"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /ssh host "bad;host" is not a valid host name/);
  assert.equal(R().drover(["connect", "solo", "--check", "--close"]).code, 2);
  assert.equal(R().drover(["connect"]).code, 2);
});
