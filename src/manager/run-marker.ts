/**
 * The marker that tells whether a job host shares the scheduler's filesystem: a file with a random
 * name in the local run directory. If `<host run dir>/<name>` exists on the host, the two are the
 * same directory: nothing is copied there, and tidy never removes it (it holds the store).
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const TOKEN_FILE = ".drover-marker";

/** The run's marker (created on first use); its `name` is the file to look for on a host. */
export function runMarker(localRunDir: string): { name: string } {
  let token: string;
  try {
    token = readFileSync(join(localRunDir, TOKEN_FILE), "utf8").trim();
  } catch {
    token = "";
  }
  if (!/^[0-9a-f]{32}$/.test(token)) {
    token = randomBytes(16).toString("hex");
    writeFileSync(join(localRunDir, TOKEN_FILE), token + "\n");
  }
  const name = `drover-here-${token}`;
  closeSync(openSync(join(localRunDir, name), "a"));
  return { name };
}
