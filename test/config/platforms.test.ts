import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkJobPlatforms,
  loadJobSet,
  loadPlatformCatalog,
  localhostSpec,
  parseJobSet,
  parsePlatformFile,
  platformChoices,
  type PlatformSpec,
} from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "drover-platforms-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every default of a remote platform, spelled out: a change of default must show here. */
const REMOTE_DEFAULTS: Omit<PlatformSpec, "name" | "hosts" | "installTarget" | "origin"> = {
  selection: "definition-order",
  runner: "background",
  cluster: null,
  runRoot: "~/drover-run",
  ssh: { command: ["ssh"], options: [] },
  shell: ["bash", "-l", "-s"],
  rsync: { command: ["rsync"], options: [] },
  runnerModule: null,
  installIncludes: ["bin", "lib", "etc"],
  retrieveLogs: { maxSizeBytes: 10 * 1024 * 1024, retryDelaysS: [5, 30, 60] },
  maxBatch: 100,
  maxSessions: 8,
  maxActive: null,
  connect: "auto",
  polling: { submission: [10, 60], execution: [10, 60, 300], timeLimit: [10, 30, 60] },
  maxPollsPerMinute: 30,
  retryDelays: { submission: [30, 120, 600], execution: [] },
  badHostS: 60,
  connectTimeoutS: 10,
  batchTimeoutS: 300,
  unlistedGraceS: 10,
  killGraceS: 10,
  failSignals: ["ERR", "TERM", "XCPU", "INT", "HUP"],
  vacationSignals: ["USR1"],
};

test("built-in localhost: local, background, run dir itself, second-scale polling", () => {
  assert.deepEqual(localhostSpec(), {
    ...REMOTE_DEFAULTS,
    name: "localhost",
    hosts: ["localhost"],
    installTarget: "localhost",
    runRoot: "",
    ssh: null,
    installIncludes: [],
    retrieveLogs: null,
    polling: { submission: [1, 2, 5], execution: [1, 1, 2, 3, 5, 10], timeLimit: [1, 2, 5] },
    maxPollsPerMinute: 120,
    retryDelays: { submission: [], execution: [] },
    unlistedGraceS: 2,
    origin: "built-in",
  });
});

test("a platform with only hosts gets every default; the issue's example normalises", () => {
  const text = y(
    "platforms:",
    "  small:",
    "    hosts: login1",
    "  cluster:",
    "    hosts: [login1, login2]",
    "    selection: random",
    "    runner: slurm",
    "    install_target: shared-fs",
    "    run_root: /scratch/me/runs/",
    '    ssh: { command: "ssh -F cfg", options: [-o, "ProxyJump=gw", -p, 2222] }',
    "    shell: bash -l",
    "    rsync: { command: [/opt/bin/rsync], options: [--bwlimit=1000] }",
    "    install: [bin, lib/python]",
    "    retrieve_logs: { max_size: 1MB, retry_delays: [PT5S] }",
    "    max_batch: 50",
    "    max_sessions: 4",
    "    max_active: 200",
    "    connect: manual",
    "    polling: { execution: [PT1M, PT5M] }",
    "    retries: { execution: [PT10S] }",
    "    signals: { fail: [sigterm, TERM, XCPU], vacation: [USR2] }",
  );
  const { specs, groups } = parsePlatformFile(text, "/home/me/p.yaml");
  assert.deepEqual(groups, []);
  assert.deepEqual(specs[0], {
    ...REMOTE_DEFAULTS,
    name: "small",
    hosts: ["login1"],
    installTarget: "small",
    origin: "/home/me/p.yaml:2",
  });
  assert.deepEqual(specs[1], {
    ...REMOTE_DEFAULTS,
    name: "cluster",
    hosts: ["login1", "login2"],
    selection: "random",
    runner: "slurm",
    installTarget: "shared-fs",
    runRoot: "/scratch/me/runs",
    ssh: { command: ["ssh", "-F", "cfg"], options: ["-o", "ProxyJump=gw", "-p", "2222"] },
    shell: ["bash", "-l", "-s"],
    rsync: { command: ["/opt/bin/rsync"], options: ["--bwlimit=1000"] },
    installIncludes: ["bin", "lib/python"],
    retrieveLogs: { maxSizeBytes: 1_000_000, retryDelaysS: [5] },
    maxBatch: 50,
    maxSessions: 4,
    maxActive: 200,
    connect: "manual",
    polling: { ...REMOTE_DEFAULTS.polling, execution: [60, 300] },
    retryDelays: { submission: [30, 120, 600], execution: [10] },
    failSignals: ["TERM", "XCPU"],
    vacationSignals: ["USR2"],
    origin: "/home/me/p.yaml:4",
  });
});

