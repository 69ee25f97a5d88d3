/**
 * The fixed bash functions of the job wrapper. Every status write is one `printf >>` of one line
 * (one write(2) on an O_APPEND file); the only forks are `mkdir`, and `sleep` while stopping a job.
 * Bash text inside TS template literals: `\${` is bash's `${`, `\\` is one backslash.
 */

/**
 * `drover_message SEVERITY TEXT...`: exported to the job (`export -f`), so it must stand alone.
 * Text is capped at 1000 characters, then escaped so that no message can forge another line.
 */
export const DROVER_MESSAGE_FUNCTION = `drover_message() {
  local sev=\${1-} text t bs='\\' IFS=' '
  case $sev in
    INFO | WARNING | CRITICAL) ;;
    *)
      printf 'drover_message: severity must be INFO, WARNING or CRITICAL, not %q\\n' "$sev" >&2
      return 2
      ;;
  esac
  if [[ -z \${DROVER_STATUS_FILE-} ]]; then
    printf 'drover_message: DROVER_STATUS_FILE is not set (not inside a Drover job?)\\n' >&2
    return 2
  fi
  shift
  text=$*
  text=\${text:0:1000}
  text=\${text//"$bs"/"$bs$bs"}
  text=\${text//$'\\n'/"\${bs}n"}
  text=\${text//$'\\r'/"\${bs}r"}
  TZ=UTC printf -v t '%(%Y-%m-%dT%H:%M:%SZ)T' -1
  printf 'DROVER_MESSAGE=%s|%s|%s\\n' "$t" "$sev" "$text" >>"$DROVER_STATUS_FILE"
}`;

/**
 * The wrapper's own functions; `held` lists every trapped real signal (ignored while ending).
 * `heldStatus` are the statuses (128 + number) of a child killed by one of those signals.
 */
