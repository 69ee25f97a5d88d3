#!/usr/bin/env bash
# Stops what start-ssh-hosts.sh started: the three sshds with their connections and the job
# user's processes on them, the namespaces drv-b and drv-c, their veths and the bridge.
# Keeps the packages, the job user, keys and known_hosts (a restart trusts the same host keys).
# usage: stop-ssh-hosts.sh [--purge]    --purge also deletes .hosts/ and the job user with its home.
# Idempotent. Needs root.
set -euo pipefail
# shellcheck source=hosts-lib.sh
. "$(dirname "$0")/hosts-lib.sh"
[ "$(id -u)" = 0 ] || { echo "stop-ssh-hosts.sh must run as root" >&2; exit 1; }
case "${1:-}" in "" | --purge) ;; *) echo "usage: stop-ssh-hosts.sh [--purge]" >&2; exit 2 ;; esac
take_lock
for h in "${ALL_HOSTS[@]}"; do
  host_vars "$h"
  [ -d "$HDIR" ] || continue
  crash_host "$h"
  rm -f "$HDIR/cut" "$HDIR/rekeyed"
  echo "stopped: $ALIAS"
done
for h in "${ALL_HOSTS[@]}"; do
  host_vars "$h"
  [ -n "$NS" ] || continue
  # Whatever else lives in the namespace (a Slurm cluster's daemons) would outlive it unreachable:
  # end it, so its own start script starts it again in the new namespace.
  if [ -e "/run/netns/$NS" ]; then
    for p in $(ip netns pids "$NS" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  fi
  # the veth pair goes with the namespace; delete it first in case something still holds the namespace
  [ -e "/sys/class/net/$VETH" ] && ip link del "$VETH"
  [ -e "/run/netns/$NS" ] && ip netns del "$NS" && echo "deleted: netns $NS"
done
[ -e "/sys/class/net/$BRIDGE" ] && ip link del "$BRIDGE" && echo "deleted: bridge $BRIDGE"
if [ "${1:-}" = --purge ]; then
  getent passwd "$JOB_USER" >/dev/null && userdel -r "$JOB_USER" 2>/dev/null && echo "deleted: user $JOB_USER"
  # keep the lock file open until the end: remove everything else
  find "$HOSTS_DIR" -mindepth 1 -not -name .lock -delete
  echo "deleted: $HOSTS_DIR contents"
fi
exit 0
