/**
 * Counts the runner commands Drover sends to a host by watching the programs its transport carries:
 * every runner command of a poll travels in a query program as one section (`poll`: the queue
 * query, `squeue` for Slurm; `accounting`: `sacct`; `lookup-N`: a lookup by job name), so counting
 * sections counts runner calls. The real calls still go through unchanged.
 */
import type { Transport } from "../src/transport/transport.js";

/** Runner calls and programs seen since the counter was installed. */
export interface RunnerCalls {
  /** Queue queries (`poll` sections: one squeue each). */
  queue: number;
  /** Accounting queries (`accounting` sections: sacct, one call per 64 KiB of job IDs). */
  accounting: number;
  /** Lookups by job name (`lookup-N` sections: squeue and sacct). */
  lookups: number;
  /** Programs that carried runner queries (one ssh call each). */
  queryPrograms: number;
  /** Every program sent (submit, query, status awk, install, logs...). */
  programs: number;
}

/** A counter hooked into one transport; `stop()` puts the transport back as it was. */
export interface RunnerCallCounter {
  readonly calls: RunnerCalls;
  stop(): void;
}

/** The section ids of a query program (`...; } >"$o" 2>"$e"; q ID $?` lines); empty for others. */
export function querySections(program: string): string[] {
  const ids: string[] = [];
  for (const m of program.matchAll(/; \} >"\$o" 2>"\$e"; q '?([A-Za-z0-9_.-]+)'? \$\?$/gm))
    ids.push(m[1] as string);
  return ids;
}

/** Installs a counter on `t` (an own property over its runProgram method). */
export function countRunnerCalls(t: Transport): RunnerCallCounter {
  const calls: RunnerCalls = { queue: 0, accounting: 0, lookups: 0, queryPrograms: 0, programs: 0 };
  const original = t.runProgram;
  // Counted before the call: the round awaits it, so the count is complete when the round ends.
  t.runProgram = function (this: Transport, host, program, opts) {
    calls.programs++;
    const ids = querySections(program);
    if (ids.length > 0) calls.queryPrograms++;
    for (const id of ids) {
      if (id === "poll") calls.queue++;
      else if (id === "accounting") calls.accounting++;
      else if (id.startsWith("lookup-")) calls.lookups++;
    }
    return original.call(this, host, program, opts);
  };
  return {
    calls,
    stop: () => {
      delete (t as Partial<Transport>).runProgram;
      // A transport whose runProgram was an own property already: put that one back.
      if (t.runProgram !== original) t.runProgram = original;
    },
  };
}

/** A copy of the counts, to take differences between two moments. */
export function snapshot(c: RunnerCalls): RunnerCalls {
  return { ...c };
}