export function wrapperFunctions(held: readonly string[], heldStatus: readonly number[] = []): string {
  const hold = held.length > 0 ? `trap '' ${held.join(" ")}` : ":";
  const statuses = heldStatus.length > 0 ? heldStatus.join("|") : "-1";
  return `# Wrapper state; the job's script runs in a separate bash and sees none of it.
drover_child= drover_ended= drover_pgrp= drover_parent= drover_path= drover_t=
drover_found=()

drover_now() { TZ=UTC printf -v drover_t '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }

# Ignores the trapped signals: the end is being written and must not be interrupted.
drover_hold() { ${hold}; }

# The INIT line: the job ID as the job sees it (runner variables, else our process group).
drover_init() {
  local s= id= count=1
  { read -r s <"/proc/$$/stat"; } 2>/dev/null
  s=\${s##*") "}
  s=\${s#* }
  s=\${s#* }
  drover_pgrp=\${s%% *}
  [[ $drover_pgrp =~ ^[0-9]+$ ]] || drover_pgrp=
  { read -r drover_parent <"/proc/$PPID/comm"; } 2>/dev/null
  if [[ -n \${SLURM_JOB_ID-} ]]; then
    id=$SLURM_JOB_ID\${SLURM_CLUSTER_NAME:+;$SLURM_CLUSTER_NAME}
  elif [[ -n \${PBS_JOBID-} ]]; then
    id=$PBS_JOBID
  elif [[ -n \${LSB_JOBID-} ]]; then
    id=$LSB_JOBID
  elif [[ -n \${JOB_ID-} ]]; then
    id=$JOB_ID
  else
    id=\${drover_pgrp:-$$}
  fi
  id=\${id//[[:cntrl:]|]/_}
  [[ \${SLURM_RESTART_COUNT-} =~ ^[0-9]{1,9}$ ]] && count=$((10#$SLURM_RESTART_COUNT + 1))
  drover_now
  printf 'DROVER_JOB_INIT=%s|%s|%s|%s\\n' "$drover_t" "$count" "$$" "$id" >>"$DROVER_STATUS_FILE"
}

# Writes the one EXIT line of this run; later calls do nothing.
drover_exit_line() {
  [[ -z $drover_ended ]] || return 0
  drover_ended=1
  drover_now
  printf 'DROVER_JOB_EXIT=%s|%s|%s\\n' "$drover_t" "$1" "$2" >>"$DROVER_STATUS_FILE"
}

# True while process $1 exists and is not a zombie.
drover_alive() {
  local s=
  { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
  s=\${s##*") "}
  [[ $s != [ZX]* ]]
}

# Fills drover_found with the job's other processes, from one pass over /proc: the child and its
# descendants, plus our process group's members when that group is the job's own (we lead it, or
# our parent timeout does). Nothing outside the job is listed.
drover_collect() {
  local -A kids=()
  local f s pid ppid pg own= queue=() n=0
  drover_found=()
  if [[ -n $drover_pgrp ]] && [[ $drover_pgrp == "$$" || ($drover_pgrp == "$PPID" && $drover_parent == timeout) ]]; then
    own=1
  fi
  for f in /proc/[0-9]*/stat; do
    { read -r s <"$f"; } 2>/dev/null || continue
    pid=\${s%% *}
    s=\${s##*") "}
    s=\${s#* }
    ppid=\${s%% *}
    s=\${s#* }
    pg=\${s%% *}
    kids[$ppid]+=" $pid"
    if [[ -n $own && $pg == "$drover_pgrp" && $pid != "$$" && $pid != "$PPID" ]]; then
      drover_found+=("$pid")
    fi
  done
  [[ -n $drover_child ]] && queue=("$drover_child")
  while ((\${#queue[@]} > 0 && n++ < 100000)); do
    pid=\${queue[0]}
    queue=("\${queue[@]:1}")
    drover_found+=("$pid")
    queue+=(\${kids[$pid]-})
  done
}

# Stops the job: TERM now, KILL if the child is still there after 10 s.
drover_stop() {
  local p i
  [[ -n $drover_child ]] || return 0
  drover_collect
  for p in "\${drover_found[@]}"; do kill -s TERM "$p" 2>/dev/null; done
  for ((i = 0; i < 100; i++)); do
    drover_alive "$drover_child" || return 0
    PATH=$drover_path sleep 0.1 </dev/null
  done
  drover_collect
  for p in "\${drover_found[@]}"; do kill -s KILL "$p" 2>/dev/null; done
}

# A fail signal: record it once, stop the job, exit 128 + number.
drover_fail() {
  drover_hold
  drover_exit_line "$1" "$2"
  drover_stop
  exit "$2"
}

# A vacation signal: the runner will start the job again; no EXIT line.
drover_vacate() {
  drover_hold
  if [[ -z $drover_ended ]]; then
    drover_ended=1
    drover_now
    printf 'DROVER_JOB_VACATED=%s|%s\\n' "$drover_t" "$1" >>"$DROVER_STATUS_FILE"
  fi
  drover_stop
  exit "$2"
}

# The wrapper is ending without having recorded why: say so (EXIT|rc).
drover_on_exit() {
  local rc=$?
  drover_hold
  drover_exit_line EXIT "$rc"
  drover_stop
}

# The child ended: SUCCEEDED or ERR, and the wrapper exits with its status. A status saying a
# trapped signal killed it (scancel signals every process: the child may die before our own trap
# runs) waits a moment with the traps live, so the wrapper's own copy records the signal instead.
drover_finish() {
  drover_child=
  case $1 in
    ${statuses})
      PATH=$drover_path sleep 2 </dev/null &
      wait "$!"
      ;;
  esac
  drover_hold
  if (($1 == 0)); then drover_exit_line SUCCEEDED 0; else drover_exit_line ERR "$1"; fi
  exit "$1"
}

# Cannot set the job up: a CRITICAL message, then the EXIT trap records EXIT|1.
drover_abort() {
  drover_message CRITICAL "$1"
  exit 1
}
`;
}
