/**
 * The local directory holding ControlMaster sockets: short (a unix socket path is limited to
 * ~104 bytes and ssh adds a 17-byte suffix while binding), private to the user, on a local disk.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { DroverError } from "../errors.js";

/** Longest accepted directory: dir + "/" + 12 hex + "-" + 40 hex (%C) + ".XXXXXXXXXXXXXXXX" stays under 104 bytes. */
export const CONTROL_DIR_MAX = 32;

/** `/tmp/drover-<uid>`: one directory per local user, shared by every run and `drover connect`. */
export function defaultControlDir(): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : os.userInfo().uid;
  return `/tmp/drover-${uid}`;
}

/**
 * The ControlPath option value: a 12-hex hash of `words` (the ssh settings and host alias), then
 * `%C`, which ssh replaces with a hash of local host, host, port and user.
 */
export function controlPathPattern(dir: string, words: readonly string[] = []): string {
  if (words.length === 0) return `${dir}/%C`;
  const tag = createHash("sha256").update(JSON.stringify(words)).digest("hex").slice(0, 12);
  return `${dir}/${tag}-%C`;
}

/**
 * Creates the directory (mode 0700) when missing and checks an existing one: a real directory, owned
 * by this user, writable by nobody else. Returns the absolute path; throws a DroverError otherwise.
 */
export function ensureControlDir(dir: string = defaultControlDir()): string {
  if (typeof dir !== "string" || dir.length === 0 || dir.includes("\0")) {
    throw new DroverError("ssh control directory: not a valid path");
  }
  const abs = path.resolve(dir);
  if (Buffer.byteLength(abs) > CONTROL_DIR_MAX) {
    throw new DroverError(
      `ssh control directory ${abs} is too long for unix socket paths (at most ${CONTROL_DIR_MAX} bytes): choose a shorter one`,
    );
  }
  if (/[%\s'"\\]/.test(abs)) {
    throw new DroverError(`ssh control directory ${abs}: %, quotes, backslashes and spaces are not allowed`);
  }
  try {
    fs.mkdirSync(abs, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new DroverError(`ssh control directory ${abs}: cannot create it (${(e as Error).message})`, {
        cause: e,
      });
    }
  }
  // lstat: a symlink planted by someone else must not redirect our sockets.
  const st = fs.lstatSync(abs);
  const uid = typeof process.getuid === "function" ? process.getuid() : st.uid;
  if (!st.isDirectory()) {
    throw new DroverError(`ssh control directory ${abs} is not a directory (a symlink or file is refused)`);
  }
  if (st.uid !== uid) {
    throw new DroverError(
      `ssh control directory ${abs} is owned by uid ${st.uid}, not by you (uid ${uid}): refusing to use it`,
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw new DroverError(
      `ssh control directory ${abs} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}): run chmod 700 on it`,
    );
  }
  return abs;
}
