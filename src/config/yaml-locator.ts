/**
 * Maps key paths in a parsed YAML document to lines and back, so every config error can name the
 * file, the line and the key path.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from "yaml";

/** One step of a key path: a mapping key or a list index. */
export type PathKey = string | number;

/** Formats a key path as `jobs.compute.env.SIZE` or `jobs.compute.needs[1]`; odd keys are quoted. */
export function formatKeyPath(path: readonly PathKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** The text of a scalar key, as the loader and zod see it. */
function keyText(pair: Pair): string | undefined {
  const k = pair.key;
  if (isScalar(k)) return String(k.value);
  return typeof k === "string" || typeof k === "number" ? String(k) : undefined;
}

/** Finds lines of key paths in one document. */
export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line of a character offset. */
  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  /** The pair holding `key` in the mapping at `parent`, if both exist. */
  pairAt(parent: readonly PathKey[], key: string): Pair | undefined {
    const node = this.nodeAt(parent);
    if (!isMap(node)) return undefined;
    return node.items.find((p) => keyText(p) === key);
  }

  /** The node at a path, walking maps by key text and lists by index (aliases end the walk). */
  nodeAt(path: readonly PathKey[]): unknown {
    let node: unknown = this.doc.contents;
    for (const key of path) {
      if (isMap(node) && typeof key === "string") node = node.items.find((p) => keyText(p) === key)?.value;
      else if (isSeq(node) && typeof key === "number") node = node.items[key];
      else return undefined;
    }
    return node;
  }

  /**
   * Line for a problem at `path`: a list item's own line, else the line of the key naming the value.
   * A path that does not exist (a missing key) falls back to its nearest existing ancestor.
   */
  lineOf(path: readonly PathKey[]): number {
    for (let n = path.length; n > 0; n--) {
      const last = path[n - 1];
      const parent = path.slice(0, n - 1);
      if (typeof last === "number") {
        const item = this.nodeAt(path.slice(0, n)) as Node | undefined;
        if (item?.range) return this.lineAt(item.range[0]);
      } else if (last !== undefined) {
        const key = this.pairAt(parent, last)?.key as Node | undefined;
        if (key?.range) return this.lineAt(key.range[0]);
      }
    }
    const root = this.doc.contents as Node | null;
    return root?.range ? this.lineAt(root.range[0]) : 1;
  }

  /** The deepest key path whose key or value covers `offset` (used to place YAML syntax errors). */
  pathAt(offset: number): PathKey[] {
    const path: PathKey[] = [];
    const start = (n: unknown) => (n as Node | null)?.range?.[0] ?? Infinity;
    const end = (n: unknown) => (n as Node | null)?.range?.[2] ?? -Infinity;
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        // The last pair starting at or before the offset holds it if its key or value ends after it (ends are exclusive).
        const pair = node.items.filter((p) => start(p.key) <= offset).pop();
        const key = pair && keyText(pair);
        if (!pair || key === undefined || Math.max(end(pair.key), end(pair.value)) <= offset) return path;
        path.push(key);
        if (start(pair.value) > offset) return path;
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((it) => {
          const n = isPair(it) ? it.key : it;
          return start(n) <= offset && offset < Math.max(end(n), isPair(it) ? end(it.value) : -Infinity);
        });
        if (index < 0) return path;
        path.push(index);
        node = node.items[index];
      } else return path;
    }
  }
}
