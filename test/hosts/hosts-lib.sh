# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared by start-ssh-hosts.sh, host-ctl.sh and stop-ssh-hosts.sh (sourced, never run).
# Names, addresses and paths of the three test hosts, and the process-level operations on one
# host's sshd. Every generated file lives in the checkout's ignored .hosts/ folder.
#
# Hosts (NAME: alias, listen address, network namespace, root-side veth):
#   a: drover-test-a  127.0.0.1:2222   root namespace (loopback)
#   b: drover-test-b  10.78.0.11:22    namespace drv-b, veth drv-b-v on bridge drv-br0
#   c: drover-test-c  10.78.0.12:22    namespace drv-c, veth drv-c-v on bridge drv-br0
# Per host, .hosts/NAME/ holds host_key (the key known_hosts trusts), rekey_key (made by
# `host-ctl.sh rekey`), sshd_config, sshd.pid, and the markers `rekeyed` and `cut`;
# each sshd logs to .hosts/NAME.log.

HOSTS_DIR="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.hosts"
JOB_USER=drvjob
JOB_HOME=/home/drvjob
BRIDGE=drv-br0
BRIDGE_CIDR=10.78.0.1/24
SSHD=/usr/sbin/sshd
ALL_HOSTS=(a b c)

# host_vars NAME: sets ALIAS ADDR PORT NS VETH HDIR for one host, or fails for an unknown name.
host_vars() {
  case "$1" in
    a) ADDR=127.0.0.1 PORT=2222 NS="" VETH="" ;;
    b) ADDR=10.78.0.11 PORT=22 NS=drv-b VETH=drv-b-v ;;
    c) ADDR=10.78.0.12 PORT=22 NS=drv-c VETH=drv-c-v ;;
    *) echo "unknown host '$1' (expected a, b or c)" >&2; return 1 ;;
  esac
  ALIAS="drover-test-$1"
  HDIR="$HOSTS_DIR/$1"
}

# known_host_pattern NAME: how known_hosts names the host (its real address form).
known_host_pattern() {
  host_vars "$1"
  if [ "$PORT" = 22 ]; then echo "$ADDR"; else echo "[$ADDR]:$PORT"; fi
}

# take_lock: one start/ctl/stop at a time per checkout (tests and CI may overlap).
take_lock() {
  mkdir -p "$HOSTS_DIR"
  exec 9>"$HOSTS_DIR/.lock"
  flock -w 120 9 || { echo "could not lock $HOSTS_DIR/.lock" >&2; exit 1; }
}

