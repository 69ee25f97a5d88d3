/**
 * What every host operation shares: the base result (with the login shell's explanation when no
 * start marker came), the checks of its request, and small reply helpers.
 */
import { isValidName } from "../errors.js";
import type { CommandResult } from "../transport/command-result.js";
import type { BatchResultBase, HostPath } from "./batch-types.js";
import { baseResult } from "./batch-result.js";
import { explainNotStarted } from "./login-shell.js";
import type { ParsedReply, ReplySection } from "./reply-parser.js";
import { BatchRequestError, checkHostPath } from "./validate.js";
import type { SharedMarker } from "./host-ops-types.js";

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The shared result fields; a program that did not start says why (login shell, ssh, ...). */
export function hostOpBase(
  what: string,
  result: CommandResult,
  reply: ParsedReply,
  shell: readonly string[],
): BatchResultBase {
  const base = baseResult(what, result, reply);
  // An error section before the start marker (a missing tool) already says why: keep it.
  const told = reply.sections.some((s) => s.kind === "error");
  if (!base.started && !told) base.error = `${what} did not start: ${explainNotStarted(result, shell)}`;
  return base;
}

/** The single section of `kind` in the reply, when it closed with rc 0. */
export function okSection(reply: ParsedReply, kind: string): ReplySection | undefined {
  return reply.sections.find((s) => s.kind === kind && s.rc === 0);
}

/** Checks host and timeout of a request. */
export function checkOpBase(req: { host: string; timeoutMs: number }): void {
  if (typeof req.host !== "string" || req.host === "" || CONTROL.test(req.host)) {
    throw new BatchRequestError(`host request: host ${JSON.stringify(req.host)} is not valid`);
  }
  if (!(Number.isFinite(req.timeoutMs) && req.timeoutMs > 0)) {
    throw new BatchRequestError(`host request: timeoutMs ${String(req.timeoutMs)} is not valid`);
  }
}

/** Checks a host path and returns it without trailing slashes or doubled ones. */
export function cleanHostPath(p: HostPath, what: string): HostPath {
  checkHostPath(p, what);
  const c = p.replace(/\/{2,}/g, "/").replace(/(.)\/+$/, "$1");
  return c;
}

/** A marker names one file: a valid name. */
export function checkMarker(m: SharedMarker | undefined): void {
  if (!m || typeof m.name !== "string" || !isValidName(m.name)) {
    throw new BatchRequestError(`host request: marker name ${JSON.stringify(m?.name)} is not valid`);
  }
}

/** A whole number in a range, or a request error naming `what`. */
export function checkInt(v: number, min: number, max: number, what: string): void {
  if (!(Number.isInteger(v) && v >= min && v <= max)) {
    throw new BatchRequestError(
      `host request: ${what} ${String(v)} must be a whole number in ${min}..${max}`,
    );
  }
}
