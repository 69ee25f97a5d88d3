/**
 * Runner queries (squeue, sacct, qstat, qacct, atq, scancel, qdel ...) as one batch program: each
 * command spec becomes one quoted command line with an explicit stdin; its stdout, stderr and exit
 * code come back in prefixed sections (`query ID` with stdout and the exit code, `query-err ID` with
 * stderr), so no output can forge or swallow a marker.
 */
import { shellPath, shellQuote } from "../script/shell-quote.js";
import type { CommandArg, CommandSpec } from "../runners/runner.js";
import { wrapProgram } from "./program-common.js";
import { BatchRequestError } from "./validate.js";

/** One query of a batch; `id` names its reply section (letters, digits and `_.-` only). */
export interface QuerySpec {
  id: string;
  spec: CommandSpec;
  /** Commands the query needs besides its first word (the runner's declared tools). */
  tools?: readonly string[];
}

/** A command word as shell text: literal, or a host path (`~/` expands there). */
function word(a: CommandArg): string {
  return typeof a === "string" ? shellQuote(a) : shellPath(a.path);
}

/** The command line of one spec, with every stream explicit. */
function commandLine(spec: CommandSpec): string {
  if (spec.argv.length === 0) throw new BatchRequestError("runner query: empty command");
  if (spec.detach) throw new BatchRequestError("runner query: a query cannot be detached");
  const input = spec.stdin ? shellPath(spec.stdin) : "/dev/null";
  return `${spec.argv.map(word).join(" ")} <${input}`;
}

/**
 * The whole program: each query runs with stdout and stderr to temp files, then each is printed
 * with `|` before every line by one awk (a last line without newline gains one: queries are read
 * line by line).
 */
export function buildQueryInput(queries: readonly QuerySpec[], nonce: string): string {
  const tools = new Set<string>(["awk", "mktemp", "rm"]);
  const parts: string[] = [];
  for (const q of queries) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(q.id))
      throw new BatchRequestError(`runner query: bad id ${JSON.stringify(q.id)}`);
    const first = q.spec.argv[0];
    if (typeof first === "string") tools.add(first);
    // A wrapped query's first word is `sh`: the runner's declared tools name what it really runs.
    for (const t of q.tools ?? []) tools.add(t);
    parts.push(`{ ${commandLine(q.spec)}; } >"$o" 2>"$e"; q ${shellQuote(q.id)} $?`);
  }
  const body = `local o e rc
o=$(mktemp </dev/null) || { fail tmp "mktemp failed"; finish 1; return 1; }
e=$(mktemp </dev/null) || { rm -f "$o" </dev/null; fail tmp "mktemp failed"; finish 1; return 1; }
trap 'rm -f "$o" "$e" </dev/null' RETURN
q() { local id=$1 rc=$2
  printf '@@drover:%s query %s\\n' "$n" "$id"
  LC_ALL=C awk '{ print "|" $0 }' "$o" </dev/null
  printf '@@drover:%s end %s\\n@@drover:%s query-err %s\\n' "$n" "$rc" "$n" "$id"
  LC_ALL=C awk '{ print "|" $0 }' "$e" </dev/null
  printf '@@drover:%s end 0\\n' "$n"
}
${parts.join("\n")}
finish 0`;
  return wrapProgram(nonce, body, [...tools]);
}
