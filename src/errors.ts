/**
 * One error family for the whole project. `transient` drives retries (a refused connection is
 * transient, a bad host key is not); retry logic reads the flag, never the message text.
 */
export class DroverError extends Error {
  readonly transient: boolean;
  constructor(message: string, opts: { transient?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DroverError";
    this.transient = opts.transient ?? false;
  }
}

/** A user's mistake in a job set, platform file or command line: shown as one line, no stack. */
export class ConfigError extends DroverError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly keyPath: string | undefined;
  constructor(message: string, where: { file?: string; line?: number; keyPath?: string } = {}) {
    const place = [where.file, where.line].filter((x) => x !== undefined).join(":");
    const key = where.keyPath ? ` (${where.keyPath})` : "";
    super(place ? `${place}${key}: ${message}` : `${message}${key}`);
    this.name = "ConfigError";
    this.file = where.file;
    this.line = where.line;
    this.keyPath = where.keyPath;
  }
}

/** A mistake in how a command was called (bad run name, unknown job, run busy): one line, no stack. */
export class UsageError extends DroverError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Job and run names: `^[A-Za-z0-9_][A-Za-z0-9_.+-]*$` (no `/`, no `..` at the start, safe in shell and paths). */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** Longest job or run name accepted: keeps paths and runner job names within limits. */
export const NAME_MAX = 120;

/** True when `name` is a valid job or run name. */
export function isValidName(name: string): boolean {
  return name.length <= NAME_MAX && NAME_PATTERN.test(name) && !name.includes("..");
}
