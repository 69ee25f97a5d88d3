/**
 * Loads a runner output fixture: leading `#` lines are its header (source address, kind, and the
 * `rc:` and `asked:` facts the test needs); the rest is the command's output, byte for byte.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JobRef, ParsedPoll } from "../../src/runners/runner.js";

/** One fixture: output text, exit code, and the job IDs the command was asked about. */
export interface RunnerFixture {
  text: string;
  rc: number;
  asked: string[];
  header: string[];
}

/** Reads `test/fixtures/runners/<runner>/<name>`. */
export function loadFixture(runner: string, name: string): RunnerFixture {
  const path = fileURLToPath(new URL(`../fixtures/runners/${runner}/${name}`, import.meta.url));
  const lines = readFileSync(path, "utf8").split("\n");
  const header: string[] = [];
  while (lines[0]?.startsWith("#")) header.push(lines.shift() as string);
  const fact = (k: string): string | undefined =>
    header
      .find((h) => h.startsWith(`# ${k}:`))
      ?.slice(k.length + 3)
      .trim();
  return {
    text: lines.join("\n"),
    rc: Number(fact("rc") ?? "0"),
    asked: (fact("asked") ?? "").split(" ").filter((s) => s !== ""),
    header,
  };
}

/** Job refs for IDs, keyed `j<ID>/01`. */
export function refs(ids: readonly string[]): JobRef[] {
  return ids.map((id) => ({ key: `j${id}/01`, jobId: id, runnerData: {} }));
}

/** Asserts every fixture's header names its source and whether it is real or constructed. */
export function assertFixtureHeaders(runner: string, names: readonly string[]): void {
  for (const f of names) {
    const h = loadFixture(runner, f).header.join("\n");
    assert.match(h, /# source: .*(https?:\/\/|constructed)/, f);
    assert.match(h, /# kind: (real sample|constructed)/, f);
  }
}

/** A successful poll's answers by job ID (keys made by `refs`): the runner state, or the kind. */
export function pollStates(p: ParsedPoll): Record<string, string> {
  assert.ok(p.ok, p.ok ? "" : p.error);
  return Object.fromEntries(
    [...p.answers].map(([k, a]) => [
      k.replace(/^j/, "").replace(/\/01$/, ""),
      a.kind === "listed" ? a.runnerState : a.kind,
    ]),
  );
}

/** A small seeded PRNG (mulberry32): fuzz inputs are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random text: bytes, JSON-ish and qstat/bjobs-ish fragments mixed. */
export function randomText(rand: () => number, pieces: readonly string[]): string {
  let s = "";
  const n = Math.floor(rand() * 40);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.4) s += pieces[Math.floor(rand() * pieces.length)] ?? "";
    else if (r < 0.7) s += String.fromCharCode(Math.floor(rand() * 256));
    else s += rand() < 0.5 ? "\n" : " ";
  }
  return s;
}
