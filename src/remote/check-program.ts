/**
 * The host check program (`drover check`): where each tool is (`type -P`, a builtin: no process
 * per tool), bash and rsync versions, the host's clock, whether the run root is writable (created
 * when missing, probed with one file) and whether the scheduler's marker is visible there.
 */
import { shellPath, shellQuote } from "../script/shell-quote.js";
import type { CommandResult } from "../transport/command-result.js";
import type { CheckHostRequest, CheckHostResult } from "./host-ops-types.js";
import { hostOpBase, okSection } from "./host-op-base.js";
import { detectLoginShellProblems, loginShellFacts, MAIN_GUARD } from "./login-shell.js";
import { wrapProgram } from "./program-common.js";
import { keyValues, parseReply } from "./reply-parser.js";

/** The check program for `req` (tool names already checked). */
export function buildCheckProgram(req: CheckHostRequest, nonce: string): string {
  const tools = req.tools.map(shellQuote).join(" ");
  const shared = req.marker
    ? `if [[ -e $RR/${shellQuote(req.marker.name)} ]]; then s=1; else s=0; fi`
    : "s=-";
  const body = `${MAIN_GUARD}
local RR=${shellPath(req.runRoot)} x v w=0 c=0 s f
printf '@@drover:%s tools -\\n' "$n"
for x in ${tools}; do printf '|%s=' "$x"; type -P -- "$x" </dev/null || printf '\\n'; done
printf '@@drover:%s end 0\\n@@drover:%s facts -\\n|bash=%s\\n' "$n" "$n" "\${BASH_VERSION-}"
if type -P rsync >/dev/null; then v=$(rsync --version 2>&1 </dev/null); printf '|rsync=%s\\n' "\${v%%$'\\n'*}"; fi
if [[ ! -d $RR ]] && mkdir -p -- "$RR" </dev/null 2>/dev/null; then c=1; fi
f=$RR/.drover-check.$$
if [[ -d $RR ]] && { set -C; : >"$f"; } 2>/dev/null; then w=1; rm -f -- "$f" </dev/null 2>/dev/null; fi
set +C
${shared}
printf '|writable=%s\\n|created=%s\\n|shared=%s\\n' "$w" "$c" "$s"
if [[ -n \${EPOCHREALTIME-} ]]; then v=$EPOCHREALTIME; else v=$(date +%s%N </dev/null 2>/dev/null); fi
printf '|epoch=%s\\n@@drover:%s end 0\\n' "$v" "$n"
finish 0`;
  return wrapProgram(nonce, body);
}

/** Reads the check reply; `window` is the local time span of the call, for the clock skew. */
export function readCheckReply(
  req: CheckHostRequest,
  result: CommandResult,
  nonce: string,
  shell: readonly string[],
  window: { start: number; end: number },
): CheckHostResult {
  const reply = parseReply(result.stdout, nonce);
  const base = hostOpBase("host check", result, reply, shell);
  const toolSec = okSection(reply, "tools");
  const tv = toolSec ? keyValues(toolSec) : new Map<string, string>();
  const factSec = okSection(reply, "facts");
  const kv = factSec ? keyValues(factSec) : new Map<string, string>();
  if (base.started && (!toolSec || !factSec) && !base.error)
    base.error = `incomplete check answer from ${req.host}`;
  const hostTime = parseEpoch(kv.get("epoch") ?? "");
  const sharedText = kv.get("shared");
  return {
    ...base,
    timings: { totalMs: result.durationMs },
    tools: req.tools.map((name) => ({ name, path: tv.get(name) || null })),
    bashVersion: kv.get("bash") || null,
    rsyncVersion: parseRsyncVersion(kv.get("rsync") ?? ""),
    hostTime,
    skewMs: hostTime === null ? null : skew(hostTime, window),
    runRootWritable: kv.get("writable") === "1",
    shared: sharedText === "1" ? true : sharedText === "0" ? false : null,
    loginNoise: loginShellFacts(result.stdout).noise,
    loginShellProblem: detectLoginShellProblems(result, shell, true),
  };
}

/** `1718000000.123456` (`$EPOCHREALTIME`, any decimal mark) or `%s%N` nanoseconds to epoch ms. */
export function parseEpoch(s: string): number | null {
  const real = /^([0-9]{9,12})[.,]([0-9]{1,9})$/.exec(s);
  if (real) return Number(real[1]) * 1000 + Math.floor(Number(`0.${real[2]}`) * 1000);
  if (/^[0-9]{18,21}$/.test(s)) return Number(s.slice(0, -6));
  if (/^[0-9]{9,12}$/.test(s)) return Number(s) * 1000;
  // `date +%s%N` where %N is not supported prints the seconds and a literal N (or nothing).
  const secs = /^([0-9]{9,12})\D/.exec(s);
  return secs ? Number(secs[1]) * 1000 : null;
}

/** `rsync  version 3.2.7  protocol version 32` to `3.2.7`. */
export function parseRsyncVersion(line: string): string | null {
  const m = /^rsync\s+version\s+v?([0-9][0-9A-Za-z.+-]*)/.exec(line);
  return m ? (m[1] as string) : null;
}

function skew(host: number, w: { start: number; end: number }): number {
  if (host < w.start) return host - w.start;
  if (host > w.end) return host - w.end;
  return 0;
}
