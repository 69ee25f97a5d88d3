/** One run per job set: edited files, --reload, --new, one live Drover, and commands on a live run. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sandbox, statusJson, type Sandbox } from "../helpers/cli.js";
import { until } from "../helpers/until.js";

function state(sb: Sandbox, run: string, job: string): unknown {
  try {
    return statusJson(sb, run).get(job)?.state;
  } catch {
    return undefined;
  }
}

test("an edited file is refused unless --reload or --new", () => {
  const sb = sandbox();
  try {
    const file = sb.write("life.yaml", "jobs:\n  a:\n    script: true\n");
    assert.equal(sb.drover(["run", file]).code, 0);
    sb.write("life.yaml", "jobs:\n  a:\n    script: true\n  b:\n    needs: a\n    script: echo b\n");
    const refused = sb.drover(["run", file]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /changed.*--reload.*--new/);
    const reloaded = sb.drover(["run", file, "--reload"]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    const jobs = statusJson(sb, "life");
    assert.equal(jobs.get("a")?.submit_num, 1, "a was not run again");
    assert.equal(jobs.get("b")?.state, "succeeded");
    const fresh = sb.drover(["run", file, "--new"]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stderr, /kept the previous run as life\.1/);
    assert.ok(existsSync(join(sb.home, "life.1", "store.db")));
    const other = sb.write("other/life.yaml", "jobs:\n  z:\n    script: true\n");
    const clash = sb.drover(["run", other]);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /belongs to/);
  } finally {
    sb.cleanup();
  }
});

test("a live run: second run refused; kill, poll and trigger go through the live Drover", async () => {
  const sb = sandbox();
  try {
    const file = sb.write(
      "live.yaml",
      "jobs:\n  sleeper:\n    script: sleep 60\n  later:\n    needs: sleeper\n    script: echo later\n  held:\n    needs: sleeper\n    script: echo held\n",
    );
    const child = sb.spawnDrover(["run", file]);
    const exited = new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
    await until(() => state(sb, "live", "sleeper") === "running", 20_000, "sleeper running");
    const second = sb.drover(["run", file]);
    assert.equal(second.code, 2);
    assert.match(second.stderr, /the run is live/);
    assert.equal(sb.drover(["poll", "live"]).code, 0);
    const trig = sb.drover(["trigger", "live", "held"]);
    assert.equal(trig.code, 0, trig.stderr + trig.stdout);
    await until(() => state(sb, "live", "held") === "succeeded", 20_000, "held triggered and done");
    const kill = sb.drover(["kill", "live", "sleeper"]);
    assert.equal(kill.code, 0, kill.stderr + kill.stdout);
    assert.equal(await exited, 1);
    const jobs = statusJson(sb, "live");
    assert.equal(jobs.get("sleeper")?.reason, "killed");
    assert.equal(jobs.get("later")?.reason, "need-failed(sleeper)");
  } finally {
    sb.cleanup();
  }
});

test("Ctrl-C leaves jobs running and a new run picks them up", async () => {
  const sb = sandbox();
  try {
    const file = sb.write("calm.yaml", "jobs:\n  s:\n    script: sleep 3; echo slept\n");
    const child = sb.spawnDrover(["run", file]);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
    await until(() => state(sb, "calm", "s") === "running", 20_000, "s running");
    child.kill("SIGINT");
    assert.equal(await exited, 1);
    assert.match(stderr, /jobs keep running/);
    assert.equal(state(sb, "calm", "s"), "running");
    const again = sb.drover(["run", file]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(statusJson(sb, "calm").get("s")?.submit_num, 1);
    assert.equal(sb.drover(["log", "calm", "s"]).stdout, "slept\n");
  } finally {
    sb.cleanup();
  }
});
