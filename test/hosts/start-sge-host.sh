#!/usr/bin/env bash
# Starts Drover's Grid Engine test host: Son of Grid Engine 8.1.9 (Debian gridengine-*), with
# sge_qmaster and sge_execd on this machine and queue all.q, reached as the job user through
# drover-test-a (start-ssh-hosts.sh runs first). Idempotent: a second run only checks (well under
# a second). Needs root; no systemd.
#
# The cell is Debian's: SGE_ROOT=/var/lib/gridengine, SGE_CELL=default, spool
# /var/spool/gridengine (the daemons run as sgeadmin and cannot reach the root-only .hosts/).
# Tuned for tests: 1 s scheduling, 24 slots, no load thresholds, and accounting written at once
# (accounting_flush_time=0: `qacct -j` sees a finished job within about a second instead of 15 s).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=runner-hosts-lib.sh
. "$HERE/runner-hosts-lib.sh"
[ "$(id -u)" = 0 ] || { echo "start-sge-host.sh must run as root" >&2; exit 1; }

bash "$HERE/start-ssh-hosts.sh" >/dev/null
take_runner_lock
H="$(hostname -s)"
C="$SGE_ROOT/$SGE_CELL/common"
SLOTS=24
REPORTING="accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00"

# 1. packages; the preseed lets the postinst make the cell without questions
if ! dpkg-query -W -f='${Status}' gridengine-master 2>/dev/null | grep -q 'ok installed'; then
  printf 'gridengine-common shared/gridengineconfig boolean true\ngridengine-common shared/gridenginecell string %s\ngridengine-common shared/gridenginemaster string %s\n' \
    "$SGE_CELL" "$H" | debconf-set-selections
fi
install_missing gridengine-master gridengine-exec gridengine-client
[ -f "$C/bootstrap" ] || { echo "cell not initialised ($C/bootstrap missing): debconf preseed failed?" >&2; exit 1; }

# 2. names: 127.0.0.1 resolves back to "localhost", which commlib must take as this host
#    (before sge_qmaster starts)
[ "$(cat "$C/act_qmaster" 2>/dev/null)" = "$H" ] || echo "$H" >"$C/act_qmaster"
[ "$(cat "$C/host_aliases" 2>/dev/null)" = "$H localhost" ] || { echo "$H localhost" >"$C/host_aliases"; chmod 0644 "$C/host_aliases"; }

exec_pidfile() {
  local f
  for f in /var/spool/gridengine/execd/*/execd.pid; do
    pid_alive "$f" /usr/lib/gridengine/sge_execd >/dev/null && { echo "$f"; return 0; }
  done
  return 1
}
# joined: qconf output with continuation lines joined and blanks squeezed
joined() { awk '{ buf = buf $0 } /\\$/ { sub(/\\$/, "", buf); next } { gsub(/[ \t]+/, " ", buf); print buf; buf = "" }'; }
qstat_ok() { qstat >/dev/null 2>&1; }
fresh=0
if ! pid_alive "$QMASTER_PID" /usr/lib/gridengine/sge_qmaster >/dev/null; then
  start_daemon /usr/sbin/sge_qmaster
  wait_for 150 0.1 "sge_qmaster not up; see /var/spool/gridengine/qmaster/messages" qstat_ok
  fresh=1
fi

# 3. hosts, queue and timers: set once per qmaster start (each qconf call costs ~50 ms)
if [ "$fresh" = 1 ] || ! exec_pidfile >/dev/null || [ ! -e "$HOSTS_DIR/sge.configured" ]; then
  qconf -ss 2>/dev/null | grep -qx "$H" || qconf -as "$H" >/dev/null   # submit host
  qconf -sh 2>/dev/null | grep -qx "$H" || qconf -ah "$H" >/dev/null   # admin host (execd needs it)
  exec_pidfile >/dev/null || start_daemon /usr/sbin/sge_execd           # registers as exec host
  exec_ok() { qconf -sel 2>/dev/null | grep -qx "$H"; }
  wait_for 150 0.1 "sge_execd did not register; see /var/spool/gridengine/execd/*/messages" exec_ok

  # qconf's -aq, -mq, -msconf and -mconf read their input through $EDITOR: ours is an awk that
  # sets the attributes named in $DRV_SET ("name value" lines), dropping continuation lines
  ed="$(mktemp)"; trap 'rm -f "$ed"' EXIT; chmod 0700 "$ed"
  cat >"$ed" <<'ED'
#!/bin/sh
awk 'BEGIN { n = split(ENVIRON["DRV_SET"], l, "\n")
             for (i = 1; i <= n; i++) { k = l[i]; sub(/ .*/, "", k); v = l[i]; sub(/^[^ ]* /, "", v); set[k] = v } }
     skip { skip = /\\$/; next }
     $1 in set { printf "%-30s%s\n", $1, set[$1]; skip = /\\$/; next }
     { print }' "$1" >"$1.drv" && mv "$1.drv" "$1"
ED
  qedit() { DRV_SET="$2" EDITOR="$ed" qconf "$1" "${@:3}" >/dev/null; }
  queue="hostlist $H
slots $SLOTS
pe_list NONE
ckpt_list NONE
load_thresholds NONE
shell /bin/bash
shell_start_mode unix_behavior"
  if ! qconf -sql 2>/dev/null | grep -qx all.q; then
    qedit -aq "qname all.q
$queue" all.q
  elif ! qconf -sq all.q | grep -q "^slots *$SLOTS$"; then
    qedit -mq "$queue" all.q
  fi
  if ! qconf -ssconf | grep -q '^schedule_interval *0:0:1$'; then
    qedit -msconf "schedule_interval 0:0:1
flush_submit_sec 1
flush_finish_sec 1"
  fi
  if ! qconf -sconf global | joined | grep -qx "reporting_params $REPORTING"; then
    qedit -mconf "reporting_params $REPORTING" global
  fi
  touch "$HOSTS_DIR/sge.configured"
fi

# 4. ready when the queue instance takes jobs (state empty: not unknown, not disabled)
queue_ok() { qstat -f -q "all.q@$H" | awk -v q="all.q@$H" '$1 == q && NF == 5 { ok = 1 } END { exit !ok }'; }
wait_for 150 0.1 "queue all.q@$H not ready; see: qstat -f" queue_ok
echo "ready: Grid Engine 8.1.9 qmaster + execd on $H, queue all.q ($SLOTS slots); SGE_ROOT=$SGE_ROOT SGE_CELL=$SGE_CELL"
echo "ready: ssh -F $HOSTS_DIR/ssh_config drover-test-a 'qsub -terse -b y -N NAME -o /dev/null -j y CMD; qstat -u $JOB_USER; qacct -j ID'"
echo "stop:  bash $HERE/runner-ctl.sh stop-sge"
