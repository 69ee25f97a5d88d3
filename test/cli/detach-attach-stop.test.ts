/**
 * `drover run --detach`, `drover attach RUN`, `drover stop RUN [--kill]` through the real CLI, with
 * real background jobs on localhost and the detached Drover as a real process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandbox, statusJson, type Sandbox } from "../helpers/cli.js";
import { until } from "../helpers/until.js";
import { openStore } from "../../src/store/open-store.js";
import { addRequest, getRequest } from "../../src/store/requests.js";

/** The states of a run's jobs by name (empty while the run is being created). */
function states(sb: Sandbox, run: string): Map<string, unknown> {
  try {
    return new Map([...statusJson(sb, run)].map(([k, v]) => [k, v.state]));
  } catch {
    return new Map();
  }
}

/** True while `pid` runs (a zombie left unreaped by a container's init counts as ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The pid named by the run's contact file, or null. */
function contactPid(sb: Sandbox, run: string): number | null {
  const p = join(sb.home, run, "contact");
  if (!existsSync(p)) return null;
  return (JSON.parse(readFileSync(p, "utf8")) as { pid: number }).pid;
}

/** A job script (with its env) that lasts until the file `go` exists, however slow the machine. */
function gated(go: string, then = "true"): string {
  return `script: until [ -e "$GO" ]; do sleep 0.2; done; ${then}\n    env: { GO: "${go}" }`;
}

