/** A small, strict argument parser: known flags only, clear errors for the rest. */
import { UsageError } from "../errors.js";

export interface FlagSpec {
  /** Flags that take a value: `--name N` or `--name=N`. */
  values?: readonly string[];
  /** Flags without a value. */
  booleans?: readonly string[];
}

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

/** Parses `argv` against `spec`; `--` ends the flags. */
export function parseArgs(argv: readonly string[], spec: FlagSpec, command: string): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), flags: new Set() };
  const values = new Set(spec.values ?? []);
  const booleans = new Set(spec.booleans ?? []);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--") || a === "-") {
      if (a.startsWith("-") && a !== "-")
        throw new UsageError(`${command}: unknown option ${a} (see drover --help)`);
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    if (values.has(flag)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${command}: ${flag} needs a value`);
      out.values.set(flag, v);
    } else if (booleans.has(flag) && eq < 0) {
      out.flags.add(flag);
    } else {
      throw new UsageError(`${command}: unknown option ${flag} (see drover --help)`);
    }
  }
  return out;
}

/** Checks the count of positional arguments. */
export function expectPositional(p: ParsedArgs, min: number, max: number, usage: string): void {
  if (p.positional.length < min || p.positional.length > max) throw new UsageError(`usage: ${usage}`);
}
