/**
 * The submit batch program: one `mkdir -p` for every directory, an exclusive batch journal, ONE awk
 * that writes all job scripts and status files from the data after the program (only when its
 * trailer checks out), then a launch loop under `set -m` that appends the runner's answer to each
 * status file and to the journal with builtins, and reports one `submit` section per job.
 */
import { runnerTools } from "../runners/runner-tools.js";
import { shellPath, shellQuote } from "../script/shell-quote.js";
import type { CommandArg, Runner } from "../runners/runner.js";
import type { SubmitBatchRequest } from "./batch-types.js";
import { AWK_READER } from "./awk-reader.js";
import { encodePayload, fieldsText, type PayloadRecord } from "./payload.js";
import { wrapProgram } from "./program-common.js";
import { BatchRequestError, joinHostPath } from "./validate.js";

/** Writes the files, then prints one launch record per job for the shell (one value per line). */
const SUBMIT_AWK = `${AWK_READER}
END {
  if (!verify()) exit 3
  for (i = 1; i <= nr; i++) if (K[i] == "file") {
    p = hp(A[i]); printf "%s", C[i] > p
    if (close(p) != 0) { print "drover: cannot write " p > "/dev/stderr"; exit 4 }
  }
  for (i = 1; i <= nr; i++) if (K[i] == "launch") {
    print A[i]; for (j = 1; j <= 4; j++) print hp(L[i, j]); print L[i, 5]; print L[i, 6]; print NL[i] - 6
    for (j = 7; j <= NL[i]; j++) { w = L[i, j]; print (substr(w, 1, 1) == "p" ? hp(substr(w, 2)) : substr(w, 2)) }
  }
}`;

/** The launch loop; `$A` holds 8 values per job then its argv (read in order: bash arrays are lists). */
const LAUNCH_LOOP = `set -m
local i=0 k st in out err det pat c id o prev
local -a cmd
while (( i + 8 <= \${#A[@]} )); do
  k=\${A[i]} st=\${A[i+1]} in=\${A[i+2]} out=\${A[i+3]} err=\${A[i+4]} det=\${A[i+5]} pat=\${A[i+6]} c=\${A[i+7]}
  i=$((i + 8)); cmd=(); while (( c-- > 0 )); do cmd+=("\${A[i++]}"); done
  id= S= o=; utc
  if [[ $det == 1 ]]; then
    prev=$!
    "\${cmd[@]}" <"$in" >"$out" 2>"$err" &
    rc=$?; id=$!
    if [[ -z $id || $id == "$prev" ]]; then id=; o="the job process could not be started"; (( rc )) || rc=1; else pst "$id"; fi
  else
    o=$("\${cmd[@]}" <"$in" 2>&1); rc=$?
    if [[ -n $pat && $o =~ $pat ]]; then id=\${BASH_REMATCH[1]-}; fi
  fi
  if (( rc == 0 )) && [[ -n $id ]]; then
    printf 'DROVER_JOB_RUNNER=%s\\nDROVER_JOB_ID=%s\\nDROVER_JOB_SUBMIT_TIME=%s\\n' "$runner" "$id" "$t" >>"$st"
  fi
  printf 'SUBMIT %s rc=%s id=%s start=%s\\n' "$k" "$rc" "$id" "$S" >>"$J"
  printf '@@drover:%s submit %s\\n|rc=%s\\n|id=%s\\n|start=%s\\n|time=%s\\n' "$n" "$k" "$rc" "$id" "$S" "$t"
  if [[ -n $o ]]; then printf '|out=%s\\n' "\${o//$'\\n'/$'\\n|out='}"; fi
  printf '@@drover:%s end %s\\n' "$n" "$rc"
done
set +m`;

/** Builds the whole stdin of a submit call: program, then the framed files and launch records. */
export function buildSubmitInput(req: SubmitBatchRequest, runner: Runner, nonce: string): string {
  const records: PayloadRecord[] = [];
  const launches: PayloadRecord[] = [];
  const dirs: string[] = [];
  // The commands this batch runs: a host lacking one gets nothing done and says which.
  const tools = new Set(["awk", "mkdir", ...runnerTools(runner, "submit")]);
  for (const job of req.jobs) {
    const dir = joinHostPath(req.runDir, job.logDir);
    dirs.push(`"$R"/${shellQuote(job.logDir)}`);
    const script = joinHostPath(dir, "job");
    const status = joinHostPath(dir, "job.status");
    records.push({ kind: "file", arg: script, text: job.script });
    records.push({ kind: "file", arg: status, text: `DROVER_JOB_TOKEN=${job.token}\n` });
    const spec = runner.submitCommand({
      key: job.key,
      token: job.token,
      scriptPath: script,
      stdout: joinHostPath(dir, "job.out"),
      stderr: joinHostPath(dir, "job.err"),
      timeLimitS: job.timeLimitS,
    });
    if (spec.argv.length === 0)
      throw new BatchRequestError(`${runner.name}: empty submit command for ${job.key}`);
    if (typeof spec.argv[0] === "string") tools.add(spec.argv[0]);
    const fields = [
      status,
      spec.stdin ?? "/dev/null",
      spec.stdout ?? "/dev/null",
      spec.stderr ?? "/dev/null",
      spec.detach ? "1" : "0",
      spec.idPattern ?? "",
      ...spec.argv.map(encodeArg),
    ];
    launches.push({ kind: "launch", arg: job.key, text: fieldsText(fields) });
  }
  const body = `local R=${shellPath(req.runDir)} J e rc L runner=${shellQuote(runner.name)}
local -a A
J="$R"/batches/${shellQuote(req.batchId)}
if ! e=$(mkdir -p -- "$R"/batches ${dirs.join(" ")} 2>&1 </dev/null); then fail mkdir "$e"; finish 1; return 1; fi
set -C; { printf 'PID %s %s %s\\n' "$$" "$S0" "$b" >"$J"; } 2>/dev/null; rc=$?; set +C
if (( rc )); then fail journal "cannot create the batch journal (it exists already, or no write access)"; finish 1; return 1; fi
L=$(DROVER_NONCE="$n" LC_ALL=C awk -v WHOLE=file ${shellQuote(SUBMIT_AWK)} <&0); rc=$?
if (( rc )); then fail payload "the job files were not written (awk rc=$rc): nothing was submitted"; printf 'DONE\\n' >>"$J"; finish 1; return 1; fi
mapfile -t A <<<"$L"
${LAUNCH_LOOP}
printf 'DONE\\n' >>"$J"
finish 0`;
  return wrapProgram(nonce, body, [...tools]) + encodePayload(nonce, [...records, ...launches]);
}

/** A command word as a launch field: `s` literal, `p` host path (the awk expands `~/`). */
function encodeArg(a: CommandArg): string {
  return typeof a === "string" ? `s${a}` : `p${a.path}`;
}
