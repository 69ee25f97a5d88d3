import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadJobSet, loadPlatformCatalog, type PlatformSpec } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { loadRunPlatforms } from "../../src/manager/platform-registry.js";
import { loadSiteRunner, resolveRunnerModule } from "../../src/runners/load-site-runner.js";
import { getRunner, runnerNames } from "../../src/runners/registry.js";

const TSP = pathToFileURL(path.resolve(import.meta.dirname, "../../examples/runners/tsp-runner.js")).href;

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-site-runner-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(dir: string, rel: string, text: string): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

/** A module whose runner is the tsp plugin's under another name. */
const renamed = (name: string, how: "default-fn" | "default-obj" | "named" = "default-fn") => {
  const make = `{ ...createRunner(), name: ${JSON.stringify(name)} }`;
  const exp =
    how === "default-fn"
      ? `export default () => (${make});`
      : how === "default-obj"
        ? `export default ${make};`
        : `export const createRunner2 = 1;\nexport function createRunner(o) { return { ...tsp(o), name: ${JSON.stringify(name)} }; }`;
  return how === "named"
    ? `import { createRunner as tsp } from ${JSON.stringify(TSP)};\n${exp}\n`
    : `import { createRunner } from ${JSON.stringify(TSP)};\n${exp}\n`;
};

/** The one platform `p` of a platforms file with `runner` and `runner_module` (line 2). */
function platform(dir: string, runner: string, module: string): PlatformSpec {
  const file = write(
    dir,
    "conf/platforms.yaml",
    `platforms:\n  p:\n    hosts: h1\n    runner: ${runner}\n    runner_module: ${JSON.stringify(module)}\n`,
  );
  return loadPlatformCatalog({ userFile: file }).platforms.get("p") as PlatformSpec;
}

async function rejectsConfig(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /platforms\.yaml:2 \(platforms\.p\.runner_module\): /);
    assert.match(err.message, message);
    return true;
  });
}

test("a path relative to the platform file loads, registers and checks the runner", async (t) => {
  const dir = tempDir(t);
  write(dir, "conf/runners/mine.js", renamed("mine-a"));
  const spec = platform(dir, "mine-a", "./runners/mine.js");
  assert.equal(spec.runnerModule, "./runners/mine.js");
  const runner = await loadSiteRunner(spec);
  assert.equal(runner.name, "mine-a");
  assert.equal(getRunner("mine-a"), runner);
  assert.ok(runnerNames().includes("mine-a"));
  // Loaded once: the same module again is the same runner.
  assert.equal(await loadSiteRunner(spec), runner);
});

test("default object, named createRunner, and a package beside the platform file", async (t) => {
  const dir = tempDir(t);
  write(dir, "conf/obj.js", renamed("mine-b", "default-obj"));
  assert.equal((await loadSiteRunner(platform(dir, "mine-b", "./obj.js"))).name, "mine-b");
  write(dir, "conf/named.mjs", renamed("mine-c", "named"));
  assert.equal(
    (await loadSiteRunner(platform(dir, "mine-c", path.join(dir, "conf/named.mjs")))).name,
    "mine-c",
  );
  write(
    dir,
    "conf/node_modules/site-runner-x/package.json",
    '{"name":"site-runner-x","type":"module","main":"i.js"}',
  );
  write(dir, "conf/node_modules/site-runner-x/i.js", renamed("mine-d"));
  assert.match(
    resolveRunnerModule("site-runner-x", path.join(dir, "conf/p.yaml")),
    /^file:.*site-runner-x\/i\.js$/,
  );
  assert.equal((await loadSiteRunner(platform(dir, "mine-d", "site-runner-x"))).name, "mine-d");
});

test("errors name the platform's file and line: missing, no runner, bad shape, wrong name", async (t) => {
  const dir = tempDir(t);
  await rejectsConfig(loadSiteRunner(platform(dir, "gone", "./nope.js")), /no such file .*conf\/nope\.js/);
  await rejectsConfig(
    loadSiteRunner(platform(dir, "gone", "no-such-package-xyz")),
    /no such module or package/,
  );
  write(dir, "conf/empty.js", "export const x = 1;\n");
  await rejectsConfig(loadSiteRunner(platform(dir, "empty", "./empty.js")), /exports no runner/);
  write(
    dir,
    "conf/bad.js",
    'export default { name: "bad", capabilities: { hostBound: 1 }, directives() {} };\n',
  );
  await rejectsConfig(
    loadSiteRunner(platform(dir, "bad", "./bad.js")),
    /not a valid runner: .*capabilities\.hostBound must be true or false.*parsePoll is not a function/,
  );
  write(dir, "conf/throws.js", "throw new Error('boom at import');\n");
  await rejectsConfig(
    loadSiteRunner(platform(dir, "throws", "./throws.js")),
    /failed to load: boom at import/,
  );
  write(dir, "conf/other.js", renamed("mine-e"));
  await rejectsConfig(
    loadSiteRunner(platform(dir, "mine-f", "./other.js")),
    /provides runner "mine-e", but the platform names runner "mine-f"/,
  );
  write(dir, "conf/twin.js", renamed("mine-a2"));
  write(dir, "conf/twin2.js", renamed("mine-a2"));
  await loadSiteRunner(platform(dir, "mine-a2", "./twin.js"));
  await rejectsConfig(loadSiteRunner(platform(dir, "mine-a2", "./twin2.js")), /provided by two modules/);
});

test("the schema: runner_module needs a new runner name; unknown runners still need a module", (t) => {
  const dir = tempDir(t);
  const load = (lines: string) => () =>
    loadPlatformCatalog({ userFile: write(dir, "p.yaml", `platforms:\n  p:\n    hosts: h1\n${lines}`) });
  assert.throws(load("    runner_module: ./x.js\n"), /p\.yaml:4 .*runner_module needs runner:/);
  assert.throws(
    load("    runner: slurm\n    runner_module: ./x.js\n"),
    /p\.yaml:4 .*runner slurm is built in/,
  );
  assert.throws(
    load("    runner: condor\n"),
    /unknown runner "condor" \(known: .*\); a site runner also needs runner_module/,
  );
  assert.throws(load("    runner: Bad!\n    runner_module: ./x.js\n"), /bad runner name "Bad!"/);
  assert.throws(load('    runner: x\n    runner_module: ""\n'), /bad runner_module "": empty/);
  assert.throws(load('    runner: x\n    runner_module: "a\\nb"\n'), /no line breaks/);
  assert.equal(
    loadPlatformCatalog({ userFile: write(dir, "q.yaml", "platforms:\n  p: { hosts: h }\n") }).platforms.get(
      "p",
    )?.runnerModule,
    null,
  );
});

test("a run's platforms load the site runners its jobs use, from the job set's own section", async (t) => {
  const dir = tempDir(t);
  write(dir, "lib/site.js", renamed("mine-g"));
  const file = write(
    dir,
    "set.yaml",
    [
      "platforms:",
      "  spool: { hosts: h1, runner: mine-g, runner_module: ./lib/site.js }",
      "  unused: { hosts: h2, runner: mine-h, runner_module: ./lib/missing.js }",
      "jobs:",
      "  a: { platform: spool, script: echo a }",
      "",
    ].join("\n"),
  );
  const rp = await loadRunPlatforms(
    loadJobSet(file),
    loadPlatformCatalog({ userFile: null, jobSet: loadJobSet(file) }),
  );
  assert.equal(rp.platforms.get("spool")?.runnerKey, "mine-g");
  // A platform no job uses is not loaded (nor is its missing module an error).
  assert.equal(rp.platforms.has("unused"), false);
});
