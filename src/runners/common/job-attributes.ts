/**
 * The generic job attributes every queue runner maps to its own directives, and the checks on raw
 * per-runner directives (shared by slurm and sge; at has no directives).
 */
import { ConfigError } from "../../errors.js";
import { isReservedDirective } from "../../config/job-set-schema.js";
import type { DirectiveJob } from "../runner.js";

/** Generic resources a job asks for; each runner maps them to its directives. */
export interface JobAttributes {
  /** Memory for the whole job, in bytes (rounded up to MiB). */
  memoryBytes?: number;
  /** CPUs (cores) for the job's one task. */
  cpus?: number;
  /** Nodes (Slurm only). */
  nodes?: number;
  /** Queue (SGE) or partition (Slurm). */
  queue?: string;
  /** Account to charge. */
  account?: string;
}

/**
 * What a runner's `directives()` may be handed beyond the interface's DirectiveJob: generic
 * attributes and raw directives (option -> value; "" for a flag). Proposed for DirectiveJob.
 */
export interface DirectiveJobExtras extends DirectiveJob {
  attributes?: JobAttributes;
  raw?: Readonly<Record<string, string>>;
}

const KEY = /^(-[A-Za-z]|--?[A-Za-z][A-Za-z0-9_-]*)$/;
const WORD = /^[A-Za-z0-9_][A-Za-z0-9_.+@-]*$/;

/** Checks the generic attributes: positive integers, queue and account as plain words. */
export function checkAttributes(runner: string, a: JobAttributes): void {
  const bad = (key: string, why: string): never => {
    throw new ConfigError(`${runner}: ${why}`, { keyPath: `attributes.${key}` });
  };
  for (const key of ["memoryBytes", "cpus", "nodes"] as const) {
    const v = a[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) bad(key, `${key} must be a positive integer`);
  }
  for (const key of ["queue", "account"] as const) {
    const v = a[key];
    if (v !== undefined && !WORD.test(v)) bad(key, `bad ${key} ${JSON.stringify(v)}`);
  }
}

/** MiB from bytes, rounded up (the unit both Slurm and SGE take without ambiguity). */
export function mebibytes(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}

/**
 * The raw directives as checked [key, value] pairs: option-like keys, one-line values, none that
 * Drover sets itself (the config's reserved list plus the runner's own `extraReserved`).
 */
export function rawEntries(
  runner: string,
  raw: Readonly<Record<string, string>> | undefined,
  extraReserved: readonly string[],
): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(raw ?? {})) {
    const where = { keyPath: `directives.${key}` };
    if (!KEY.test(key)) throw new ConfigError(`${runner}: bad directive ${JSON.stringify(key)}`, where);
    if (isReservedDirective(key) || extraReserved.includes(key) || isPrefixOf(key, extraReserved))
      throw new ConfigError(`${runner}: reserved directive ${key} is set by Drover`, where);
    if (typeof value !== "string" || /[\r\n\0]/.test(value))
      throw new ConfigError(`${runner}: a directive value must be one line`, where);
    out.push([key, value]);
  }
  return out;
}

/** A long option abbreviated (`--ti` for `--time`), as getopt_long accepts. */
function isPrefixOf(key: string, list: readonly string[]): boolean {
  return key.startsWith("--") && key.length > 3 && list.some((r) => r.startsWith("--") && r.startsWith(key));
}

/** The job name, checked: it is a directive value and a queue filter, so plain characters only. */
export function checkJobName(runner: string, name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/.test(name))
    throw new ConfigError(`${runner}: bad job name ${JSON.stringify(name)}`);
  return name;
}
