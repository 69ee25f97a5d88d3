#!/usr/bin/env bash
# Starts atd (Debian `at` 3.2.5) for Drover's `at` runner tests, reached as the job user through
# drover-test-a (start-ssh-hosts.sh runs first). Idempotent: a second run only checks. Needs root.
#
# atd -b 0: no pause between batch jobs; -l 10: run batch jobs up to load 10 (the default 1.5
# holds them back on a busy test machine). Its spool (/var/spool/cron/atjobs) and pid file
# (/run/atd.pid) are compiled in. at prints the job ID on stderr ("job N at DATE"), mails output
# that is not redirected, and records no exit status.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=runner-hosts-lib.sh
. "$HERE/runner-hosts-lib.sh"
[ "$(id -u)" = 0 ] || { echo "start-atd.sh must run as root" >&2; exit 1; }

bash "$HERE/start-ssh-hosts.sh" >/dev/null
take_runner_lock
install_missing at

# the job user may use at: not denied, and listed when an allow file exists
if [ -f /etc/at.deny ] && grep -qx "$JOB_USER" /etc/at.deny; then
  sed -i "/^$JOB_USER\$/d" /etc/at.deny
fi
if [ -f /etc/at.allow ] && ! grep -qx "$JOB_USER" /etc/at.allow; then
  echo "$JOB_USER" >>/etc/at.allow
fi

if ! pid_alive "$ATD_PID" /usr/sbin/atd >/dev/null; then
  rm -f "$ATD_PID"
  start_daemon /usr/sbin/atd -b 0 -l 10
  atd_up() { pid_alive "$ATD_PID" /usr/sbin/atd; }
  wait_for 100 0.05 "atd did not start" atd_up
fi
echo "ready: atd pid $(cat "$ATD_PID") (-b 0 -l 10)"
echo "ready: ssh -F $HOSTS_DIR/ssh_config drover-test-a 'echo CMD | at now 2>&1; atq; atrm ID'"
echo "stop:  bash $HERE/runner-ctl.sh stop-atd"
