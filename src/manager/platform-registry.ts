/** The platforms a run can use, by name. Only the built-in `localhost` so far. */
import { ConfigError } from "../errors.js";
import { localhostPlatform, type Platform } from "./platform.js";

let known: Map<string, Platform> | null = null;

/** All known platforms (built once per process). */
export function knownPlatforms(): Map<string, Platform> {
  known ??= new Map([["localhost", localhostPlatform()]]);
  return known;
}

/** The platform of that name; a config error naming where it was asked for when unknown. */
export function getPlatform(
  name: string,
  where?: { file?: string; line?: number; keyPath?: string },
): Platform {
  const p = knownPlatforms().get(name);
  if (!p)
    throw new ConfigError(
      `unknown platform "${name}" (known: ${[...knownPlatforms().keys()].join(", ")})`,
      where,
    );
  return p;
}

/** The runner name of a platform. */
export function runnerOfPlatform(name: string): string {
  return getPlatform(name).runner;
}
