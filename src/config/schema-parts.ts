/**
 * Zod pieces shared by the job set and platform schemas: durations, delay lists, names, and the
 * short type names used in messages. Kept apart so both schemas import them without a cycle.
 */
import { z } from "zod";
import { isValidName } from "../errors.js";
import { DurationError, parseDuration } from "./duration.js";

/** A short type name for messages: "a list", "a mapping", "null". */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}

/** An ISO 8601 duration string, parsed to seconds; `positive` refuses zero. */
export const durationSchema = (what: string, positive: boolean) =>
  z.unknown().transform((value, ctx) => {
    try {
      if (typeof value !== "string")
        throw new DurationError(`${what} must be an ISO 8601 duration such as PT5M, got ${typeName(value)}`);
      const s = parseDuration(value);
      if (positive && s === 0) throw new DurationError(`${what} must be longer than zero`);
      return s;
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message });
      return z.NEVER;
    }
  });

/** A list of delays (one per retry), at most 100. */
export const delaysSchema = (what: string) =>
  z.array(durationSchema(what, false)).max(100, `at most 100 ${what}s`);

/** A job, run, platform or group name (see isValidName); `__proto__` is never one. */
export const nameSchema = (what: string) =>
  z.string().superRefine((s, ctx) => {
    if (s === "__proto__" || !isValidName(s))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `bad ${what} ${JSON.stringify(s)}: use letters, digits and _ . + - (not first), no "..", at most 120 characters`,
      });
  });
