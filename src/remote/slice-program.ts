/**
 * The slice program: fetches files rsync's `--max-size` skipped (or any file) through the batch
 * program, byte-exact. One `stat` sizes every file; all files within their limit go through ONE
 * `cat | base64` and are split by size here (a second `stat` proves none changed in between);
 * each file over its limit gets `head -c` and `tail -c` into one `base64`. Bytes travel as base64
 * (`base64 -w 0`, coreutils) so NULs, any byte and a missing final newline survive.
 */
import { shellPath, shellQuote } from "../script/shell-quote.js";
import type { CommandResult } from "../transport/command-result.js";
import type { SliceFilesRequest, SliceFilesResult, SliceOutcome } from "./host-ops-types.js";
import { hostOpBase, okSection } from "./host-op-base.js";
import { MAIN_GUARD } from "./login-shell.js";
import { wrapProgram } from "./program-common.js";
import { parseReply, type ParsedReply } from "./reply-parser.js";

/** Bytes kept from the start of a file over `maxBytes`; the end keeps the rest of maxBytes. */
export function headBytesOf(maxBytes: number): number {
  return Math.floor(maxBytes / 2);
}

/** The slice program for `req` (paths already checked). */
export function buildSliceProgram(req: SliceFilesRequest, nonce: string): string {
  const paths = req.files.map((f) => shellQuote(f.path)).join(" ");
  const maxes = req.files.map((f) => String(f.maxBytes)).join(" ");
  const heads = req.files.map((f) => String(headBytesOf(f.maxBytes))).join(" ");
  const body = `${MAIN_GUARD}
set -o pipefail
local R=${shellPath(req.runDir)} i j k f e rc
local -a P=(${paths}) M=(${maxes}) HB=(${heads}) I=() F=() S=() S2=() SI=() SF=()
for i in "\${!P[@]}"; do f=$R/\${P[i]}; if [[ -f $f ]]; then I+=("$i"); F+=("$f"); fi; done
if (( \${#F[@]} )); then
  if ! e=$(stat -L -c %s -- "\${F[@]}" 2>&1 </dev/null); then fail stat "$e"; finish 1; return 1; fi
  mapfile -t S <<<"$e"
fi
printf '@@drover:%s sizes -\\n' "$n"
for j in "\${!I[@]}"; do
  k=\${I[j]}; printf '|%s %s\\n' "$k" "\${S[j]-}"
  if (( \${S[j]-0} <= M[k] )); then SI+=("$k"); SF+=("\${F[j]}"); fi
done
printf '@@drover:%s end 0\\n' "$n"
if (( \${#SF[@]} )); then
  printf '@@drover:%s small -\\n|' "$n"
  cat -- "\${SF[@]}" </dev/null 2>/dev/null | base64 -w 0; rc=$?
  printf '\\n@@drover:%s end %s\\n' "$n" "$rc"
  e=$(stat -L -c %s -- "\${SF[@]}" 2>/dev/null </dev/null); mapfile -t S2 <<<"$e"
  printf '@@drover:%s after -\\n' "$n"
  for j in "\${!SI[@]}"; do printf '|%s %s\\n' "\${SI[j]}" "\${S2[j]-}"; done
  printf '@@drover:%s end 0\\n' "$n"
fi
for j in "\${!I[@]}"; do
  k=\${I[j]}; (( \${S[j]-0} > M[k] )) || continue
  f=\${F[j]}
  printf '@@drover:%s slice %s\\n|' "$n" "$k"
  { head -c "\${HB[k]}" <"$f" && tail -c "$(( M[k] - HB[k] ))" <"$f"; } 2>/dev/null | base64 -w 0; rc=$?
  printf '\\n@@drover:%s end %s\\n' "$n" "$rc"
done
finish 0`;
  return wrapProgram(nonce, body);
}

/** Reads the slice reply: one outcome per requested file, in order. */
export function readSliceReply(
  req: SliceFilesRequest,
  result: CommandResult,
  nonce: string,
  shell: readonly string[],
): SliceFilesResult {
  const reply = parseReply(result.stdout, nonce);
  const base = hostOpBase("file slices", result, reply, shell);
  const sizes = indexed(okSection(reply, "sizes")?.lines);
  const files: SliceOutcome[] = req.files.map((f, i) => {
    const size = sizes.get(i);
    const o = outcome(f.path, size === undefined ? -1 : size);
    if (!base.started) o.error = "not read";
    else if (!sizes.has(i) && !okSection(reply, "sizes")) o.error = "not answered";
    return o;
  });
  const small = req.files.flatMap((f, i) => {
    const size = sizes.get(i);
    return size !== undefined && size <= f.maxBytes ? [i] : [];
  });
  splitSmall(reply, small, sizes, files);
  for (const [i, f] of req.files.entries()) {
    const o = files[i] as SliceOutcome;
    if (!o.exists || o.size <= f.maxBytes) continue;
    o.cut = true;
    const sec = reply.sections.find((s) => s.kind === "slice" && s.arg === String(i));
    const bytes = sec && sec.rc === 0 ? decode(sec.lines) : null;
    const h = headBytesOf(f.maxBytes);
    if (!bytes || bytes.length !== f.maxBytes) {
      o.error = sec ? `the slices were not read whole (rc=${sec.rc ?? "?"})` : "not answered";
      continue;
    }
    setBytes(o, bytes.subarray(0, h), bytes.subarray(h));
  }
  return { ...base, files };
}

/** Splits the one `small` section by the sizes, if the after-sizes prove nothing changed. */
function splitSmall(
  reply: ParsedReply,
  small: number[],
  sizes: Map<number, number>,
  files: SliceOutcome[],
): void {
  if (small.length === 0) return;
  const sec = reply.sections.find((s) => s.kind === "small");
  const after = indexed(okSection(reply, "after")?.lines);
  const bytes = sec && sec.rc === 0 ? decode(sec.lines) : null;
  const total = small.reduce((sum, i) => sum + (sizes.get(i) ?? 0), 0);
  let why: string | null = null;
  if (!sec) why = "not answered";
  else if (!bytes) why = `the files were not read (rc=${sec.rc ?? "?"})`;
  else if (bytes.length !== total || small.some((i) => after.get(i) !== sizes.get(i)))
    why = "the files changed while being read";
  let off = 0;
  for (const i of small) {
    const o = files[i] as SliceOutcome;
    const n = sizes.get(i) ?? 0;
    if (why || !bytes) o.error = why;
    else setBytes(o, bytes.subarray(off, off + n), Buffer.alloc(0));
    off += n;
  }
}

function outcome(path: string, size: number): SliceOutcome {
  const empty = Buffer.alloc(0);
  return {
    path,
    exists: size >= 0,
    size,
    head: "",
    tail: "",
    headBytes: empty,
    tailBytes: empty,
    cut: false,
    error: null,
  };
}

function setBytes(o: SliceOutcome, head: Buffer, tail: Buffer): void {
  o.headBytes = Buffer.from(head);
  o.tailBytes = Buffer.from(tail);
  o.head = o.headBytes.toString("utf8");
  o.tail = o.tailBytes.toString("utf8");
}

/** `<index> <number>` lines as a map; malformed lines are left out. */
function indexed(lines: readonly string[] | undefined): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of lines ?? []) {
    const x = /^([0-9]{1,9}) ([0-9]{1,18})$/.exec(l);
    if (x) m.set(Number(x[1]), Number(x[2]));
  }
  return m;
}

/** Strict base64 (what `base64 -w 0` prints) to bytes; null when malformed. */
function decode(lines: readonly string[]): Buffer | null {
  const s = lines.join("");
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  return Buffer.from(s, "base64");
}
