/**
 * Value schemas of a platform's keys: hosts, commands (ssh, rsync, shell), sizes, log retrieval,
 * polling lists, run roots and signals. Each refuses bad input with a message naming the value.
 */
import { z } from "zod";
import { configErrorMap } from "./parse-yaml-config.js";
import { parseSize, SizeError } from "./parse-size.js";
import { delaysSchema, durationSchema, typeName } from "./schema-parts.js";

/** Host names: what ssh takes as a destination, and nothing a shell or ssh's option parser would read. */
export const HOST_PATTERN = /^[A-Za-z0-9_:][A-Za-z0-9_.@:%+-]*$/;

const host = z.string().superRefine((s, ctx) => {
  const bad = (why: string) =>
    ctx.addIssue({ code: "custom", message: `bad host ${JSON.stringify(s)}: ${why}` });
  if (s === "") bad("empty");
  else if (s.length > 255) bad("longer than 255 characters");
  else if (s.startsWith("-")) bad("a host cannot start with - (ssh would read it as an option)");
  else if (/\s/.test(s)) bad("no spaces or other white space");
  else if (!HOST_PATTERN.test(s)) bad("use letters, digits and . _ - @ : % + (no shell characters)");
});

/**
 * A value written in one of several forms: `pick` chooses the schema for the form given (or returns
 * a message), so a mistake inside a mapping or list is reported there, not as "no form matched".
 */
export function byForm<T>(pick: (value: unknown) => z.ZodType<T, z.ZodTypeDef, unknown> | string) {
  return z.unknown().transform((value, ctx): T => {
    const schema = pick(value);
    if (typeof schema === "string") {
      // Fatal: later refinements must not see the unparsed value.
      ctx.addIssue({ code: "custom", message: schema, fatal: true });
      return z.NEVER;
    }
    const result = schema.safeParse(value, { errorMap: configErrorMap });
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, fatal: true });
    return z.NEVER;
  });
}

/** One value or a non-empty list of them, as a list. */
export const oneOrList = <T>(item: z.ZodType<T, z.ZodTypeDef, unknown>, what: string, empty: string) =>
  byForm<T[]>((v) =>
    Array.isArray(v)
      ? z.array(item).min(1, empty)
      : typeof v === "string" || typeof v === "number"
        ? item.transform((x) => [x])
        : `${what} must be one value or a list, got ${typeName(v)}`,
  );

/** `hosts`: one host or a list of them, none twice. */
export const hostsSchema = oneOrList(host, "hosts", "hosts is empty: give at least one").superRefine(
  (list, ctx) => {
    list.forEach((h, i) => {
      if (list.indexOf(h) < i)
        ctx.addIssue({ code: "custom", path: [i], message: `host ${h} is listed twice` });
    });
  },
);

/** One argv word: any text but no NUL or line break (argv never goes through a shell here). */
const word = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine((s) => s !== "" && !/[\0\r\n]/.test(s), { message: "an argument must be non-empty, on one line" });

/** A command: one string split on spaces, or a list of words; never starting with `-`. */
const command = (what: string, pattern?: RegExp) =>
  byForm<string[]>((v) =>
    typeof v === "string"
      ? z.string().transform((s) => s.trim().split(/\s+/).filter(Boolean))
      : Array.isArray(v)
        ? z.array(word)
        : `${what} must be a string or a list, got ${typeName(v)}`,
  ).superRefine((words, ctx) => {
    if (words.length === 0) ctx.addIssue({ code: "custom", message: `${what} is empty` });
    else if (words[0]!.startsWith("-"))
      ctx.addIssue({ code: "custom", message: `${what} must start with a program` });
    const odd = pattern && words.find((w) => !pattern.test(w));
    if (odd !== undefined)
      ctx.addIssue({
        code: "custom",
        message: `${what} word ${JSON.stringify(odd)} is not allowed: the remote shell reads it, so use letters, digits and _ @ % + = : , . / - only`,
      });
  });

const options = z.array(word).max(200, "at most 200 options");

/** How to run a program: `{ command, options }`, both optional. */
export const programSchema = (what: string) =>
  z
    .object({ command: command(what), options })
    .partial()
    .strict();

/** `ssh: none` (SSH-free: local processes) or `{ command, options }`. */
export const sshSchema = byForm((v) =>
  v === "none"
    ? z.literal("none").transform(() => null)
    : typeof v === "object" && v !== null && !Array.isArray(v)
      ? programSchema("ssh.command")
      : `ssh must be a mapping { command, options } or none, got ${typeName(v)}`,
);

// The remote shell parses ssh's command line, so shell words are limited to harmless characters.
export const shellSchema = command("shell", /^[A-Za-z0-9_@%+=:,./-]+$/).transform((w) =>
  w.at(-1) === "-s" ? w : [...w, "-s"],
);

const size = z
  .union([z.number(), z.string()], {
    errorMap: (_i, ctx) => ({ message: `max_size must be a size such as 10MiB, got ${typeName(ctx.data)}` }),
  })
  .transform((v, ctx) => {
    try {
      const bytes = parseSize(v);
      if (bytes < 1) throw new SizeError("max_size must be at least 1 byte");
      return bytes;
    } catch (err) {
      if (!(err instanceof SizeError)) throw err;
      ctx.addIssue({ code: "custom", message: err.message });
      return z.NEVER;
    }
  });

