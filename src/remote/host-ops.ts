/**
 * The small host operations, each ONE batch program per call through any Transport: prepare an
 * install target, fetch slices of large files, tidy a run directory, check a host. Like the batch
 * calls, an invalid request rejects before anything is sent; every other failure is in the result.
 * Every program goes out with the login shell canary (see login-shell.ts).
 */
import { isValidName } from "../errors.js";
import type { Transport } from "../transport/transport.js";
import { buildCheckProgram, readCheckReply } from "./check-program.js";
import { checkInt, checkMarker, checkOpBase, cleanHostPath } from "./host-op-base.js";
import type {
  CheckHostRequest,
  CheckHostResult,
  PrepareInstallRequest,
  PrepareInstallResult,
  SliceFilesRequest,
  SliceFilesResult,
  TidyRunRequest,
  TidyRunResult,
} from "./host-ops-types.js";
import { buildPrepareProgram, buildTidyProgram, readPrepareReply, readTidyReply } from "./install-program.js";
import { transportShell, withCanary } from "./login-shell.js";
import { newNonce } from "./nonce.js";
import { buildSliceProgram, readSliceReply } from "./slice-program.js";
import { BatchRequestError, checkRelPath } from "./validate.js";

/** Largest slice limit per file (replies are held in memory). */
export const MAX_SLICE_BYTES = 64 * 1024 * 1024;
/** Most files or tools in one call (they are all in one argv on the host). */
export const MAX_ITEMS = 10_000;

/** Looks for the scheduler's marker in runDir and makes runDir and its `dirs` with one `mkdir -p`. */
export async function prepareInstall(
  t: Transport,
  req: PrepareInstallRequest,
): Promise<PrepareInstallResult> {
  checkOpBase(req);
  const runDir = cleanHostPath(req.runDir, "runDir");
  checkMarker(req.marker);
  checkList(req.dirs, "dirs");
  for (const d of req.dirs) checkRelPath(d, "dirs entry");
  const clean = { ...req, runDir };
  const nonce = newNonce();
  const result = await t.runProgram(req.host, withCanary(buildPrepareProgram(clean, nonce)), {
    timeoutMs: req.timeoutMs,
  });
  return readPrepareReply(clean, result, nonce, transportShell(t));
}

/**
 * Reads files under runDir byte-exact: whole when within `maxBytes`, else the first and last
 * halves of maxBytes (see `SliceOutcome`).
 */
export async function sliceFiles(t: Transport, req: SliceFilesRequest): Promise<SliceFilesResult> {
  checkOpBase(req);
  const runDir = cleanHostPath(req.runDir, "runDir");
  checkList(req.files, "files");
  for (const f of req.files) {
    checkRelPath(f?.path, "file path");
    checkInt(f.maxBytes, 2, MAX_SLICE_BYTES, `maxBytes of ${f.path}`);
  }
  const clean = { ...req, runDir };
  const nonce = newNonce();
  const result = await t.runProgram(req.host, withCanary(buildSliceProgram(clean, nonce)), {
    timeoutMs: req.timeoutMs,
  });
  return readSliceReply(clean, result, nonce, transportShell(t));
}

/**
 * Removes the run directory on the host, unless it holds the scheduler's marker (shared with the
 * scheduler: it holds the store) or the host finds it unsafe (`/`, home, an ancestor of home, a
 * top-level directory, a symlink, a name that is not a run name). Whether every job is final is
 * the caller's check, made before calling.
 */
export async function tidyRun(t: Transport, req: TidyRunRequest): Promise<TidyRunResult> {
  checkOpBase(req);
  const runDir = cleanHostPath(req.runDir, "runDir");
  checkMarker(req.marker);
  const name = runDir.slice(runDir.lastIndexOf("/") + 1);
  if (!isValidName(name) || runDir === "/" || runDir === "~") {
    throw new BatchRequestError(`tidy: ${JSON.stringify(req.runDir)} does not end in a valid run name`);
  }
  const clean = { ...req, runDir };
  const nonce = newNonce();
  const result = await t.runProgram(req.host, withCanary(buildTidyProgram(clean, nonce)), {
    timeoutMs: req.timeoutMs,
  });
  return readTidyReply(clean, result, nonce, transportShell(t));
}

/** Checks a host for `drover check`: tools, versions, clock, run root, shared disk, login shell. */
export async function checkHost(t: Transport, req: CheckHostRequest): Promise<CheckHostResult> {
  checkOpBase(req);
  const runRoot = cleanHostPath(req.runRoot, "runRoot");
  checkList(req.tools, "tools");
  for (const tool of req.tools) {
    if (typeof tool !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,99}$/.test(tool)) {
      throw new BatchRequestError(`host check: tool name ${JSON.stringify(tool)} is not valid`);
    }
  }
  if (req.marker !== undefined) checkMarker(req.marker);
  const clean = { ...req, runRoot };
  const nonce = newNonce();
  const start = Date.now();
  const result = await t.runProgram(req.host, withCanary(buildCheckProgram(clean, nonce)), {
    timeoutMs: req.timeoutMs,
  });
  return readCheckReply(clean, result, nonce, transportShell(t), { start, end: Date.now() });
}

function checkList(v: unknown, what: string): void {
  if (!Array.isArray(v) || v.length > MAX_ITEMS) {
    throw new BatchRequestError(`host request: ${what} must be a list of at most ${MAX_ITEMS} items`);
  }
}
