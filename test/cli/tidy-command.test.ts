/**
 * `drover tidy RUN` through the real CLI, on runs made by `drover run` on the SSH test hosts:
 * refused while the run is live or a job is not final; then each remote install target's run
 * directory is removed through the first host that answers, a directory holding the run's marker
 * (shared with this machine) is kept, and the local run directory is never touched.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runMarker } from "../../src/manager/run-marker.js";
import { openStore } from "../../src/store/open-store.js";
import { remoteSandbox, sshOptionsLine, type RemoteSandbox } from "./remote-cli.js";
import { until } from "../helpers/until.js";
import { openOrSkip } from "../helpers/open-or-skip.js";

const opened = openOrSkip("SSH", () => remoteSandbox("drover-tidy"));
const rs: RemoteSandbox | null = opened.value;
const skip = opened.skip;
const R = () => rs as RemoteSandbox;
const roots = rs ? { near: rs.runRoot("near"), far: rs.runRoot("far") } : { near: "", far: "" };

/** Platforms: `near` on a and b (one home: one install target), `far` on c with its own run root. */
function platforms(o: { farHosts?: string[]; withNear?: boolean } = {}): void {
  const fast = "    polling: { submission: [PT1S], execution: [PT1S] }\n    kill_grace: PT1S";
  const near = [
    "  near:",
    "    hosts: [drover-test-a, drover-test-b]",
    `    run_root: ${roots.near}`,
    sshOptionsLine(R().hosts),
    fast,
  ];
  R().platforms([
    "platforms:",
    ...(o.withNear === false ? [] : near),
    "  far:",
    `    hosts: [${(o.farHosts ?? ["drover-test-c"]).join(", ")}]`,
    `    run_root: ${roots.far}`,
    sshOptionsLine(R().hosts),
    "    connect_timeout: PT3S",
    fast,
  ]);
}

after(() => rs?.cleanup());

/** Runs a job set to its end through the CLI; returns the local run directory. */
function runToEnd(name: string, yaml: string): string {
  const file = R().sb.write(`${name}.yaml`, yaml);
  const r = R().drover(["run", file], { timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return path.join(R().sb.home, name);
}

test("tidy removes every remote target's run dir, keeps a shared one and the local run", { skip }, () => {
  platforms();
  const local = runToEnd(
    "both",
    "jobs:\n  one:\n    platform: near\n    script: echo one\n  two:\n    platform: far\n    script: echo two\n  three:\n    script: echo here\n",
  );
  const near = R().onHost(`${roots.near}/both`);
  const far = R().onHost(`${roots.far}/both`);
  assert.ok(fs.existsSync(path.join(near, "log/job/one/01/job.out")), "the run used near");
  assert.ok(fs.existsSync(path.join(far, "log/job/two/01/job.out")), "the run used far");
  // far's directory holds the run's marker: the host sees this machine's run directory there.
  const marker = path.join(far, runMarker(local).name);
  fs.writeFileSync(marker, "");
  const r = R().drover(["tidy", "both"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(
    r.stdout,
    `near: removed ${roots.near}/both on drover-test-a\n` +
      `far: kept ${roots.far}/both on drover-test-c: it is this machine's run directory (shared filesystem; it holds the store)\n`,
  );
  assert.equal(fs.existsSync(near), false);
  assert.ok(fs.existsSync(path.join(far, "log/job/two/01/job.out")), "the shared dir is kept whole");
  assert.ok(fs.existsSync(path.join(local, "store.db")), "the local run is kept");
  assert.ok(fs.existsSync(path.join(local, "log/job/three/01/job.out")));
  // Not shared any more, and far's first host cannot be reached: the next host does it.
  fs.rmSync(marker);
  platforms({ farHosts: ["drover-test-nowhere.invalid", "drover-test-c"] });
  const again = R().drover(["tidy", "both"]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal(
    again.stdout,
    `near: nothing to remove: ${roots.near}/both on drover-test-a does not exist\n` +
      `far: removed ${roots.far}/both on drover-test-c\n`,
  );
  assert.equal(fs.existsSync(far), false);
  // The run's audit trail says what tidy did.
  const db = openStore(path.join(local, "store.db"), { readonly: true });
  const events = db.prepare(`SELECT text FROM events WHERE kind = 'tidy' ORDER BY id`).all() as {
    text: string;
  }[];
  db.close();
  assert.deepEqual(
    events.map((e) => e.text.replace(/:.*/, "")),
    ["tidy near", "tidy far", "tidy near", "tidy far"],
  );
  platforms({ withNear: false });
  const gone = R().drover(["tidy", "both"]);
  assert.equal(gone.code, 1);
  assert.match(gone.stdout, /^near: platform "near" used by the run is no longer defined/m);
});

test("tidy refuses while the run is live and while a job is not final", { skip }, async () => {
  platforms();
  const file = R().sb.write("live.yaml", "jobs:\n  sleeper:\n    platform: near\n    script: sleep 60\n");
  const child = R().spawnDrover(["run", file]);
  const ended = new Promise((res) => child.once("exit", res));
  try {
    const remote = R().onHost(`${roots.near}/live/log/job/sleeper/01/job.status`);
    await until(
      () => fs.existsSync(remote) && /DROVER_JOB_INIT=/.test(fs.readFileSync(remote, "utf8")),
      30_000,
    );
    await until(() => /running/.test(R().drover(["status", "live"]).stdout), 30_000);
    const live = R().drover(["tidy", "live"]);
    assert.equal(live.code, 1);
    assert.match(live.stderr, /tidy: run "live" is live \(Drover pid \d+ since .*\): stop it/);
    child.kill("SIGINT");
    await ended;
    const open = R().drover(["tidy", "live"]);
    assert.equal(open.code, 1, open.stdout + open.stderr);
    assert.match(open.stderr, /tidy: run "live" has 1 job not final: sleeper \(running\); tidy removes/);
    assert.ok(fs.existsSync(R().onHost(`${roots.near}/live`)), "nothing removed");
    const kill = R().drover(["kill", "live", "sleeper"], { timeoutMs: 60_000 });
    assert.equal(kill.code, 0, kill.stdout + kill.stderr);
    // With no Drover live, polls find the killed job's end.
    await until(() => {
      R().drover(["poll", "live"]);
      return /sleeper +1 +1 +failed/.test(R().drover(["status", "live"]).stdout);
    }, 30_000);
    const done = R().drover(["tidy", "live"]);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.equal(done.stdout, `near: removed ${roots.near}/live on drover-test-a\n`);
    assert.ok(fs.existsSync(path.join(R().sb.home, "live", "store.db")));
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});

test("a localhost-only run has nothing to tidy; bad input is refused", { skip }, () => {
  platforms();
  const local = runToEnd("here", "jobs:\n  a:\n    script: echo a\n");
  const r = R().drover(["tidy", "here"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `tidy here: nothing to do (the run used no remote install target; ${local} is kept)\n`,
  );
  assert.ok(fs.existsSync(path.join(local, "log/job/a/01/job.out")));
  assert.equal(R().drover(["tidy", "nosuchrun"]).code, 2);
  assert.equal(R().drover(["tidy", "../etc"]).code, 2);
  assert.equal(R().drover(["tidy"]).code, 2);
});
