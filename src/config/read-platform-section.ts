/**
 * Turns the parsed `platforms:` and `platform_groups:` sections of one YAML document into
 * PlatformSpecs and PlatformGroupSpecs in file order, each with its origin `file:line`.
 */
import { isMap, isScalar, isSeq, type Document } from "yaml";
import type { ConfigDocument } from "./parse-yaml-config.js";
import { applyPlatformDefaults } from "./platform-defaults.js";
import type { PlatformGroupSpec, PlatformSpec } from "./platform-types.js";
import type { ParsedSection } from "./platforms-schema.js";

/** The platforms and groups one file defines, in file order. */
export interface PlatformSection {
  specs: PlatformSpec[];
  groups: PlatformGroupSpec[];
}

/** Names written as numbers (`007:`, `hosts: [1]`) are the text as written, not 7 or 1. */
export function keepPlatformNamesAsWritten(doc: Document): void {
  const asWritten = (node: unknown) => {
    if (isScalar(node) && (typeof node.value === "number" || typeof node.value === "boolean"))
      node.value = node.source ?? String(node.value);
  };
  const eachItem = (node: unknown) => (isSeq(node) ? node.items.forEach(asWritten) : asWritten(node));
  const platforms = doc.get("platforms", true);
  if (isMap(platforms))
    for (const pair of platforms.items) {
      asWritten(pair.key);
      if (!isMap(pair.value)) continue;
      eachItem(pair.value.get("hosts", true));
      asWritten(pair.value.get("install_target", true));
    }
  const groups = doc.get("platform_groups", true);
  if (isMap(groups))
    for (const pair of groups.items) {
      asWritten(pair.key);
      eachItem(pair.value);
    }
}

/** Keys of a section's mapping in file order, with their lines; a non-text key is an error. */
function orderedKeys(cd: ConfigDocument, section: string, what: string): { name: string; line: number }[] {
  const node = cd.doc.get(section, true);
  if (!isMap(node)) return [];
  return node.items.map((pair) => {
    const key = pair.key;
    if (!isScalar(key)) {
      const at = (key as { range?: [number, number, number] } | null)?.range?.[0];
      return cd.fail(
        `a ${what} name must be plain text (not an alias or a collection)`,
        [section],
        at === undefined ? undefined : cd.where.lineAt(at),
      );
    }
    return { name: String(key.value), line: key.range ? cd.where.lineAt(key.range[0]) : 1 };
  });
}

/**
 * The specs and groups of a validated section, defaults applied, origins naming `originFile`
 * (the file as messages should name it) and the line of each name.
 */
export function readPlatformSection(
  cd: ConfigDocument,
  section: ParsedSection,
  originFile: string,
): PlatformSection {
  const specs = orderedKeys(cd, "platforms", "platform").map(({ name, line }) =>
    applyPlatformDefaults(name, section.platforms[name]!.input, `${originFile}:${line}`),
  );
  const groups = orderedKeys(cd, "platform_groups", "group").map(({ name, line }) => ({
    name,
    platforms: section.platform_groups[name]!.members,
    origin: `${originFile}:${line}`,
  }));
  return { specs, groups };
}
