import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { platformsCommand } from "../../src/cli/platforms-command.js";
import type { Out } from "../../src/cli/out.js";
import { ConfigError, UsageError } from "../../src/errors.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";

function collect(): Out & { lines: string[]; notes: string[] } {
  const lines: string[] = [];
  const notes: string[] = [];
  return {
    lines,
    notes,
    print: (l) => lines.push(...l.split("\n")),
    note: (l) => notes.push(l),
    isTTY: false,
  };
}

/** A temp dir holding a user platform file that $DROVER_PLATFORMS names for the test. */
function setup(t: TestContext, text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "drover-platforms-cli-"));
  const file = join(dir, "platforms.yaml");
  writeFileSync(file, text);
  const before = process.env.DROVER_PLATFORMS;
  process.env.DROVER_PLATFORMS = file;
  t.after(() => {
    if (before === undefined) delete process.env.DROVER_PLATFORMS;
    else process.env.DROVER_PLATFORMS = before;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, file };
}

const USER = y(
  "platforms:",
  "  cluster:",
  "    hosts: [login1, login2]",
  "    runner: slurm",
  "    install_target: shared",
  "    connect: manual",
  "  edge:",
  "    hosts: e1",
  "    ssh: none",
  "    run_root: /data/runs",
  "platform_groups:",
  "  anywhere: [cluster, localhost]",
);

test("drover platforms lists platforms and groups with their origin", async (t) => {
  const { file } = setup(t, USER);
  const out = collect();
  assert.equal(await platformsCommand([], out), 0);
  const cells = out.lines.map((l) => l.split(/\s{2,}/));
  assert.deepEqual(cells, [
    ["PLATFORM", "HOSTS", "RUNNER", "INSTALL TARGET", "RUN ROOT", "CONNECT", "ORIGIN"],
    ["localhost", "localhost", "background", "localhost", "(run dir)", "local", "built-in"],
    ["cluster", "login1,login2", "slurm", "shared", "~/drover-run", "manual", `${file}:2`],
    ["edge", "e1", "background", "edge", "/data/runs", "local", `${file}:7`],
    [""],
    ["GROUP", "PLATFORMS", "ORIGIN"],
    ["anywhere", "cluster,localhost", `${file}:12`],
  ]);
});

test("drover platforms --json gives every setting, snake_case", async (t) => {
  const { file } = setup(t, USER);
  const out = collect();
  assert.equal(await platformsCommand(["--json"], out), 0);
  assert.equal(out.lines.length, 1);
  const data = JSON.parse(out.lines[0]!);
  assert.equal(data.user_file, file);
  assert.deepEqual(
    data.platforms.map((p: { name: string }) => p.name),
    ["localhost", "cluster", "edge"],
  );
  const cluster = data.platforms[1];
  assert.deepEqual(cluster.hosts, ["login1", "login2"]);
  assert.equal(cluster.install_target, "shared");
  assert.deepEqual(cluster.retrieve_logs, { max_size_bytes: 10 * 1024 * 1024, retry_delays_s: [5, 30, 60] });
  assert.deepEqual(cluster.polling_s, {
    submission: [10, 60],
    execution: [10, 60, 300],
    time_limit: [10, 30, 60],
  });
  assert.equal(data.platforms[2].ssh, null);
  assert.deepEqual(data.groups, [
    { name: "anywhere", platforms: ["cluster", "localhost"], origin: `${file}:12` },
  ]);
});

test("drover platforms JOBSET adds the job set's own platforms, which win", async (t) => {
  const { dir } = setup(t, USER);
  const set = join(dir, "set.yaml");
  writeFileSync(
    set,
    y("platforms:", "  cluster: { hosts: other }", "jobs:", "  a: { script: x, platform: anywhere }"),
  );
  const out = collect();
  assert.equal(await platformsCommand([set, "--json"], out), 0);
  const cluster = JSON.parse(out.lines[0]!).platforms.find((p: { name: string }) => p.name === "cluster");
  assert.deepEqual([cluster.hosts, cluster.runner, cluster.origin], [["other"], "background", `${set}:2`]);
});

test("drover platforms: a bad user file is a ConfigError naming file:line, bad arguments a UsageError", async (t) => {
  const { file } = setup(t, y("platforms:", "  cluster:", "    hosts: [a, 'b;c']"));
  await assert.rejects(
    platformsCommand([], collect()),
    (e: unknown) =>
      e instanceof ConfigError && e.message.startsWith(`${file}:3 (platforms.cluster.hosts[1]): bad host`),
  );
  await assert.rejects(platformsCommand(["--yaml"], collect()), UsageError);
  await assert.rejects(platformsCommand(["a.yaml", "b.yaml"], collect()), /usage: drover platforms/);
});
