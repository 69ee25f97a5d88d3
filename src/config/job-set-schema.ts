/**
 * The job set file format as a zod schema (strict: unknown keys are errors) and the normalised types
 * the loader returns. Checks that span jobs (needs, cycles) live in check-job-needs.ts.
 */
import { z } from "zod";
import { parseSize } from "./parse-size.js";
import type { PlatformGroupSpec, PlatformSpec } from "./platform-types.js";
import { checkSection, platformSectionShape } from "./platforms-schema.js";
import {
  delaysSchema as delays,
  durationSchema as duration,
  nameSchema as name,
  typeName,
} from "./schema-parts.js";

export { typeName };

/** One job of a job set, with every default applied. */
export interface JobSpec {
  name: string;
  script: string;
  needs: string[];
  env: Record<string, string>;
  envExpand: boolean;
  platform: string;
  timeLimitS: number | null;
  retries: { submission: number[]; execution: number[] };
  /** Which retry lists the job gave itself; the others come from its platform's defaults. */
  retriesGiven: { submission: boolean; execution: boolean };
  /** Generic resources, mapped by each batch runner to its own directives. */
  attributes: { memoryBytes?: number; cpus?: number; nodes?: number; queue?: string; account?: string };
  directives: Record<string, string>;
  /** Line of the job's key in the file (1-based). */
  line: number;
}

/** A loaded, validated job set. */
export interface JobSet {
  /** Absolute path of the file. */
  path: string;
  /** Absolute directory of the file. */
  dir: string;
  /** sha256 hex of the file's bytes. */
  hash: string;
  platform: string;
  maxActive: number | null;
  /** Jobs in file order. */
  jobs: JobSpec[];
  /** The job set's own `platforms:` and `platform_groups:` (validated; they win over the user file's). */
  platforms: { specs: PlatformSpec[]; groups: PlatformGroupSpec[] };
}

/** Largest job script accepted, in bytes (UTF-8). */
export const SCRIPT_MAX_BYTES = 1024 * 1024;

