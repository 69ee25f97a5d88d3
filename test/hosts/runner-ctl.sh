#!/usr/bin/env bash
# Breaks, mends, reports on and stops the job-runner test hosts (see start-slurm-hosts.sh,
# start-sge-host.sh, start-atd.sh). Needs root; each action is idempotent.
# usage: runner-ctl.sh ACTION [CLUSTER]        CLUSTER: drvslurm (default) | drvslurm2
#   munge-stop       stop munged: every Slurm command fails ("Munge encode failed"), exit non-zero
#   munge-start      start munged again and wait until it answers
#   slurmctld-stop   stop the cluster's controller: squeue/sbatch there fail; jobs keep running
#   slurmctld-start  start it again (state recovered from its StateSaveLocation) and wait for it
#   status           one line per daemon: NAME up PID | NAME down
#   stop-slurm       stop both clusters, slurmdbd, MariaDB and munged (running job steps stay)
#   stop-sge         stop sge_execd and sge_qmaster
#   stop-atd         stop atd
#   stop-all         all three stops
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=runner-hosts-lib.sh
. "$HERE/runner-hosts-lib.sh"
usage="usage: runner-ctl.sh munge-stop|munge-start|slurmctld-stop|slurmctld-start|status|stop-slurm|stop-sge|stop-atd|stop-all [drvslurm|drvslurm2]"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "$usage" >&2; exit 2; fi
action="$1" cluster="${2:-$C1}"
case "$cluster" in "$C1" | "$C2") ;; *) echo "unknown cluster '$cluster'; $usage" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "runner-ctl.sh must run as root" >&2; exit 1; }
take_runner_lock

# report NAME PIDFILE EXE: one status line
report() {
  local pid
  if pid="$(pid_alive "$2" "$3")"; then echo "$1 up $pid"; else echo "$1 down"; fi
}
execd_pidfile() {
  local f
  for f in /var/spool/gridengine/execd/*/execd.pid; do [ -e "$f" ] && { echo "$f"; return 0; }; done
  echo /var/spool/gridengine/execd/none/execd.pid
}
stop_slurm() {
  local c
  for c in "$C2" "$C1"; do
    stop_pidfile "$SLURM_DIR/$c/slurmd.pid" /usr/sbin/slurmd
    stop_pidfile "$SLURM_DIR/$c/slurmctld.pid" /usr/sbin/slurmctld
  done
  stop_pidfile "$SLURM_DIR/slurmdbd.pid" /usr/sbin/slurmdbd
  stop_pidfile "$SLURM_DIR/mysqld.pid" /usr/sbin/mariadbd
  stop_pidfile "$MUNGE_PID" /usr/sbin/munged
}
stop_sge() {
  stop_pidfile "$(execd_pidfile)" /usr/lib/gridengine/sge_execd
  stop_pidfile "$QMASTER_PID" /usr/lib/gridengine/sge_qmaster
}

case "$action" in
  munge-stop) stop_pidfile "$MUNGE_PID" /usr/sbin/munged ;;
  munge-start) start_munge ;;
  slurmctld-stop) stop_pidfile "$SLURM_DIR/$cluster/slurmctld.pid" /usr/sbin/slurmctld ;;
  slurmctld-start)
    [ -f "$(slurm_conf "$cluster")" ] || { echo "cluster $cluster was never set up: run start-slurm-hosts.sh" >&2; exit 1; }
    start_slurmctld "$cluster"
    ctld_up() { slurmctld_ok "$cluster"; }
    wait_for 150 0.1 "slurmctld of $cluster not up; see $SLURM_DIR/$cluster/slurmctld.log" ctld_up
    node_up() { node_ready "$cluster"; }
    wait_for 150 0.1 "node of $cluster not ready; see $SLURM_DIR/$cluster/slurmd.log" node_up
    ;;
  status)
    report munged "$MUNGE_PID" /usr/sbin/munged
    report mariadbd "$SLURM_DIR/mysqld.pid" /usr/sbin/mariadbd
    report slurmdbd "$SLURM_DIR/slurmdbd.pid" /usr/sbin/slurmdbd
    for c in "$C1" "$C2"; do
      report "slurmctld-$c" "$SLURM_DIR/$c/slurmctld.pid" /usr/sbin/slurmctld
      report "slurmd-$c" "$SLURM_DIR/$c/slurmd.pid" /usr/sbin/slurmd
    done
    report sge_qmaster "$QMASTER_PID" /usr/lib/gridengine/sge_qmaster
    report sge_execd "$(execd_pidfile)" /usr/lib/gridengine/sge_execd
    report atd "$ATD_PID" /usr/sbin/atd
    exit 0
    ;;
  stop-slurm) stop_slurm ;;
  stop-sge) stop_sge ;;
  stop-atd) stop_pidfile "$ATD_PID" /usr/sbin/atd ;;
  stop-all) stop_slurm; stop_sge; stop_pidfile "$ATD_PID" /usr/sbin/atd ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
echo "$action: done"
