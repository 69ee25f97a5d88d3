#!/usr/bin/env bash
# Breaks and mends one test host, for failover tests. Needs root; idempotent.
# usage: host-ctl.sh ACTION NAME      NAME: a | b | c (or drover-test-a ...)
#   stop     end the host's sshd and every live connection to it (a ControlMaster dies: exit 255);
#            the job user's processes there go on, as after a dropped connection
#   start    start the host's sshd if it is down (a cut stays cut, a rekeyed host stays rekeyed)
#   crash    stop, then kill every process of the job user on that host: a machine that died
#   cut      the network goes silent: new connections and live ones hang instead of closing.
#            b, c: the root-side veth goes down. a (loopback; no iptables here): its listener and
#            connection processes are frozen by SIGSTOP; the kernel still accepts TCP, nothing answers
#   restore  undo cut
#   rekey    serve a newly generated host key (known_hosts is left as is: "host key changed");
#            restarts the sshd, so live connections end
#   unrekey  serve the original host key again (restarts the sshd when it was rekeyed)
set -euo pipefail
# shellcheck source=hosts-lib.sh
. "$(dirname "$0")/hosts-lib.sh"
usage="usage: host-ctl.sh stop|start|crash|cut|restore|rekey|unrekey a|b|c"
[ $# = 2 ] || { echo "$usage" >&2; exit 2; }
action="$1" name="${2#drover-test-}"
host_vars "$name" || exit 2
[ "$(id -u)" = 0 ] || { echo "host-ctl.sh must run as root" >&2; exit 1; }
[ -f "$HDIR/host_key" ] || { echo "host $name was never set up: run start-ssh-hosts.sh first" >&2; exit 1; }
take_lock

# wait_answer: after a start, wait until the host answers (a cut host cannot)
wait_answer() {
  local i
  [ -e "$HDIR/cut" ] && return 0
  for i in $(seq 50); do banner_ok "$name" && return 0; sleep 0.05; done
  echo "host $name does not answer; see $HOSTS_DIR/$name.log" >&2
  return 1
}

case "$action" in
  stop) stop_sshd "$name" ;;
  crash) crash_host "$name" ;;
  start) start_sshd "$name" >/dev/null; wait_answer ;;
  cut) cut_host "$name" ;;
  restore) restore_host "$name" ;;
  rekey)
    rm -f "$HDIR/rekey_key" "$HDIR/rekey_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "$ALIAS-rekeyed" -f "$HDIR/rekey_key"
    touch "$HDIR/rekeyed"
    stop_sshd "$name"; start_sshd "$name" >/dev/null; wait_answer
    ;;
  unrekey)
    if [ -e "$HDIR/rekeyed" ]; then
      rm -f "$HDIR/rekeyed"
      stop_sshd "$name"; start_sshd "$name" >/dev/null; wait_answer
    fi
    ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
echo "$action: $ALIAS"
