# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared by start-slurm-hosts.sh, start-sge-host.sh, start-atd.sh and runner-ctl.sh (sourced,
# never run). Names, paths and the small process helpers of the job-runner test hosts.
#
# Layout (everything the daemons let us move lives in the checkout's ignored .hosts/):
#   .hosts/slurm/            slurmdbd.conf, slurmdbd.{pid,log}, MariaDB (mysql/, mysqld.{sock,pid,log})
#   .hosts/slurm/CLUSTER/    slurm.conf, state/, slurmctld.{pid,log}, slurmd.{pid,log}
#   .hosts/runners.lock      one runner script at a time
# System paths the programs insist on: slurmd's spool /var/spool/drover-slurm/CLUSTER (the job
# user execs its script from there, so it cannot be under .hosts/), munge (/etc/munge/munge.key, /run/munge), the client copy
# of cluster 1's config (/etc/slurm/slurm.conf: the job user cannot read .hosts/, mode 0700),
# Grid Engine's cell ($SGE_ROOT=/var/lib/gridengine, spool /var/spool/gridengine) and at's
# spool (/var/spool/cron/atjobs, /run/atd.pid).

# shellcheck source=hosts-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/hosts-lib.sh"

SLURM_DIR="$HOSTS_DIR/slurm"
SLURM_SPOOL=/var/spool/drover-slurm
# cluster 1 runs here (root network namespace); cluster 2 in host b's namespace
C1=drvslurm C1_NODE=drv1n1 C1_PART=drv1 C1_ADDR=127.0.0.1 C1_MINJOBAGE=10
C2=drvslurm2 C2_NODE=drv2n1 C2_PART=drv2 C2_NS=drv-b C2_ADDR=10.78.0.11 C2_MINJOBAGE=3600
DBD_PORT=6819
DB_PORT=3307
SLURM_CPUS=24
MUNGE_PID=/run/munge/munged.pid
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
QMASTER_PID=/var/spool/gridengine/qmaster/qmaster.pid
ATD_PID=/run/atd.pid

# take_runner_lock: one runner script at a time per checkout (fd 8; daemons must not inherit it,
# hence `start_daemon`). Kept apart from start-ssh-hosts.sh's .lock, which these scripts call.
take_runner_lock() {
  mkdir -p "$HOSTS_DIR"
  exec 8>"$HOSTS_DIR/runners.lock"
  flock -w 180 8 || { echo "could not lock $HOSTS_DIR/runners.lock" >&2; exit 1; }
}

# start_daemon CMD...: runs a self-daemonizing program without our lock fd or our stdio.
start_daemon() {
  "$@" 8>&- </dev/null >/dev/null 2>&1
}

# install_missing PKG...: installs the Debian packages not yet installed, with a deny-all
# policy-rc.d so no package starts its stock daemon; apt-get update only without package lists.
install_missing() {
  local need=() p made_policy=0
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  [ ${#need[@]} -gt 0 ] || return 0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d; made_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
    apt-get update -qq
  fi
  echo "installing: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
}

# pid_alive PIDFILE [EXE]: prints the pid when the file names a live process (running EXE, when
# given: a reused pid is not ours).
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(tr -d ' \n' <"$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Debian's daemons are alternatives symlinks (slurmd -> slurmd-wlm): compare resolved paths
  if [ -n "${2:-}" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$(readlink -f "$2")" ]; then return 1; fi
  echo "$pid"
}

# stop_pidfile PIDFILE [EXE]: TERM, wait up to 10 s for the exit, then KILL; removes the pid file.
stop_pidfile() {
  local pid i
  if pid="$(pid_alive "$1" "${2:-}")"; then
    kill -TERM "$pid" 2>/dev/null || true
    # is_live, not kill -0: pid 1 here reaps slowly and a zombie answers kill -0
    for i in $(seq 200); do is_live "$pid" || break; sleep 0.05; done
    if is_live "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$1"
}

# wait_for TRIES DELAY MESSAGE CMD...: retries CMD until it succeeds; fails with MESSAGE.
wait_for() {
  local tries="$1" delay="$2" msg="$3" i
  shift 3
  for i in $(seq "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep "$delay"
  done
  echo "$msg" >&2
  return 1
}

# munge_ok: a credential can be made and decoded (the daemon answers).
munge_ok() { munge -n </dev/null | unmunge >/dev/null 2>&1; }

# start_munge: munged as user munge on the stock key and socket (Slurm's clients use that socket).
start_munge() {
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key; chmod 0600 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  if ! pid_alive "$MUNGE_PID" /usr/sbin/munged >/dev/null; then
    start_daemon runuser -u munge -- /usr/sbin/munged
  fi
  wait_for 100 0.05 "munged does not answer; see /var/log/munge/munged.log" munge_ok
}

# slurm_conf CLUSTER: the SLURM_CONF of a cluster's daemons (root only: .hosts/ is 0700).
slurm_conf() { echo "$SLURM_DIR/$1/slurm.conf"; }

# run_in CLUSTER CMD...: starts a daemon of that cluster. Cluster 2's join drv-b's network only
# (`ip netns exec` would remount /sys and hide the cgroup mounts, which slurmd needs).
run_in() {
  local name="$1"; shift
  if [ "$name" = "$C2" ]; then set -- nsenter --net="/run/netns/$C2_NS" "$@"; fi
  SLURM_CONF="$(slurm_conf "$name")" start_daemon "$@"
}

# node_of CLUSTER: the cluster's only node.
node_of() { if [ "$1" = "$C1" ]; then echo "$C1_NODE"; else echo "$C2_NODE"; fi; }

# start_slurmctld CLUSTER: starts the controller unless it runs.
start_slurmctld() {
  pid_alive "$SLURM_DIR/$1/slurmctld.pid" /usr/sbin/slurmctld >/dev/null || run_in "$1" /usr/sbin/slurmctld
}

# slurmctld_ok CLUSTER: the controller answers a ping.
slurmctld_ok() { SLURM_CONF="$(slurm_conf "$1")" scontrol ping 2>/dev/null | grep -q 'is UP'; }

# node_ready CLUSTER: the node takes jobs; resumes one left down or drained by an earlier stop.
node_ready() {
  local st conf
  conf="$(slurm_conf "$1")"
  st="$(SLURM_CONF="$conf" sinfo -h -N -n "$(node_of "$1")" -o %t 2>/dev/null || true)"
  case "$st" in
    idle | mix | alloc | comp) return 0 ;;
    down | down\* | drain | drain\*)
      SLURM_CONF="$conf" scontrol update nodename="$(node_of "$1")" state=resume 2>/dev/null || true ;;
  esac
  return 1
}
