/**
 * Runs a runner's real query command (`sh -c` with its chunks, or the bare command) with a fake
 * runner tool first on PATH: a tiny real executable that logs each call's arguments and prints what
 * the test asks for. Used by the PBS and LSF chunking tests.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CommandSpec, QueryReply } from "../../src/runners/runner.js";

/** A temp dir holding `<tool>`, an executable with the given sh body; `calls` reads its log. */
export interface FakeTool {
  dir: string;
  /** Each call's arguments, one array per call. */
  calls(): string[][];
  /** Runs `spec` with the fake tool on PATH; the reply as the batch program would hand it over. */
  run(spec: CommandSpec): QueryReply;
  cleanup(): void;
}

/** Makes `tool` whose body (sh) runs after it has logged its arguments one per line. */
export function fakeTool(tool: string, body: string): FakeTool {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drover-chunks-"));
  const log = path.join(dir, "calls.log");
  fs.writeFileSync(
    path.join(dir, tool),
    `#!/bin/sh\n{ echo '@@call'; printf '%s\\n' "$@"; } >>${JSON.stringify(log)}\n${body}\n`,
    { mode: 0o755 },
  );
  return {
    dir,
    calls: () => {
      if (!fs.existsSync(log)) return [];
      const parts = fs.readFileSync(log, "utf8").split("@@call\n").slice(1);
      return parts.map((p) => p.split("\n").filter((l) => l !== ""));
    },
    run: (spec) => {
      const argv = spec.argv.map((a) => (typeof a === "string" ? a : a.path));
      const r = spawnSync(argv[0] as string, argv.slice(1), {
        encoding: "utf8",
        env: { ...process.env, PATH: `${dir}:${process.env["PATH"] ?? "/usr/bin:/bin"}` },
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 256 * 1024 * 1024,
      });
      return { rc: r.status ?? -1, text: `${r.stdout}${r.stderr}`, boot: "b" };
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
