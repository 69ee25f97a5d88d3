/**
 * The install preparation and tidy programs and their reply readers. Preparation looks for the
 * scheduler's marker (a shared filesystem: copy nothing) and makes every directory with ONE
 * `mkdir -p`; tidy removes a run directory with `rm -rf` only after the host itself has checked
 * the physical path: not `/`, not the home directory or one of its ancestors, not top-level, a
 * valid run name, no symlink, and no marker (a directory shared with the scheduler, holding its
 * store, is never removed).
 */
import { shellPath, shellQuote } from "../script/shell-quote.js";
import type { CommandResult } from "../transport/command-result.js";
import type {
  PrepareInstallRequest,
  PrepareInstallResult,
  TidyReason,
  TidyRunRequest,
  TidyRunResult,
} from "./host-ops-types.js";
import { hostOpBase, okSection } from "./host-op-base.js";
import { MAIN_GUARD } from "./login-shell.js";
import { wrapProgram } from "./program-common.js";
import { keyValues, parseReply } from "./reply-parser.js";

/** The prepare program: marker test, one `mkdir -p`, the expanded run directory. */
export function buildPrepareProgram(req: PrepareInstallRequest, nonce: string): string {
  const dirs = req.dirs.map((d) => `"$R"/${shellQuote(d)}`).join(" ");
  const body = `${MAIN_GUARD}
local R=${shellPath(req.runDir)} e s=0
if [[ -e $R/${shellQuote(req.marker.name)} ]]; then s=1; fi
if ! e=$(mkdir -p -- "$R" ${dirs} 2>&1 </dev/null); then fail mkdir "$e"; finish 1; return 1; fi
printf '@@drover:%s install -\\n|shared=%s\\n|dir=%s\\n@@drover:%s end 0\\n' "$n" "$s" "\${R//$'\\n'/$'\\n|'}" "$n"
finish 0`;
  return wrapProgram(nonce, body);
}

/** Reads the prepare reply. */
export function readPrepareReply(
  req: PrepareInstallRequest,
  result: CommandResult,
  nonce: string,
  shell: readonly string[],
): PrepareInstallResult {
  const reply = parseReply(result.stdout, nonce);
  const base = hostOpBase("install preparation", result, reply, shell);
  const sec = okSection(reply, "install");
  const kv = sec ? keyValues(sec) : new Map<string, string>();
  if (base.started && base.completed && !sec && !base.error)
    base.error = `no install answer from ${req.host}`;
  return { ...base, shared: kv.get("shared") === "1", runDirAbs: kv.get("dir") ?? "" };
}

/** The tidy program: every safety check on the host, on the physical path, then `rm -rf`. */
export function buildTidyProgram(req: TidyRunRequest, nonce: string): string {
  const m = shellQuote(req.marker.name);
  const body = `${MAIN_GUARD}
local R=${shellPath(req.runDir)} P H= nm e why=
say() { printf '@@drover:%s tidy -\\n|removed=%s\\n|reason=%s\\n@@drover:%s end 0\\n' "$n" "$1" "$2" "$n"; }
if [[ -L $R ]]; then why=symlink
elif [[ ! -e $R ]]; then why=absent
elif [[ ! -d $R ]]; then why=not-a-directory
elif ! cd -P -- "$R" 2>/dev/null; then why=unreadable
fi
if [[ -n $why ]]; then say 0 "$why"; finish 0; return 0; fi
P=$PWD
if [[ -n \${HOME-} ]] && cd -P -- "$HOME" 2>/dev/null; then H=$PWD; fi
cd / || return 1
nm=\${P##*/}
if [[ $P == / ]]; then why=root
elif [[ $P == "$H" || $P == "\${HOME-}" ]]; then why=home
elif [[ -n $H && $H == "$P"/* ]] || [[ -n \${HOME-} && $HOME == "$P"/* ]]; then why=holds-home
elif [[ $P != /*/* ]]; then why=top-level
elif [[ ! $nm =~ ^[A-Za-z0-9_][A-Za-z0-9_.+-]*$ || $nm == *..* ]]; then why=bad-name
elif [[ -e $P/${m} || -L $P/${m} ]]; then why=shared
fi
if [[ -n $why ]]; then say 0 "$why"; finish 0; return 0; fi
e=$(rm -rf -- "$P" 2>&1 </dev/null)
if [[ -e $P || -L $P ]]; then say 0 rm-failed; fail rm "$e"; finish 1; return 1; fi
say 1 removed
finish 0`;
  return wrapProgram(nonce, body);
}

const REASONS: readonly TidyReason[] = [
  "removed",
  "absent",
  "shared",
  "root",
  "home",
  "holds-home",
  "top-level",
  "bad-name",
  "symlink",
  "not-a-directory",
  "unreadable",
  "rm-failed",
];

/** Reads the tidy reply; `not-run` when the host gave no answer. */
export function readTidyReply(
  req: TidyRunRequest,
  result: CommandResult,
  nonce: string,
  shell: readonly string[],
): TidyRunResult {
  const reply = parseReply(result.stdout, nonce);
  const base = hostOpBase("tidy", result, reply, shell);
  const sec = okSection(reply, "tidy");
  const kv = sec ? keyValues(sec) : new Map<string, string>();
  const said = kv.get("reason") ?? "";
  const reason = (REASONS as readonly string[]).includes(said) ? (said as TidyReason) : "not-run";
  if (base.started && !sec && !base.error) base.error = `no tidy answer from ${req.host}`;
  return { ...base, removed: reason === "removed" && kv.get("removed") === "1", reason };
}
