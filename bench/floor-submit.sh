#!/usr/bin/env bash
# Same-work floor for the local submit benchmark: a minimal hand-written batch doing the work a
# Drover submit batch does, with nothing else. Usage: floor-submit.sh RUNDIR N < PAYLOAD
# PAYLOAD: for each job i, a line "@@F <relpath>" then the file's lines each prefixed with "|".
# One mkdir -p for all directories, one awk writing every job script and status file (with its
# token), then a launch loop under set -m writing the journal lines.
set -u
main() {
  local dir=$1 n=$2 i dirs=()
  for ((i = 0; i < n; i++)); do dirs+=("$dir/log/job/j$i/01"); done
  mkdir -p "$dir/batches" "${dirs[@]}" </dev/null
  LC_ALL=C awk -v dir="$dir" '
    /^@@F / { if (f) close(f); f = dir "/" substr($0, 5); next }
    { print substr($0, 2) > f }
    END { if (f) close(f) }'
  local journal="$dir/batches/floor"
  printf 'PID %s\n' "$$" >"$journal"
  set -m
  for ((i = 0; i < n; i++)); do
    local d="$dir/log/job/j$i/01"
    bash "$d/job" </dev/null >"$d/job.out" 2>"$d/job.err" &
    printf 'SUBMIT j%s/01 rc=0 id=%s\n' "$i" "$!" >>"$journal"
  done
  printf 'DONE\n' >>"$journal"
}
main "$@"