/** `retrieve_logs`: `{ max_size, retry_delays }`, `true` (the defaults) or `false` (never). */
export const retrieveLogsSchema = byForm<{ maxSizeBytes?: number; retryDelaysS?: number[] } | null>((v) =>
  typeof v === "boolean"
    ? z.boolean().transform((on) => (on ? {} : null))
    : typeof v === "object" && v !== null && !Array.isArray(v)
      ? z
          .object({ max_size: size, retry_delays: delaysSchema("log retry delay") })
          .partial()
          .strict()
          .transform((l) => ({ maxSizeBytes: l.max_size, retryDelaysS: l.retry_delays }))
      : `retrieve_logs must be a mapping { max_size, retry_delays } or false, got ${typeName(v)}`,
);

/** A polling list: positive durations (zero would poll without pause), the last repeating. */
export const intervalsSchema = (what: string) =>
  z
    .array(durationSchema(what, true))
    .min(1, `give at least one ${what} (the last one repeats)`)
    .max(100, `at most 100 ${what}s`);

/** A whole number from 1 to `max`. */
export const wholeSchema = (key: string, max: number) =>
  z
    .number()
    .int(`${key} must be a whole number`)
    .min(1, `${key} must be at least 1`)
    .max(max, `${key} must be at most ${max}`);

/** One `install` entry: a folder beside the job set, as a relative path. */
export const installEntrySchema = z
  .string()
  .refine(
    (s) => s.split("/").every((seg) => /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(seg) && !seg.includes("..")),
    {
      message: "an install entry is a relative path of names (letters, digits, _ . + -), no .., no leading /",
    },
  );

/** One of a few words, with a message naming them. */
export const enumSchema = <const T extends [string, ...string[]]>(key: string, values: T) =>
  z.enum(values, {
    errorMap: (_i, ctx) => ({
      message: `${key} must be ${values.join(" or ")}, got ${JSON.stringify(ctx.data)}`,
    }),
  });

/** `~`, `~/...` or an absolute path; no `.` or `..` parts, one line; a trailing `/` is dropped. */
const runRootText = z.string().transform((s, ctx) => {
  const bad = (why: string) => {
    ctx.addIssue({ code: "custom", message: `bad run_root ${JSON.stringify(s.slice(0, 80))}: ${why}` });
    return z.NEVER;
  };
  if (!(s === "~" || s.startsWith("~/") || s.startsWith("/")))
    return bad("use an absolute path or one under ~/ (the home directory on the host)");
  if ([...s].some((c) => c < " " || c === "\x7f")) return bad("no line breaks or control characters");
  if (s.length > 1024) return bad("longer than 1024 characters");
  const parts = s.split("/").filter((p, i) => i === 0 || p !== "");
  if (parts.some((p) => p === "." || p === "..")) return bad("no . or .. parts");
  const clean = parts.join("/");
  return clean === "" ? bad("the root directory cannot hold runs") : clean;
});

/** `run_root`: `~`, `~/...` or an absolute path (a bare YAML `~` is null: told to quote it). */
export const runRootSchema = byForm((v) =>
  v === null
    ? 'run_root is empty: in YAML a bare ~ means nothing, so quote it ("~")'
    : typeof v === "string"
      ? runRootText
      : `run_root must be a path, got ${typeName(v)}`,
);

/** Signals a job's trap can catch (Linux names without SIG); KILL, STOP and CHLD are not among them. */
// prettier-ignore
export const TRAPPABLE_SIGNALS: readonly string[] = [
  "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
  "TERM", "STKFLT", "CONT", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
  "IO", "PWR", "SYS",
];

/** A list of signal names, normalised (`sigterm` is `TERM`); `pseudo` also allows bash's ERR and EXIT. */
const signalList = (what: string, pseudo: boolean) =>
  z
    .array(z.string())
    .max(40)
    .transform((names, ctx) => {
      const out: string[] = [];
      names.forEach((raw, i) => {
        const name = raw.toUpperCase().replace(/^SIG/, "");
        const ok = TRAPPABLE_SIGNALS.includes(name) || (pseudo && (name === "ERR" || name === "EXIT"));
        if (!ok)
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `${JSON.stringify(raw)} is not a ${what} signal a job can trap`,
          });
        else if (!out.includes(name)) out.push(name);
      });
      return out;
    });

/** `signals: { fail, vacation }`: a signal cannot be both. */
export const signalsSchema = z
  .object({ fail: signalList("fail", true), vacation: signalList("vacation", false) })
  .partial()
  .strict()
  .superRefine((s, ctx) => {
    const both = s.fail?.find((n) => s.vacation?.includes(n));
    if (both !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["vacation"],
        message: `signal ${both} cannot be both a fail and a vacation signal`,
      });
  });

/**
 * `runner_module`: a path (absolute, or relative to the file that defines the platform) or a
 * package name; one line of text, loaded by the manager at run start.
 */
export const runnerModuleSchema = z.string().superRefine((s, ctx) => {
  const bad = (why: string) =>
    ctx.addIssue({ code: "custom", message: `bad runner_module ${JSON.stringify(s.slice(0, 80))}: ${why}` });
  if (s.trim() === "") bad("empty");
  else if (s.length > 4096) bad("longer than 4096 characters");
  else if ([...s].some((c) => c < " " || c === "\x7f")) bad("no line breaks or control characters");
  else if (s !== s.trim()) bad("no leading or trailing spaces");
});
