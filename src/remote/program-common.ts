/**
 * The frame every batch program shares: one function `main() { ... }` followed by the line
 * `main; exit $?`, so bash has read the whole program before anything runs and nothing it starts
 * can swallow the rest. `main` first traps HUP and PIPE with a handler (children get default
 * dispositions back), then prints the start marker: PID, its start time, boot id and host time.
 */
import { shellQuote } from "../script/shell-quote.js";
import { MAIN_GUARD } from "./login-shell.js";

/*
 * `pst PID` sets S to the process's start time, field 22 of /proc/PID/stat. The name (field 2, in
 * parentheses) may hold spaces and ") ", and nothing after it holds a ")": so the words before the
 * last ") " among the first 20 (the name is at most 15 bytes) tell where field 3 is. One read
 * splits the line; `${l##*) }` over the whole line cost 2 to 4 times more, once per job submitted.
 */

/**
 * Wraps `body` (bash lines that may use `$n` nonce, `$b` boot id, `$S0` the program's start time,
 * `pst PID` setting `$S`, `utc` setting `$t`, `fail KIND TEXT` and `finish RC`) as a whole program.
 */
export function wrapProgram(nonce: string, body: string, tools: readonly string[] = []): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new RangeError("bad nonce");
  for (const tool of tools)
    if (!/^[A-Za-z0-9_.+-]+$/.test(tool)) throw new RangeError(`bad tool name ${tool}`);
  // Required tools are checked before the start marker: a host that lacks one gets nothing done.
  const check =
    tools.length === 0
      ? ""
      : `local drover_missing= x
for x in ${tools.join(" ")}; do command -v "$x" >/dev/null 2>&1 </dev/null || drover_missing+=" $x"; done
if [[ -n $drover_missing ]]; then fail tools "missing on the job host's PATH:$drover_missing"; return 127; fi
`;
  return `main() {
${MAIN_GUARD}
set -f
trap 'drover_cut=1' HUP PIPE
local n=${shellQuote(nonce)} b= t= S= S0= drover_cut=0
pst() { local -a f; local h s; S=; read -r -a f 2>/dev/null <"/proc/$1/stat" || return 1; h="\${f[*]:0:20}"; h=\${h%") "*}; s=\${h//[^ ]}; S=\${f[\${#s}+20]-}; }
utc() { TZ=UTC0 printf -v t '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }
fail() { printf '@@drover:%s error %s\\n' "$n" "$1"; printf '|%s\\n' "\${2//$'\\n'/$'\\n|'}"; printf '@@drover:%s end 1\\n' "$n"; }
finish() { printf '@@drover:%s done -\\n@@drover:%s end %s\\n' "$n" "$n" "$1"; }
${check}read -r b 2>/dev/null </proc/sys/kernel/random/boot_id || b=
pst $$; S0=$S; utc
printf '@@drover:%s start -\\n|pid=%s\\n|start=%s\\n|boot=%s\\n|time=%s\\n@@drover:%s end 0\\n' "$n" "$$" "$S0" "$b" "$t" "$n"
${body}
}
main; exit $?
`;
}

/** Caps text kept from a host (runner output) to a few KiB. */
export function capText(s: string, max = 4096): string {
  return s.length > max ? `${s.slice(0, max)}... (${s.length - max} more characters)` : s;
}