// prettier-ignore
test("short forms: ssh none, logs off or on, shell lists, numeric names, ~ as run root", () => {
  const text = y(
    "platforms:",
    "  007:",
    "    hosts: [10, h2]",
    "    ssh: none",
    "    retrieve_logs: false",
    "    shell: [sh, -l, -s]",
    '    run_root: "~"',
    "  b:",
    "    hosts: h",
    "    retrieve_logs: true",
    "    ssh: { options: [-v] }",
    "    max_active: null",
    "    install: []",
  );
  const [a, b] = parsePlatformFile(text, "p.yaml").specs;
  assert.deepEqual([a?.name, a?.hosts, a?.ssh, a?.retrieveLogs, a?.shell, a?.runRoot, a?.installTarget], ["007", ["10", "h2"], null, null, ["sh", "-l", "-s"], "~", "007"]);
  assert.deepEqual([b?.retrieveLogs, b?.ssh, b?.maxActive, b?.installIncludes], [REMOTE_DEFAULTS.retrieveLogs, { command: ["ssh"], options: ["-v"] }, null, []]);
});

test("localhost takes tuning keys and keeps the rest of its built-in definition", () => {
  const text = y(
    "platforms:",
    "  localhost:",
    "    max_active: 3",
    "    max_batch: 10",
    "    polling: { execution: [PT2S] }",
    "    retries: { submission: [PT1S] }",
    "    unlisted_grace: PT5S",
    "    kill_grace: PT1S",
    "    batch_timeout: PT1M",
    "    signals: { vacation: [] }",
  );
  const [spec] = parsePlatformFile(text, "p.yaml").specs;
  const builtIn = localhostSpec();
  assert.deepEqual(spec, {
    ...builtIn,
    maxActive: 3,
    maxBatch: 10,
    polling: { ...builtIn.polling, execution: [2] },
    retryDelays: { submission: [1], execution: [] },
    unlistedGraceS: 5,
    killGraceS: 1,
    batchTimeoutS: 60,
    vacationSignals: [],
    origin: "p.yaml:2",
  });
});

test("empty and commented-out files give only localhost; the default file may be missing", (t) => {
  const dir = tempDir(t);
  for (const text of ["", "# nothing yet\n", "platforms:\nplatform_groups:\n"]) {
    const catalog = loadPlatformCatalog({ userFile: write(dir, "p.yaml", text) });
    assert.deepEqual([...catalog.platforms.keys()], ["localhost"]);
    assert.equal(catalog.groups.size, 0);
  }
  const catalog = loadPlatformCatalog({ env: { HOME: join(dir, "nohome") } });
  assert.deepEqual([...catalog.platforms.values()], [localhostSpec()]);
  assert.equal(loadPlatformCatalog({ userFile: null }).platforms.size, 1);
});

test("$DROVER_PLATFORMS names the user file, which must then exist; HOME finds the default", (t) => {
  const dir = tempDir(t);
  const file = write(dir, "mine.yaml", y("platforms:", "  c: { hosts: h }"));
  assert.ok(loadPlatformCatalog({ env: { DROVER_PLATFORMS: file } }).platforms.has("c"));
  const missing = join(dir, "nope.yaml");
  assert.throws(
    () => loadPlatformCatalog({ env: { DROVER_PLATFORMS: missing } }),
    (e: unknown) => e instanceof ConfigError && e.message === `cannot read ${missing}: no such file`,
  );
  mkdirSync(join(dir, ".config", "drover"), { recursive: true });
  write(dir, ".config/drover/platforms.yaml", y("platforms:", "  d: { hosts: h }"));
  assert.ok(loadPlatformCatalog({ env: { HOME: dir } }).platforms.has("d"));
});

