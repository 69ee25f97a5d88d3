#!/usr/bin/env bash
# Records real output of Slurm, Grid Engine and at into test/fixtures/runners/, for the runner
# parsers' tests. Every command runs as the job user through `ssh drover-test-a`, as Drover runs
# them. Each file starts with one comment line: the exact command (IDs filled in), where and when
# it was recorded, the case and the command's exit status; the rest is the command's output, byte
# for byte (stdout, or stderr for *-stderr.txt files). Needs root and the runner hosts (started
# here). Takes about 2 minutes: a Slurm time limit cannot be shorter than a minute.
# usage: record-runner-fixtures.sh [slurm] [sge] [at]     (no argument: all three)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=runner-hosts-lib.sh
. "$HERE/runner-hosts-lib.sh"
[ "$(id -u)" = 0 ] || { echo "record-runner-fixtures.sh must run as root" >&2; exit 1; }
FIX="$(cd "$HERE/.." && pwd)/fixtures/runners"
ORIGIN="recorded from the project's test host (Slurm 22.05 / SGE 8.1.9 / at 3.2.5) on $(date -u +%Y-%m-%d)"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
ARGS=("$@"); want() { [ ${#ARGS[@]} = 0 ] || printf '%s\n' "${ARGS[@]}" | grep -qx "$1"; }
install -d "$FIX"

R() { ssh -F "$HOSTS_DIR/ssh_config" drover-test-a "$1" </dev/null; }
# rec FILE CASE CMD: records CMD's stdout (stderr when FILE ends in -stderr.txt)
rec() {
  local rc=0
  R "$3" >"$TMP/out" 2>"$TMP/err" || rc=$?
  local body="$TMP/out"
  case "$1" in *-stderr.txt) body="$TMP/err" ;; esac
  { printf '# %s  -- %s; case: %s; exit %s\n' "$3" "$ORIGIN" "$2" "$rc"; cat "$body"; } >"$FIX/$1"
  echo "recorded $1 (exit $rc)"
}
# wait_remote TRIES CMD: polls a remote condition once a second
wait_remote() { local i; for i in $(seq "$1"); do R "$2" >/dev/null 2>&1 && return 0; sleep 1; done; echo "timed out: $2" >&2; return 1; }
SQ="-o '%i|%j|%T|%r|%M|%l'"
SA="-o JobID,JobName,State,ExitCode,Reason"

record_slurm() {
  bash "$HERE/start-slurm-hosts.sh" >/dev/null
  # leftovers of an earlier recording, by name (other tests may be using the clusters as drvjob)
  R "for c in $C1 $C2; do for n in drv_held drv_begin drv_running drv_ok drv_fail drv_cancel drv_cancel_pending drv_timeout drv_requeue drv_probe; do scancel -M \$c -n \$n; done; done"
  local sb="sbatch --parsable -o /dev/null"
  # shellcheck disable=SC2016  # expands remotely
  read -r held begin running ok fail cancel cpend tmo rq < <(R "
    $sb -J drv_held --hold --wrap true; $sb -J drv_begin --begin=now+3600 --wrap true
    $sb -J drv_running --wrap 'sleep 600'; $sb -J drv_ok --wrap true; $sb -J drv_fail --wrap 'exit 3'
    $sb -J drv_cancel --wrap 'sleep 600'; $sb -J drv_cancel_pending --hold --wrap true
    $sb -J drv_timeout -t 1 --wrap 'sleep 600'; $sb -J drv_requeue --wrap 'sleep 600'" | tr '\n' ' '; echo)
  echo "cluster 1 jobs: held=$held begin=$begin running=$running ok=$ok fail=$fail cancel=$cancel cancel_pending=$cpend timeout=$tmo requeue=$rq"
  wait_remote 20 "[ \"\$(squeue -h -j $running,$cancel,$rq,$tmo -o %T | grep -cx RUNNING)\" = 4 ]"
  R "scancel $cancel $cpend; scontrol requeue $rq"
  sleep 1
  rec slurm-sbatch-parsable.txt "sbatch --parsable prints the job ID" "sbatch --parsable -o /dev/null -J drv_probe --hold --wrap true"
  R "scancel -n drv_probe"
  rec slurm-squeue-states.txt "pending (held, begin time, requeued), running; no -t: finished jobs are not listed" "squeue -h $SQ -u drvjob"
  rec slurm-squeue-all-states.txt "-t all: completed, failed, cancelled (running and pending) stay listed for MinJobAge=10 s" "squeue -h -t all $SQ -u drvjob"
  rec slurm-squeue-drover-format.txt "the runner's own format" "squeue -u drvjob -t all -o '%i|%T|%r|%j'"
  rec slurm-squeue-one-finished.txt "-t all -j ID lists a finished job while slurmctld keeps it (MinJobAge)" "squeue -h -t all $SQ -j $fail"
  rec slurm-squeue-one-finished-no-t.txt "without -t, -j ID of a job finished seconds ago prints nothing, exit 0" "squeue -h $SQ -j $fail"
  rec slurm-scontrol-requeued.txt "a running job requeued by scontrol requeue: PENDING, BeginTime, Restarts=1" "scontrol show job $rq"
  rec slurm-scontrol-running.txt "running" "scontrol show job $running"
  rec slurm-scontrol-failed.txt "exit 3" "scontrol show job $fail"
  rec slurm-scontrol-cancelled.txt "scancel of a running job" "scontrol show job $cancel"
  rec slurm-sacct-states.txt "pending, running, completed, failed (exit 3), cancelled (running and pending), requeued" \
    "sacct -n -P -X $SA -j $held,$begin,$running,$ok,$fail,$cancel,$cpend,$rq"
  rec slurm-sacct-steps.txt "without -X: the batch steps of completed, failed (exit 3) and cancelled jobs" "sacct -n -P $SA -j $ok,$fail,$cancel"
  rec slurm-sacct-drover-format.txt "the runner's own fields" "sacct -X -P -o JobID,Cluster,State,ExitCode -j $held,$running,$ok,$fail,$cancel,$rq"

  # cluster 2, reached with -M from here
  local sb2="sbatch -M $C2 --parsable -o /dev/null"
  read -r h2 r2 ok2 f2 x2 < <(R "$sb2 -J drv_held --hold --wrap true; $sb2 -J drv_running --wrap 'sleep 600'
    $sb2 -J drv_ok --wrap true; $sb2 -J drv_fail --wrap 'exit 3'; $sb2 -J drv_cancel --wrap 'sleep 600'" | tr '\n' ' '; echo)
  echo "cluster 2 replies: $h2 $r2 $ok2 $f2 $x2"
  rec slurm-sbatch-parsable-M.txt "with -M the reply is ID;CLUSTER" "sbatch -M $C2 --parsable -o /dev/null -J drv_probe --hold --wrap true"
  R "scancel -M $C2 -n drv_probe"
  wait_remote 20 "squeue -M $C2 -h -j ${x2%;*} -o %T | grep -qx RUNNING"
  R "scancel -M $C2 ${x2%;*}"
  sleep 1
  rec slurm-squeue-M.txt "-M lists each cluster under a CLUSTER: line (a blank line between clusters)" "squeue -M $C1,$C2 $SQ -u drvjob"
  rec slurm-squeue-M-noheader.txt "-h drops the CLUSTER: lines too: the cluster of a row is lost" "squeue -M $C1,$C2 -h $SQ -u drvjob"
  rec slurm-squeue-M-all-states.txt "cluster 2 (MinJobAge 3600): finished jobs stay" "squeue -M $C2 -t all $SQ -u drvjob"
  local ids2="${h2%;*},${r2%;*},${ok2%;*},${f2%;*},${x2%;*}"
  rec slurm-sacct-M.txt "cluster 2: pending, running, completed, failed, cancelled" "sacct -M $C2 -n -P -X $SA -j $ids2"
  rec slurm-sacct-M-both.txt "both clusters without a Cluster field: IDs repeat and cannot be told apart" "sacct -M $C1,$C2 -n -P -X $SA -j $ids2"
  rec slurm-sacct-M-cluster-field.txt "both clusters with the Cluster field" "sacct -M $C1,$C2 -n -P -X -o Cluster,JobID,JobName,State,ExitCode,Reason -j $ids2"
  rec slurm-scancel-finished.txt "scancel of a finished job prints nothing and exits 0" "scancel $ok"

  # the time limit (1 min, checked every 30 s) and the requeued job's second run
  echo "waiting for the time limit of job $tmo (up to 100 s)"
  wait_remote 110 "sacct -n -X -o State -j $tmo | grep -q TIMEOUT"
  rec slurm-squeue-timeout.txt "time limit exceeded (listed for MinJobAge)" "squeue -h -t all $SQ -j $tmo"
  rec slurm-scontrol-timeout.txt "time limit exceeded" "scontrol show job $tmo"
  rec slurm-sacct-timeout.txt "time limit exceeded" "sacct -n -P -X $SA -j $tmo"
  rec slurm-sacct-timeout-steps.txt "time limit exceeded, with the batch step" "sacct -n -P $SA -j $tmo"
  wait_remote 30 "squeue -h -j $rq -o %T | grep -qx RUNNING"
  rec slurm-scontrol-requeued-running.txt "the requeued job running again (Restarts=1)" "scontrol show job $rq"
  rec slurm-sacct-requeued-duplicates.txt "-D: each run of a requeued job" "sacct -n -P -X -D $SA -j $rq"
  rec slurm-squeue-purged-stderr.txt "-j ID of a job purged after MinJobAge" "squeue -h $SQ -j $ok"
  rec slurm-scontrol-purged-stderr.txt "a job purged after MinJobAge" "scontrol show job $ok"
  R "scancel $held $begin $running $rq; scancel -M $C2 ${h2%;*} ${r2%;*}"

  # failures of the query itself
  bash "$HERE/runner-ctl.sh" slurmctld-stop >/dev/null
  rec slurm-squeue-ctld-down-stderr.txt "slurmctld of cluster 1 stopped" "squeue -h $SQ -u drvjob"
  rec slurm-sbatch-ctld-down-stderr.txt "slurmctld of cluster 1 stopped" "sbatch --parsable -o /dev/null --wrap true"
  bash "$HERE/runner-ctl.sh" slurmctld-start >/dev/null
  bash "$HERE/runner-ctl.sh" munge-stop >/dev/null
  rec slurm-squeue-munge-down-stderr.txt "munged stopped" "squeue -h $SQ -u drvjob"
  rec slurm-sbatch-munge-down-stderr.txt "munged stopped" "sbatch --parsable -o /dev/null --wrap true"
  bash "$HERE/runner-ctl.sh" munge-start >/dev/null
}

record_sge() {
  bash "$HERE/start-sge-host.sh" >/dev/null
  R 'qdel -u drvjob >/dev/null 2>&1; mkdir -p ~/drv-fixtures && cd ~/drv-fixtures &&
     printf "#!/bin/sh\nexit 3\n" >fail.sh && printf "#!/bin/sh\nsleep 600\n" >sleep.sh && printf "#!/bin/sh\ntrue\n" >ok.sh'
  local q="cd ~/drv-fixtures && qsub -terse -o /dev/null -j y"
  local later tok; later="$(date -d '+1 hour' +%Y%m%d%H%M)" tok="t$(date +%s)"
  read -r held wait running ok fail del tmo err < <(R "$q -h -N drv_held ok.sh; $q -a $later -N drv_begin ok.sh
    $q -N drv_running sleep.sh; $q -N drv_ok ok.sh; $q -N drv_fail fail.sh; $q -N drv_delete sleep.sh
    $q -N drv_timeout -l h_rt=0:0:3 sleep.sh; cd ~/drv-fixtures && qsub -terse -o /nonexistent/dir/out -j y -N drv_error ok.sh
    $q -N drv_a.$tok ok.sh >/dev/null; $q -N drv_b.$tok fail.sh >/dev/null" | tr '\n' ' '; echo)
  echo "sge jobs: held=$held wait=$wait running=$running ok=$ok fail=$fail delete=$del timeout=$tmo error=$err"
  rec sge-qsub-terse.txt "qsub -terse prints the job ID" "cd ~/drv-fixtures && qsub -terse -h -o /dev/null -j y -N drv_probe ok.sh"
  wait_remote 20 "qstat -u drvjob | awk '\$1 == $del && \$5 == \"r\" { f = 1 } END { exit !f }'"
  rec sge-qdel.txt "qdel of a running job" "qdel $del"
  R "qdel drv_probe" >/dev/null || true
  wait_remote 20 "qstat -u drvjob | awk '\$1 == $err && \$5 == \"Eqw\" { f = 1 } END { exit !f }'"
  wait_remote 20 "qacct -j $tmo"
  sleep 1
  rec sge-qstat-states.txt "held (hqw), waiting for its start time (qw), running (r), error (Eqw: output path not writable)" "qstat -u drvjob"
  rec sge-qstat-drover-format.txt "the runner's lookup query (-r: full names and requests)" "qstat -u drvjob -r"
  rec sge-qstat-xml.txt "the same jobs as XML" "qstat -xml -u drvjob"
  rec sge-qstat-finished.txt "-s z: recently finished jobs (finished_jobs 100)" "qstat -s z -u drvjob"
  rec sge-qstat-j-error.txt "the error reason of an Eqw job" "qstat -j $err"
  rec sge-qacct-completed.txt "exit 0" "qacct -j $ok"
  rec sge-qacct-failed.txt "exit 3" "qacct -j $fail"
  rec sge-qacct-deleted.txt "qdel of a running job" "qacct -j $del"
  rec sge-qacct-timeout.txt "h_rt=0:0:3 exceeded" "qacct -j $tmo"
  rec sge-qacct-pattern.txt "two finished jobs found by a job-name pattern (*.TOKEN)" "qacct -j '*.$tok'"
  rec sge-qacct-unknown-stderr.txt "a job ID that never finished here" "qacct -j 999999"
  rec sge-qstat-j-unknown-stderr.txt "a job ID qmaster does not know" "qstat -j 999999"
  R "qdel $held $wait $running $err" >/dev/null || true
  sleep 1
  rec sge-qstat-empty.txt "no jobs: qstat prints nothing" "qstat -u drvjob"
}

record_at() {
  bash "$HERE/start-atd.sh" >/dev/null
  # shellcheck disable=SC2016  # expands remotely
  R 'for j in $(atq | cut -f1); do atrm "$j"; done'
  rec at-submit-stderr.txt "at prints the job ID on stderr" "echo true | at now + 1 hour"
  R "echo true | at -q b now + 2 hours 2>/dev/null; echo 'sleep 6' | at now 2>/dev/null"
  sleep 2
  rec at-atq.txt "pending jobs in queues a and b and a running one (queue =)" "atq"
  # shellcheck disable=SC2016  # expands remotely
  local first; first="$(R 'atq | sort -n | head -1 | cut -f1')"
  rec at-c.txt "the stored job: environment, then the commands" "at -c $first"
  rec at-atrm-unknown-stderr.txt "atrm of an unknown job" "atrm 999999"
  # shellcheck disable=SC2016
  R 'for j in $(atq | cut -f1); do atrm "$j" 2>/dev/null; done'
  # shellcheck disable=SC2016
  wait_remote 10 '[ -z "$(atq)" ]'
  rec at-atq-empty.txt "no jobs: atq prints nothing" "atq"
}

bash "$HERE/start-ssh-hosts.sh" >/dev/null
if want at; then record_at; fi
if want sge; then record_sge; fi
if want slurm; then record_slurm; fi
echo "fixtures in $FIX"