/** Detaches a run and checks it returned quickly with its pid; returns that pid. */
function detach(sb: Sandbox, file: string, run: string): number {
  const t0 = Date.now();
  const r = sb.drover(["run", file, "--detach"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 < 8000, `detach took ${Date.now() - t0} ms`);
  const m = /detached Drover pid (\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const pid = Number(m[1]);
  assert.equal(contactPid(sb, run), pid, "the detached Drover holds the contact file");
  assert.match(r.stdout, new RegExp(`drover attach ${run}`));
  assert.match(r.stdout, new RegExp(`drover stop ${run}`));
  return pid;
}

test("detach returns while jobs run; log grows; status meanwhile; second run refused; attach to the end", async () => {
  const sb = sandbox();
  try {
    const go = join(sb.dir, "go");
    const file = sb.write(
      "det.yaml",
      `jobs:\n  good:\n    ${gated(go, "echo good")}\n  bad:\n    ${gated(go, "exit 4")}\n  after:\n    needs: good\n    script: echo after\n`,
    );
    const pid = detach(sb, file, "det");
    const log = join(sb.home, "det", "log", "drover.log");
    assert.ok(existsSync(log));
    const size0 = statSync(log).size;
    await until(() => states(sb, "det").get("good") === "running", 15_000, "good running");
    assert.ok(statSync(log).size > size0, "the log grows");
    assert.equal(states(sb, "det").get("after"), "waiting");
    const again = sb.drover(["run", file, "--detach"]);
    const fg = sb.drover(["run", file]);
    assert.equal(again.code, 2);
    assert.equal(fg.code, 2);
    assert.match(again.stderr, /the run is live: Drover pid \d+/);
    assert.equal(again.stderr, fg.stderr, "the same refusal as a foreground run");
    assert.equal(contactPid(sb, "det"), pid, "the refused detach left the live Drover alone");
    // Ctrl-C on a viewer leaves the run going.
    const viewer = sb.spawnDrover(["attach", "det"]);
    let seen = "";
    viewer.stderr?.on("data", (b: Buffer) => (seen += b.toString()));
    const viewerExit = new Promise<number | null>((r) => viewer.on("exit", (c) => r(c)));
    await until(() => seen.includes("attached to run det"), 10_000, "viewer attached");
    viewer.kill("SIGINT");
    assert.equal(await viewerExit, 1);
    assert.match(seen, /left the view of run det/);
    assert.ok(alive(pid), "the Drover goes on after the viewer left");
    // A viewer that stays follows to the end, and exits as drover run would.
    const follower = sb.spawnDrover(["attach", "det"]);
    let out = "";
    let err = "";
    follower.stdout?.on("data", (b: Buffer) => (out += b.toString()));
    follower.stderr?.on("data", (b: Buffer) => (err += b.toString()));
    const followerExit = new Promise<number | null>((r) => follower.on("exit", (c) => r(c)));
    await until(() => err.includes("attached to run det"), 10_000, "follower attached");
    writeFileSync(go, "");
    assert.equal(await followerExit, 1, err);
    assert.match(out, /bad\/01 running -> failed: exit\(4\)/);
    assert.match(out, /after\/01 .*-> succeeded/);
    assert.match(err, /run det: 1 jobs did not succeed/);
    await until(() => !alive(pid), 10_000, "the detached Drover ends");
    assert.equal(contactPid(sb, "det"), null);
    const text = readFileSync(log, "utf8");
    assert.match(text, /run det finished/);
    assert.match(text, /started run det/, "a run made by the detach says started, not resumed");
    assert.match(text, /detached Drover pid \d+ ending/);
    // Attach to a finished run: its summary and the same exit rule.
    const late = sb.drover(["attach", "det"]);
    assert.equal(late.code, 1);
    assert.match(late.stdout, /1 failed/);
    assert.match(late.stderr, /1 jobs did not succeed/);
  } finally {
    sb.cleanup();
  }
});

test("attach gives 0 when every job succeeded", async () => {
  const sb = sandbox();
  try {
    const file = sb.write(
      "ok.yaml",
      "jobs:\n  a:\n    script: sleep 1.5\n  b:\n    needs: a\n    script: echo b\n",
    );
    detach(sb, file, "ok");
    const att = sb.drover(["attach", "ok"], { timeoutMs: 60_000 });
    assert.equal(att.code, 0, att.stderr);
    assert.match(att.stderr, /run ok: every job succeeded/);
    assert.match(att.stdout, /run ok .*2 succeeded/);
  } finally {
    sb.cleanup();
  }
});

test("stop leaves the jobs running; drover run then finds them finished, nothing submitted twice", async () => {
  const sb = sandbox();
  try {
    const go = join(sb.dir, "go");
    const file = sb.write(
      "st.yaml",
      `jobs:\n  one:\n    ${gated(go)}\n  two:\n    ${gated(go)}\n  three:\n    needs: one\n    script: echo three\n`,
    );
    const pid = detach(sb, file, "st");
    await until(() => states(sb, "st").get("two") === "running", 15_000, "jobs running");
    const jobPids = [...statusJson(sb, "st").values()]
      .filter((j) => j.state === "running")
      .map((j) => Number(j.runner_job_id));
    assert.equal(jobPids.length, 2);
    const stop = sb.drover(["stop", "st"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /stopping after the batches in flight: jobs keep running/);
    assert.match(
      stop.stdout,
      /has ended: 2 jobs left running, 1 waiting\. Resume with: drover run .*st\.yaml/,
    );
    assert.ok(!alive(pid), "the Drover has ended");
    assert.equal(contactPid(sb, "st"), null);
    for (const p of jobPids) assert.ok(alive(p), `job process ${p} still running`);
    const nothing = sb.drover(["stop", "st"]);
    assert.equal(nothing.code, 0);
    assert.match(nothing.stdout, /no live Drover: nothing to stop/);
    const notLive = sb.drover(["attach", "st"]);
    assert.equal(notLive.code, 1);
    assert.match(notLive.stderr, /not live.*Resume with: drover run/);
    writeFileSync(go, "");
    await until(() => jobPids.every((p) => !alive(p)), 15_000, "jobs end on their own");
    // A stop left unanswered by an earlier Drover must not end the next one at its start.
    const db = openStore(join(sb.home, "st", "store.db"));
    const stale = addRequest(db, "2000-01-01T00:00:00.000Z", "stop", {});
    db.close();
    const resumed = sb.drover(["run", file]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const db2 = openStore(join(sb.home, "st", "store.db"), { readonly: true });
    assert.match(getRequest(db2, stale)?.answer ?? "", /ignored a stop asked at 2000/);
    db2.close();
    const jobs = statusJson(sb, "st");
    for (const j of ["one", "two", "three"]) assert.equal(jobs.get(j)?.state, "succeeded", j);
    assert.equal(jobs.get("one")?.submit_num, 1);
    assert.equal(jobs.get("two")?.submit_num, 1);
  } finally {
    sb.cleanup();
  }
});

test("stop --kill kills every job first, through the live Drover and without one", async () => {
  const sb = sandbox();
  try {
    const yaml =
      "jobs:\n  a:\n    script: sleep 60\n  b:\n    script: sleep 60\n  c:\n    needs: a\n    script: echo c\n";
    const live = sb.write("kl.yaml", yaml);
    const pid = detach(sb, live, "kl");
    await until(() => states(sb, "kl").get("b") === "running", 15_000, "jobs running");
    const jobPids = [...statusJson(sb, "kl").values()]
      .filter((j) => j.runner_job_id)
      .map((j) => Number(j.runner_job_id));
    const r = sb.drover(["stop", "kl", "--kill"], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /a\/01: kill sent/);
    assert.match(r.stdout, /c\/01: killed before submission/);
    await until(() => !alive(pid), 10_000, "the Drover ends");
    for (const p of jobPids) assert.ok(!alive(p), `job ${p} killed`);
    for (const [, j] of statusJson(sb, "kl")) assert.equal(j.reason, "killed", `${j.name}`);
    // No live Drover: stop leaves, then stop --kill kills directly.
    const direct = sb.write("kd.yaml", yaml);
    detach(sb, direct, "kd");
    await until(() => states(sb, "kd").get("b") === "running", 15_000, "jobs running");
    assert.equal(sb.drover(["stop", "kd"]).code, 0);
    const kdPids = [...statusJson(sb, "kd").values()]
      .filter((j) => j.runner_job_id)
      .map((j) => Number(j.runner_job_id));
    assert.ok(kdPids.every(alive));
    const k = sb.drover(["stop", "kd", "--kill"], { timeoutMs: 90_000 });
    assert.equal(k.code, 0, k.stderr + k.stdout);
    assert.match(k.stdout, /no live Drover: nothing to stop \(the kills were made directly\)/);
    for (const p of kdPids) assert.ok(!alive(p), `job ${p} killed`);
    for (const [, j] of statusJson(sb, "kd")) {
      assert.equal(j.state, "failed", `${j.name}`);
      assert.equal(j.reason, "killed", `${j.name}`);
    }
  } finally {
    sb.cleanup();
  }
});

test("bad input: YAML errors reach the terminal with --detach; unknown runs; flags", () => {
  const sb = sandbox();
  try {
    const bad = sb.write("bad.yaml", "jobs:\n  a:\n    script: true\n    bogus_key: 1\n");
    const r = sb.drover(["run", bad, "--detach"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:4/);
    assert.equal(r.stdout, "");
    assert.ok(!existsSync(join(sb.home, "bad")), "no run created");
    const broken = sb.write("broken.yaml", "jobs:\n  a: [\n");
    const b = sb.drover(["run", broken, "--detach"]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /broken\.yaml:\d+/);
    for (const args of [
      ["attach", "nosuch"],
      ["stop", "nosuch"],
      ["stop", "nosuch", "--kill"],
      ["attach", "../x"],
    ]) {
      const u = sb.drover(args);
      assert.equal(u.code, 2, args.join(" "));
      assert.match(u.stderr, /no run named "nosuch"|bad run name/);
    }
    assert.equal(sb.drover(["attach"]).code, 2);
    assert.equal(sb.drover(["stop", "x", "--force"]).code, 2);
    const ok = sb.write("ok.yaml", "jobs:\n  a:\n    script: true\n");
    assert.equal(sb.drover(["run", ok, "--detach", "--dry-run"]).code, 2);
  } finally {
    sb.cleanup();
  }
});

test("SIGKILL of the detached Drover: attach says so, drover run resumes cleanly", async () => {
  const sb = sandbox();
  try {
    const go = join(sb.dir, "go");
    const file = sb.write(
      "sk.yaml",
      `jobs:\n  a:\n    ${gated(go)}\n  b:\n    needs: a\n    script: echo b\n`,
    );
    const pid = detach(sb, file, "sk");
    await until(() => states(sb, "sk").get("a") === "running", 15_000, "a running");
    const viewer = sb.spawnDrover(["attach", "sk"]);
    let said = "";
    viewer.stderr?.on("data", (b: Buffer) => (said += b.toString()));
    const viewerExit = new Promise<number | null>((r) => viewer.on("exit", (c) => r(c)));
    await until(() => said.includes("attached"), 10_000, "viewer attached");
    process.kill(pid, "SIGKILL");
    assert.equal(await viewerExit, 1);
    assert.match(said, /ended without releasing the run/);
    assert.match(said, /stopped before its end/);
    assert.equal(contactPid(sb, "sk"), pid, "the stale contact file is left");
    const stop = sb.drover(["stop", "sk"]);
    assert.equal(stop.code, 0);
    assert.match(stop.stdout, /nothing to stop/);
    writeFileSync(go, "");
    const again = sb.drover(["run", file]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /removed a stale contact file/);
    const jobs = statusJson(sb, "sk");
    assert.equal(jobs.get("a")?.submit_num, 1, "a not submitted twice");
    assert.equal(jobs.get("b")?.state, "succeeded");
  } finally {
    sb.cleanup();
  }
});