/** Env names: shell identifiers. Names starting with `DROVER_` are Drover's own. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Directive keys: a runner option, `-x` or `--long-name`. */
export const DIRECTIVE_KEY_PATTERN = /^-{1,2}[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Directives Drover sets itself, for every runner: job name, output and error paths, the time-limit
 * signal or warning, the cluster, the join of output streams (Slurm, PBS, SGE, LSF spellings).
 */
// prettier-ignore
export const RESERVED_DIRECTIVES: readonly string[] = [
  "-J", "--job-name", "-o", "--output", "-e", "--error", "--signal", "-M", "--clusters",
  "-N", "-j", "-oo", "-eo", "-wa", "-wt",
];

/** True when a directive key sets something Drover owns (long options also by unique prefix, as sbatch allows). */
export function isReservedDirective(key: string): boolean {
  if (RESERVED_DIRECTIVES.includes(key)) return true;
  // getopt_long accepts abbreviations: "--job-na" means "--job-name".
  return (
    key.startsWith("--") &&
    key.length > 3 &&
    RESERVED_DIRECTIVES.some((r) => r.startsWith("--") && r.startsWith(key))
  );
}

const scalarText = (what: string) =>
  z
    .union([z.string(), z.number(), z.boolean()], {
      errorMap: (_i, ctx) => ({
        message: `${what} must be a string, number or boolean, got ${typeName(ctx.data)}`,
      }),
    })
    .transform(String);

const envName = z.string().superRefine((s, ctx) => {
  if (!ENV_NAME_PATTERN.test(s) || s === "__proto__")
    ctx.addIssue({
      code: "custom",
      message: `bad env name ${JSON.stringify(s)}: expected [A-Za-z_][A-Za-z0-9_]*`,
    });
  else if (s.startsWith("DROVER_"))
    ctx.addIssue({
      code: "custom",
      message: `env name ${s} is reserved: names starting with DROVER_ are Drover's`,
    });
});

const directiveKey = z.string().superRefine((s, ctx) => {
  if (!DIRECTIVE_KEY_PATTERN.test(s))
    ctx.addIssue({
      code: "custom",
      message: `bad directive ${JSON.stringify(s)}: expected an option like --mem or -q`,
    });
  else if (isReservedDirective(s))
    ctx.addIssue({ code: "custom", message: `reserved directive ${s} is set by Drover` });
});

const directiveValue = scalarText("a directive value").refine((s) => !/[\r\n\0]/.test(s), {
  message: "a directive value must be one line (no newline or NUL)",
});

const script = z.string().superRefine((s, ctx) => {
  const bytes = Buffer.byteLength(s, "utf8");
  if (s.trim() === "") ctx.addIssue({ code: "custom", message: "script is empty" });
  else if (bytes > SCRIPT_MAX_BYTES)
    ctx.addIssue({
      code: "custom",
      message: `script is ${bytes} bytes; at most ${SCRIPT_MAX_BYTES} (1 MiB)`,
    });
  else if (s.includes("\0")) ctx.addIssue({ code: "custom", message: "script contains a NUL byte" });
});

/** One job as written in the file, normalised except for the platform (null = the set's default). */
export const jobSchema = z
  .object({
    script,
    needs: z
      .union([z.string(), z.array(z.string())], {
        errorMap: (_i, ctx) => ({
          message: `needs must be a job name or a list of them, got ${typeName(ctx.data)}`,
        }),
      })
      .transform((n) => (typeof n === "string" ? [n] : n))
      .default([]),
    env: z.record(envName, scalarText("an env value")).default({}),
    env_expand: z.boolean().default(false),
    time_limit: duration("time_limit", true).nullable().default(null),
    retries: z
      .object({ submission: delays("submission retry delay"), execution: delays("execution retry delay") })
      .partial()
      .strict()
      .default({}),
    platform: name("platform name").nullable().default(null),
    directives: z.record(directiveKey, directiveValue).default({}),
    memory: z
      .union([z.string(), z.number()])
      .transform((v, ctx) => {
        try {
          return parseSize(v);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: (err as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    cpus: z.number().int().min(1).max(100_000).optional(),
    nodes: z.number().int().min(1).max(100_000).optional(),
    queue: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+@-]{0,127}$/, "queue: letters, digits and _ . + @ - only")
      .optional(),
    account: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+@-]{0,127}$/, "account: letters, digits and _ . + @ - only")
      .optional(),
  })
  .strict()
  .transform((j) => ({
    script: j.script,
    needs: j.needs,
    env: j.env,
    envExpand: j.env_expand,
    timeLimitS: j.time_limit,
    retries: { submission: j.retries.submission ?? [], execution: j.retries.execution ?? [] },
    retriesGiven: {
      submission: j.retries.submission !== undefined,
      execution: j.retries.execution !== undefined,
    },
    platform: j.platform,
    directives: j.directives,
    attributes: {
      ...(j.memory !== undefined ? { memoryBytes: j.memory } : {}),
      ...(j.cpus !== undefined ? { cpus: j.cpus } : {}),
      ...(j.nodes !== undefined ? { nodes: j.nodes } : {}),
      ...(j.queue !== undefined ? { queue: j.queue } : {}),
      ...(j.account !== undefined ? { account: j.account } : {}),
    },
  }));

/**
 * The whole file, accepting platforms of the given runners. Job names are checked here; needs and
 * cycles across jobs afterwards; job platforms against the catalog (checkJobPlatforms).
 */
export const makeJobSetSchema = (runners?: readonly string[]) =>
  z
    .object({
      platform: name("platform name").default("localhost"),
      max_active: z
        .number()
        .int("max_active must be a whole number")
        .positive("max_active must be at least 1")
        .max(10_000_000, "max_active must be at most 10000000")
        .nullable()
        .default(null),
      jobs: z.record(name("job name"), jobSchema).refine((jobs) => Object.keys(jobs).length > 0, {
        message: "jobs is empty: a job set needs at least one job",
      }),
      ...platformSectionShape(runners),
    })
    .strict()
    .superRefine(checkSection);

/** The whole file, with the built-in runners. */
export const jobSetSchema = makeJobSetSchema();

/** The top-level keys of a job set, in the order of the docs. */
export const JOB_SET_KEYS: readonly string[] = Object.keys(jobSetSchema.innerType().shape);

/** What {@link jobSetSchema} produces. */
export type JobSetBody = z.output<typeof jobSetSchema>;