# is_sshd PID: true when PID is alive and is an sshd (guards against a reused pid).
is_sshd() {
  [ -n "$1" ] && [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$SSHD" ]
}

# listener_pid NAME: prints the pid of the host's listening sshd, or fails when it is down.
listener_pid() {
  local f="$HOSTS_DIR/$1/sshd.pid" pid
  [ -s "$f" ] || return 1
  pid="$(cat "$f")"
  is_sshd "$pid" || return 1
  echo "$pid"
}

# session_pids PID: the sshd processes below listener PID (one tree per client connection).
session_pids() {
  local p
  for p in $(ps -e -o pid=,ppid= | awk -v root="$1" '
      { kids[$2] = kids[$2] " " $1 }
      END { n = split(kids[root], q, " "); while (n > 0) { p = q[n--]; print p
              m = split(kids[p], more, " "); for (i = 1; i <= m; i++) q[++n] = more[i] } }'); do
    is_sshd "$p" && echo "$p"
  done
  return 0
}

# is_live PID: true while the process exists and is not a zombie (pid 1 here reaps slowly).
is_live() {
  local st
  st="$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# wait_gone SECONDS PID...: waits for the pids to exit, then KILLs what is left.
wait_gone() {
  local n=$(( $1 * 20 )) p alive; shift
  while [ "$n" -gt 0 ]; do
    alive=0
    for p in "$@"; do is_live "$p" && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.05; n=$((n - 1))
  done
  for p in "$@"; do is_live "$p" && kill -KILL "$p" 2>/dev/null; done
  return 0
}

# stop_sshd NAME: ends the listener and every live connection of that host (a ControlMaster
# connection to it dies too). The users' own processes are left as a dropped connection leaves them.
stop_sshd() {
  local pid sessions
  pid="$(listener_pid "$1")" || { rm -f "$HOSTS_DIR/$1/sshd.pid"; return 0; }
  # freeze the listener so no connection is accepted while its children are listed
  kill -STOP "$pid"
  mapfile -t sessions < <(session_pids "$pid")
  kill -TERM "$pid" "${sessions[@]}" 2>/dev/null || true
  # a cut host's processes are stopped: let them act on the TERM
  kill -CONT "$pid" "${sessions[@]}" 2>/dev/null || true
  wait_gone 5 "$pid" "${sessions[@]}"
  rm -f "$HOSTS_DIR/$1/sshd.pid"
}

# crash_host NAME: stops the sshd, then kills every process of the job user on that host
# (same network namespace), as if the machine had died with its jobs.
crash_host() {
  local ns_inode p pids=()
  stop_sshd "$1"
  host_vars "$1"
  if [ -n "$NS" ]; then
    ns_inode="$(stat -L -c %i "/run/netns/$NS" 2>/dev/null)" || return 0
  else
    ns_inode="$(stat -L -c %i /proc/self/ns/net)"
  fi
  for p in $(ps -u "$JOB_USER" -o pid= 2>/dev/null); do
    [ "$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null)" = "$ns_inode" ] && pids+=("$p")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -KILL "${pids[@]}" 2>/dev/null || true
  wait_gone 2 "${pids[@]}"
}

# banner_ok NAME: true when the host answers with an SSH banner within 2 s.
banner_ok() {
  host_vars "$1"
  # shellcheck disable=SC2016  # $0 and $1 expand in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && head -c 4 <&3' "$ADDR" "$PORT" 2>/dev/null | grep -q '^SSH-'
}

# write_if_changed FILE MODE: replaces FILE with stdin when different; true when it changed.
write_if_changed() {
  local tmp="$1.tmp.$$"
  cat >"$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 1; fi
  chmod "$2" "$tmp"; mv -f "$tmp" "$1"
}

# write_sshd_config NAME: the host's sshd_config (stock limits: no MaxSessions, no MaxStartups);
# true when it changed. A `rekeyed` marker makes the host serve rekey_key instead of host_key.
write_sshd_config() {
  local key
  host_vars "$1"
  key="$HDIR/host_key"
  [ -e "$HDIR/rekeyed" ] && key="$HDIR/rekey_key"
  write_if_changed "$HDIR/sshd_config" 0600 <<CONF
# Generated by test/hosts/start-ssh-hosts.sh for test host $1 ($ALIAS).
Port $PORT
ListenAddress $ADDR
HostKey $key
PidFile $HDIR/sshd.pid
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers $JOB_USER
AuthorizedKeysFile .ssh/authorized_keys
StrictModes yes
X11Forwarding no
PrintMotd no
PrintLastLog no
Subsystem sftp internal-sftp
LogLevel INFO
CONF
}

# ensure_net NAME: bridge, namespace and veth of a namespaced host (no route out of it).
# The root-side veth is left down while the host is cut.
ensure_net() {
  host_vars "$1"
  [ -n "$NS" ] || return 0
  if [ ! -e "/sys/class/net/$BRIDGE" ]; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
  fi
  [ $(( $(cat "/sys/class/net/$BRIDGE/flags") & 1 )) = 1 ] || ip link set "$BRIDGE" up
  # a veth without its namespace is left over from a namespace deleted while in use
  if [ ! -e "/run/netns/$NS" ]; then
    [ -e "/sys/class/net/$VETH" ] && ip link del "$VETH"
    ip netns add "$NS"
  fi
  if [ ! -e "/sys/class/net/$VETH" ]; then
    ip link add "$VETH" type veth peer name "$VETH-p"
    ip link set "$VETH-p" netns "$NS"
    ip -n "$NS" link set "$VETH-p" name eth0
    ip -n "$NS" addr add "$ADDR/24" dev eth0
    ip -n "$NS" link set lo up
    ip -n "$NS" link set eth0 up
    ip link set "$VETH" master "$BRIDGE"
  fi
  if [ -e "$HDIR/cut" ]; then
    ip link set "$VETH" down
  elif [ $(( $(cat "/sys/class/net/$VETH/flags") & 1 )) = 0 ]; then
    ip link set "$VETH" up
  fi
}

# start_sshd NAME: starts the host's sshd unless it runs with the current config; prints
# "started" when it started one. A cut host a is started frozen (see cut_host).
start_sshd() {
  local changed=0 pid i
  host_vars "$1"
  install -d -m 0755 /run/sshd
  write_sshd_config "$1" && changed=1
  if pid="$(listener_pid "$1")"; then
    [ "$changed" = 0 ] && return 0
    stop_sshd "$1"
  fi
  ensure_net "$1"
  "$SSHD" -t -f "$HDIR/sshd_config"
  if [ -n "$NS" ]; then
    nsenter --net="/run/netns/$NS" "$SSHD" -f "$HDIR/sshd_config" -E "$HOSTS_DIR/$1.log"
  else
    "$SSHD" -f "$HDIR/sshd_config" -E "$HOSTS_DIR/$1.log"
  fi
  for i in $(seq 100); do
    pid="$(listener_pid "$1")" && break
    if [ "$i" = 100 ]; then
      echo "sshd of host $1 did not start (port $ADDR:$PORT taken?); end of $HOSTS_DIR/$1.log:" >&2
      tail -n 3 "$HOSTS_DIR/$1.log" >&2
      return 1
    fi
    sleep 0.05
  done
  [ -z "$NS" ] && [ -e "$HDIR/cut" ] && kill -STOP "$pid"
  echo started
}

# cut_host NAME: the network to the host goes silent; connections hang rather than close.
# b, c: the root-side veth goes down. a (loopback, no iptables): its listener and connection
# processes are frozen with SIGSTOP, so the kernel still accepts TCP but nothing answers.
cut_host() {
  local pid sessions
  host_vars "$1"
  touch "$HDIR/cut"
  if [ -n "$NS" ]; then
    [ -e "/sys/class/net/$VETH" ] && ip link set "$VETH" down
    return 0
  fi
  pid="$(listener_pid "$1")" || return 0
  kill -STOP "$pid"
  mapfile -t sessions < <(session_pids "$pid")
  [ ${#sessions[@]} = 0 ] || kill -STOP "${sessions[@]}" 2>/dev/null || true
}

# restore_host NAME: undoes cut_host.
restore_host() {
  local pid sessions
  host_vars "$1"
  rm -f "$HDIR/cut"
  if [ -n "$NS" ]; then
    [ -e "/sys/class/net/$VETH" ] && ip link set "$VETH" up
    return 0
  fi
  pid="$(listener_pid "$1")" || return 0
  mapfile -t sessions < <(session_pids "$pid")
  [ ${#sessions[@]} = 0 ] || kill -CONT "${sessions[@]}" 2>/dev/null || true
  kill -CONT "$pid"
}
