/**
 * Shapes of the small host operations (install preparation, log slices, tidy, host check), each
 * ONE batch program per call like submit, poll and kill. Types only.
 */
import type { BatchResultBase, HostPath } from "./batch-types.js";

/** A random file the scheduler writes in its own run directory: seen on the host = shared disk. */
export interface SharedMarker {
  /** File name only (a valid name): `runDir/<name>` or `runRoot/<name>`. */
  name: string;
}

interface HostOpBase {
  /** Host name as the transport knows it. */
  host: string;
  timeoutMs: number;
}

export interface PrepareInstallRequest extends HostOpBase {
  /** The run directory on the host (absolute or `~/...`). */
  runDir: HostPath;
  /** Directories to create under runDir, relative (`bin`, `log`, `batches`, ...). */
  dirs: string[];
  marker: SharedMarker;
}

export interface PrepareInstallResult extends BatchResultBase {
  /** runDir/<marker> exists on the host: it shares the scheduler's filesystem (copy nothing). */
  shared: boolean;
  /** runDir with `~` expanded on the host ("" when the program did not get that far). */
  runDirAbs: string;
}

export interface SliceFile {
  /** Relative to runDir. */
  path: string;
  /** Over this many bytes, only the first and last maxBytes/2 bytes come back. */
  maxBytes: number;
}

export interface SliceFilesRequest extends HostOpBase {
  runDir: HostPath;
  files: SliceFile[];
}

export interface SliceOutcome {
  path: string;
  /** A regular file (after symlinks) exists there. */
  exists: boolean;
  /** Its size in bytes when read; -1 when it does not exist. */
  size: number;
  /** The whole content when not cut, else the first floor(maxBytes/2) bytes, as UTF-8 text. */
  head: string;
  /** "" when not cut, else the last maxBytes - floor(maxBytes/2) bytes, as UTF-8 text. */
  tail: string;
  /** The exact bytes of `head` and `tail` (text decoding replaces invalid UTF-8). */
  headBytes: Buffer;
  tailBytes: Buffer;
  /** The file was over maxBytes: head and tail are slices. */
  cut: boolean;
  /** Why this file's bytes are missing or untrusted (it changed while read, ...), or null. */
  error: string | null;
}

export interface SliceFilesResult extends BatchResultBase {
  /** One per requested file, in request order (absent ones with exists false). */
  files: SliceOutcome[];
}

export interface TidyRunRequest extends HostOpBase {
  /** The run directory to remove; its last segment must be a valid run name. */
  runDir: HostPath;
  marker: SharedMarker;
}

/** Why tidy did or did not remove the directory. */
export type TidyReason =
  | "removed"
  | "absent"
  | "shared"
  | "root"
  | "home"
  | "holds-home"
  | "top-level"
  | "bad-name"
  | "symlink"
  | "not-a-directory"
  | "unreadable"
  | "rm-failed"
  | "not-run";

export interface TidyRunResult extends BatchResultBase {
  removed: boolean;
  reason: TidyReason;
}

export interface CheckHostRequest extends HostOpBase {
  /** The platform's run root on the host; created when missing (that is what install would do). */
  runRoot: HostPath;
  /** Commands the host must have (`bash`, `awk`, `ps`, `timeout`, `mkdir`, `rsync`, `base64`). */
  tools: string[];
  /** When given: is runRoot/<name> visible on the host (shared filesystem)? */
  marker?: SharedMarker;
}

export interface CheckHostResult extends BatchResultBase {
  timings: { totalMs: number };
  /** Each tool's path on the host's PATH (login shell), or null when missing. */
  tools: { name: string; path: string | null }[];
  /** `$BASH_VERSION` of the shell that ran the program. */
  bashVersion: string | null;
  /** `3.2.7` from `rsync --version`, or null when rsync is missing. */
  rsyncVersion: string | null;
  /** The host's clock, epoch milliseconds, or null. */
  hostTime: number | null;
  /**
   * Host clock minus ours: 0 when hostTime falls inside the local call window, else the distance
   * to the window (positive: the host is ahead). null when unknown.
   */
  skewMs: number | null;
  runRootWritable: boolean;
  /** runRoot/<marker> seen on the host; null without a marker or an answer. */
  shared: boolean | null;
  /** Whatever the login shell printed on stdout before the program (a banner); not a failure. */
  loginNoise: string;
  /** A login shell problem (`detectLoginShellProblems`), or null. */
  loginShellProblem: string | null;
}
