/**
 * Checks of everything a batch request carries before any text is built: keys, paths, ids and
 * tokens from outside become a clear DroverError here, never a broken or injected program.
 */
import { DroverError, isValidName } from "../errors.js";
import type { BatchBase, HostPath } from "./batch-types.js";

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A request that cannot be sent: a programming or data error, not transient. */
export class BatchRequestError extends DroverError {
  constructor(message: string) {
    super(message);
    this.name = "BatchRequestError";
  }
}

/** Checks the fields every batch has. */
export function checkBase(req: BatchBase): void {
  checkHostPath(req.runDir, "runDir");
  if (typeof req.host !== "string" || req.host === "" || CONTROL.test(req.host)) throw bad("host", req.host);
  if (!(Number.isFinite(req.timeoutMs) && req.timeoutMs > 0)) throw bad("timeoutMs", req.timeoutMs);
}

/** A host path: absolute, `~` or `~/...`, no control characters, no `..` segment. */
export function checkHostPath(p: HostPath, what: string): void {
  if (typeof p !== "string" || p === "" || CONTROL.test(p)) throw bad(what, p);
  if (!(p.startsWith("/") || p === "~" || p.startsWith("~/")))
    throw bad(what, p, "must be absolute or start with ~/");
  if (p.split("/").includes("..")) throw bad(what, p, "must not contain ..");
}

/** A path relative to the run directory: plain segments only. */
export function checkRelPath(p: string, what: string): void {
  if (typeof p !== "string" || p === "" || CONTROL.test(p) || p.startsWith("/") || p.startsWith("~")) {
    throw bad(what, p);
  }
  if (p.split("/").some((s) => s === "" || s === "." || s === ".."))
    throw bad(what, p, "has an empty, . or .. segment");
}

/** A job key (`name/NN`): printable, one line, at most 500 characters. */
export function checkKey(key: string): void {
  if (typeof key !== "string" || key === "" || key.length > 500 || CONTROL.test(key))
    throw bad("job key", key);
}

/** Keys of one batch must be unique: replies are matched by key. */
export function checkUniqueKeys(keys: readonly string[]): void {
  const seen = new Set<string>();
  for (const k of keys) {
    checkKey(k);
    if (seen.has(k)) throw bad("job key", k, "appears twice in one batch");
    seen.add(k);
  }
}

/** A batch id: the journal's file name. */
export function checkBatchId(id: string): void {
  if (typeof id !== "string" || !isValidName(id)) throw bad("batchId", id);
}

/** A token: written as `DROVER_JOB_TOKEN=<token>` and into runner job names. */
export function checkToken(token: string): void {
  if (typeof token !== "string" || !/^[A-Za-z0-9_.+-]{1,200}$/.test(token)) throw bad("token", token);
}

/** A time limit: null or whole seconds. */
export function checkTimeLimit(s: number | null): void {
  if (s !== null && !(Number.isInteger(s) && s > 0 && s <= 100_000_000)) throw bad("timeLimitS", s);
}

/** `<runDir>/<rel>` as a host path. */
export function joinHostPath(runDir: HostPath, ...rel: string[]): HostPath {
  return [runDir.replace(/\/+$/, "") || "/", ...rel].join("/").replace(/^\/\//, "/");
}

function bad(what: string, value: unknown, why = "is not valid"): BatchRequestError {
  const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 200)) : String(value);
  return new BatchRequestError(`batch request: ${what} ${shown} ${why}`);
}