test("the job set wins: its platform replaces the user's whole, its groups are added", (t) => {
  const dir = tempDir(t);
  const user = write(
    dir,
    "user.yaml",
    y(
      "platforms:",
      "  cluster: { hosts: [a, b], max_batch: 5 }",
      "  other: { hosts: o }",
      "  localhost: { max_active: 2 }",
      "platform_groups:",
      "  any: [cluster, other]",
      "  gone: [other]",
    ),
  );
  const set = loadJobSet(
    write(
      dir,
      "set.yaml",
      y(
        "platforms:",
        "  cluster:",
        "    hosts: c",
        "  gone: { hosts: g }",
        "platform_groups:",
        "  other: [localhost]",
        "  mine: [cluster, localhost]",
        "jobs:",
        "  a: { script: x, platform: mine }",
      ),
    ),
  );
  assert.deepEqual(
    set.platforms.specs.map((s) => [s.name, s.origin]),
    [
      ["cluster", `${set.path}:2`],
      ["gone", `${set.path}:4`],
    ],
  );
  // The user's group `any` now names the job set's group `other`: a group of groups.
  assert.throws(
    () => loadPlatformCatalog({ userFile: user, jobSet: set }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith(`${user}:6 (platform_groups.any[1]): other is a group`),
  );
  writeFileSync(
    user,
    y(
      "platforms:",
      "  cluster: { hosts: [a, b], max_batch: 5 }",
      "  other: { hosts: o }",
      "platform_groups:",
      "  gone: [other]",
    ),
  );
  const catalog = loadPlatformCatalog({ userFile: user, jobSet: set });
  const cluster = catalog.platforms.get("cluster");
  assert.deepEqual([cluster?.hosts, cluster?.maxBatch, cluster?.origin], [["c"], 100, `${set.path}:2`]);
  // A job set platform hides a user group of that name and the reverse.
  assert.deepEqual([...catalog.platforms.keys()].sort(), ["cluster", "gone", "localhost"]);
  assert.deepEqual([...catalog.groups.keys()].sort(), ["mine", "other"]);
  assert.deepEqual(catalog.groups.get("mine"), {
    name: "mine",
    platforms: ["cluster", "localhost"],
    origin: `${set.path}:7`,
  });
  assert.deepEqual(
    platformChoices(catalog, "mine").map((p) => p.name),
    ["cluster", "localhost"],
  );
  assert.deepEqual(
    platformChoices(catalog, "cluster").map((p) => p.name),
    ["cluster"],
  );
  assert.deepEqual(platformChoices(catalog, "nothing"), []);
  checkJobPlatforms(set, catalog);
});

test("group members must be known: the error names the member's file and line", (t) => {
  const dir = tempDir(t);
  const user = write(dir, "user.yaml", y("platform_groups:", "  g:", "    - localhost", "    - clustr"));
  assert.throws(
    () => loadPlatformCatalog({ userFile: user }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === `${user}:4 (platform_groups.g[1]): unknown platform "clustr" (known: localhost)`,
  );
  // A user group may name a platform the job set defines.
  writeFileSync(user, y("platform_groups:", "  g: [localhost, cl]"));
  const path = write(
    dir,
    "set.yaml",
    y(
      "jobs:",
      "  a: { script: x }",
      "platforms:",
      "  cl: { hosts: h }",
      "platform_groups:",
      "  h:",
      "    - cl",
      "    - nope",
    ),
  );
  const set = loadJobSet(path);
  assert.throws(
    () => loadPlatformCatalog({ userFile: user, jobSet: set }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith(`${path}:8 (platform_groups.h[1]): unknown platform "nope"`),
  );
  // Once the job set file has changed, the group's own line is named instead.
  writeFileSync(path, "changed\n");
  assert.throws(
    () => loadPlatformCatalog({ userFile: user, jobSet: set }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith(`${path}:6 (platform_groups.h[1]): unknown platform "nope"`),
  );
});

test("checkJobPlatforms names the job set line of an unknown platform or group", (t) => {
  const dir = tempDir(t);
  const path = write(
    dir,
    "set.yaml",
    y(
      "platform_groups:",
      "  g: [localhost]",
      "jobs:",
      "  a:",
      "    script: x",
      "    platform: g",
      "  b:",
      "    script: x",
      "    platform: clustr",
    ),
  );
  const set = loadJobSet(path);
  const catalog = loadPlatformCatalog({ userFile: null, jobSet: set });
  assert.throws(
    () => checkJobPlatforms(set, catalog),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message ===
        `${path}:9 (jobs.b.platform): unknown platform "clustr" (platforms: localhost; groups: g)`,
  );
  const path2 = write(
    dir,
    "set2.yaml",
    y("jobs:", "  a: { script: x, platform: localhost }", "platform: hpc"),
  );
  const set2 = loadJobSet(path2);
  assert.throws(
    () => checkJobPlatforms(set2, loadPlatformCatalog({ userFile: null, jobSet: set2 })),
    (e: unknown) =>
      e instanceof ConfigError && e.message.startsWith(`${path2}:3 (platform): unknown platform "hpc"`),
  );
  // Parsed from stored text (the file is elsewhere): the job's own line is named.
  const set3 = parseJobSet(y("jobs:", "  a:", "    script: x", "    platform: zz"), join(dir, "gone.yaml"));
  assert.throws(
    () => checkJobPlatforms(set3, loadPlatformCatalog({ userFile: null })),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith(`${join(dir, "gone.yaml")}:2 (jobs.a.platform): unknown platform "zz"`),
  );
});

test("a job set without platform sections still loads; its sections may be empty", () => {
  assert.deepEqual(parseJobSet(y("jobs:", "  a: { script: x }"), "s.yaml").platforms, {
    specs: [],
    groups: [],
  });
  const set = parseJobSet(y("platforms:", "platform_groups: {}", "jobs:", "  a: { script: x }"), "s.yaml");
  assert.deepEqual(set.platforms, { specs: [], groups: [] });
});
