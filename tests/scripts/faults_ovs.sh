#!/usr/bin/env bash
# Fault injection: ovsdb-server, or ovs-vswitchd, stops in the middle of
# `netlab up` of the rich lab (lib/faults.sh). `up` must fail with a clear
# error, roll back what it can, and once Open vSwitch is back, `up` must
# converge and `down` leave nothing.
# The system's Open vSwitch is never touched: the script runs a private one,
# its own ovsdb-server (db, socket, pid and log files in a temp dir) and its
# own ovs-vswitchd in a network namespace of its own, where the netdev
# datapath's "ovs-netdev" tap cannot clash with the system's. The scenarios
# run in that namespace too (nsenter --net, so /run/netns is the host's):
# for netlab it is the root namespace, for vswitchd the only one.
# The fault lands at a checked point: netlab is paused (SIGSTOP) right after
# its first step line, the daemon is stopped, netlab continues; the step
# lines printed before the pause must not include an OVS step.
# Usage: faults_ovs.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2

# ovs_start ovsdb|vswitchd, ovs_stop ovsdb|vswitchd: the private daemons, by
# the pid files in $ovs_dir (OVS_RUNDIR etc. point there too).
ovs_start() {
  case $1 in
    ovsdb)
      ovsdb-server "$ovs_dir/conf.db" --remote="punix:$ovs_dir/db.sock" \
        --pidfile="$ovs_dir/ovsdb.pid" --unixctl="$ovs_dir/ovsdb.ctl" \
        --log-file="$ovs_dir/ovsdb.log" -vconsole:off --detach --no-chdir
      ;;
    vswitchd)
      nsenter --net="/run/netns/$ovs_netns" ovs-vswitchd "unix:$ovs_dir/db.sock" \
        --pidfile="$ovs_dir/vswitchd.pid" --unixctl="$ovs_dir/vswitchd.ctl" \
        --log-file="$ovs_dir/vswitchd.log" -vconsole:off --detach --no-chdir
      ;;
  esac
}
ovs_stop() {
  local pid
  pid=$(cat "$ovs_dir/$1.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
}

if [ "${FAULTS_OVS_INNER:-}" != 1 ]; then
  ovs_netns=t$$ovs
  ovs_dir=$(mktemp -d /tmp/netlab-faults-ovs.XXXXXX)
  export OVS_RUNDIR=$ovs_dir OVS_DBDIR=$ovs_dir OVS_LOGDIR=$ovs_dir
  outer_cleanup() {
    ovs_stop vswitchd
    ovs_stop ovsdb
    ip netns del "$ovs_netns" 2>/dev/null
    rm -rf "$ovs_dir"
  }
  trap outer_cleanup EXIT
  ip netns add "$ovs_netns" || exit 1
  ovsdb-tool create "$ovs_dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema || exit 1
  ovs_start ovsdb || exit 1
  ovs-vsctl --db="unix:$ovs_dir/db.sock" --no-wait init >/dev/null || exit 1
  ovs_start vswitchd || exit 1
  FAULTS_OVS_INNER=1 FAULTS_OVS_DIR=$ovs_dir FAULTS_OVS_NETNS=$ovs_netns \
    nsenter --net="/run/netns/$ovs_netns" bash "$0" "$@"
  exit $?
fi

ovs_dir=$FAULTS_OVS_DIR
ovs_netns=$FAULTS_OVS_NETNS
ovsdb=$ovs_dir/db.sock
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/faults.sh"
# A prefix of its own: the private namespace is t<outer pid>ovs.
fault_start faults-ovs "t$$l"

cleanup() {
  [ -e "$ovs_dir/ovsdb.pid" ] || ovs_start ovsdb
  [ -e "$ovs_dir/vswitchd.pid" ] || ovs_start vswitchd
  fault_cleanup
}
# lib/faults.sh was sourced in this namespace: its host sysctl (read
# there) is this namespace's.
trap cleanup EXIT

# up_with_fault DAEMON: `netlab up -v`, paused after its first step line
# while DAEMON stops. Sets: early (step lines printed before the pause),
# err (all it printed on stderr), rc (its exit status).
up_with_fault() {
  local daemon=$1 fifo="$work/progress" line pid fd n=0
  rm -f "$fifo"
  mkfifo "$fifo"
  "$netlab" up "$file" "${flags[@]}" -v 2>"$fifo" >/dev/null &
  pid=$!
  exec {fd}<"$fifo"
  early="" err=""
  while IFS= read -r -t 120 line <&"$fd"; do
    err+=$line$'\n'
    [[ $line =~ ^\[[0-9]+/[0-9]+\]\  ]] || continue
    n=$((n + 1))
    [ "$n" -eq 1 ] || continue
    kill -STOP "$pid"
    early=$line$'\n'
    while IFS= read -r -t 0.3 line <&"$fd"; do early+=$line$'\n' err+=$line$'\n'; done
    ovs_stop "$daemon"
    kill -CONT "$pid"
  done
  exec {fd}<&-
  wait "$pid"
  rc=$?
}

# landed_before_ovs: no OVS step was printed before the pause.
landed_before_ovs() {
  [ -n "$early" ] || { echo "no step line before the pause" >&2; return 1; }
  if grep -q '^\[[0-9]*/[0-9]*\] . ovs ' <<<"$early"; then
    echo "OVS was done before the pause:"$'\n'"$early" >&2
    return 1
  fi
}

# failed_clearly PATTERN: up failed, its error matches PATTERN.
failed_clearly() {
  echo "up exit $rc: $(grep '^error' <<<"$err" | head -n 3)"
  [ "$rc" -ne 0 ] || { echo "up succeeded without $1" >&2; return 1; }
  grep '^error' <<<"$err" | grep -qE -- "$2" || { echo "the error does not say /$2/" >&2; return 1; }
}

# kernel_rolled_back_record_kept: what is left is only the lab's state
# directory and lock (OVS rows cannot be seen while ovsdb-server is down).
kernel_rolled_back_record_kept() {
  local left
  left=$(lab_leftovers | grep -v -e '^state directory ' -e '^lock file ')
  [ -z "$left" ] && [ -d "$state/$lab" ] && return 0
  echo "left behind:"$'\n'"$left" >&2
  return 1
}

# scenario DAEMON PATTERN: one daemon stopped mid-up; rollback; recovery.
scenario() {
  local daemon=$1 pattern=$2
  up_with_fault "$daemon"
  check "$daemon stopped: landed before the OVS transaction" landed_before_ovs
  check "$daemon stopped: up fails clearly" failed_clearly "$daemon" "$pattern"
  # What can be rolled back is: everything in the kernel, and the OVS rows
  # when ovsdb-server still answers. When it does not, rows of the lab may
  # remain unseen: the lab's record stays, the error says so, and `down`
  # removes the rest once OVS is back.
  if [ "$daemon" = ovsdb ]; then
    check "$daemon stopped: the kernel rolled back, the record kept" kernel_rolled_back_record_kept
    check "$daemon stopped: the error says the rollback is incomplete" \
      grep -qE "rollback incomplete|Open vSwitch does not answer" <<<"$err"
    check "$daemon stopped: the error says what removes the rest" \
      grep -qE "netlab down [^ ]+. removes" <<<"$err"
    ovs_start "$daemon"
    check "$daemon back: down removes what is left" \
      timeout 120 "$netlab" down "$file" "${flags[@]}" -q
  else
    check "$daemon stopped: rolled back" nothing_left
    ovs_start "$daemon"
  fi
  check "$daemon back: nothing left in OVS either" nothing_left
  force_reset
  converges "$daemon stopped, then back" "$file"
}

check "private OVS answers" vsctl show
converges "private OVS" "$file"
scenario ovsdb "Open vSwitch|ovsdb|$ovsdb"
scenario vswitchd "ovs-vswitchd|cur_cfg"

summary faults_ovs
