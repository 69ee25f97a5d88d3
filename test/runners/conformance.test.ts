/**
 * One conformance suite over every runner (DESIGN.md, "Runner interface (pure)"): the pure checks
 * for all of them (built in, and the task-spooler site runner of examples/runners/), and the same
 * real scenario (submit three jobs, see two end and one run, look it up by name, kill it) for
 * background, Slurm, Grid Engine, at and tsp, run side by side to keep the suite short.
 */
import { test } from "node:test";
import { getRunner, registerRunner } from "../../src/runners/registry.js";
import type { Runner } from "../../src/runners/runner.js";
import { checkBuilders, checkDirectives, checkParsers, checkShape } from "./conformance/pure-checks.js";
import { runScenario } from "./conformance/scenario.js";
import { openBackground, openQueue, openTsp, TSP_MODULE, type Opened } from "./conformance/targets.js";

const BUILT_IN = ["background", "slurm", "sge", "at", "pbs", "lsf"] as const;

/** The plugin as a site would load it: its default export, called with no options. */
const plugin = (await import(TSP_MODULE)) as { default: (o: object) => Runner };

for (const name of [...BUILT_IN, "tsp"]) {
  test(`pure: ${name}`, () => {
    const runner = name === "tsp" ? plugin.default({}) : getRunner(name);
    checkShape(runner);
    checkDirectives(runner);
    checkBuilders(runner);
    checkParsers(runner);
  });
}

test("the plugin registers like a built-in runner", () => {
  registerRunner(plugin.default({}));
  checkShape(getRunner("tsp"));
});

const opens: Record<string, () => Opened | Promise<Opened>> = {
  background: openBackground,
  slurm: () => openQueue("slurm"),
  sge: () => openQueue("sge"),
  at: () => openQueue("at"),
  tsp: openTsp,
};

test("behaviour: submit, end, list, look up, kill", { concurrency: true, timeout: 240_000 }, async (t) => {
  // The hosts start one after the other (their scripts install packages on a fresh machine).
  const opened = new Map<string, Opened>();
  for (const [name, open] of Object.entries(opens)) opened.set(name, await open());
  await Promise.all(
    [...opened].map(([name, o]) =>
      t.test(name, { skip: "skip" in o ? o.skip : false }, async () => {
        if (!("target" in o)) return;
        try {
          await runScenario(o.target);
        } finally {
          await o.target.close();
        }
      }),
    ),
  );
});
