#!/usr/bin/env bash
# Fault injection: `netlab up` and `netlab down` of a rich lab (namespaces,
# veths, an OVS bridge with internal ports and VLAN tags, dnsmasq servers,
# DHCP clients, a route, namespace and host sysctls, NAT) are killed with
# SIGKILL right after their K-th progress line, for every K. Each kill must
# land mid-apply (the K-th step line was read, the final "is up"/"is down"
# line was not printed, the process died of the signal); then the next `up`
# must converge (exit 0, empty plan, `netlab test` passes) and the next
# `down` must leave nothing (see lab_leftovers in lib/faults.sh).
# One line per kill point says where the kill landed and what it left.
# Uses the system's Open vSwitch (without stopping it) with bridges and ports
# named t<pid>..., a private state root, and removes everything in a trap.
# Usage: faults_kill.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/faults.sh"
fault_start faults-kill

# kill_at_step K ARGS...: runs `netlab ARGS -v` and sends SIGKILL right after
# its K-th step line ("[k/n] ..." on stderr). Sets: steps (the step lines
# that reached the pipe, so where the kill landed), total (n), at (the K-th
# line), exit_status and printed (what it printed on stdout). (Not "status"
# or "out": check() has locals of those names.)
kill_at_step() {
  local k=$1 fifo="$work/progress" line pid fd
  shift
  rm -f "$fifo"
  mkfifo "$fifo"
  "$netlab" "$@" -v 2>"$fifo" >"$work/stdout" &
  pid=$!
  exec {fd}<"$fifo"
  steps=0 total=0 at=""
  # -t: a netlab that hangs (or a child that kept the pipe) fails the check.
  while IFS= read -r -t 60 line <&"$fd"; do
    [[ $line =~ ^\[[0-9]+/([0-9]+)\]\  ]] || continue
    steps=$((steps + 1))
    total=${BASH_REMATCH[1]}
    if [ "$steps" -eq "$k" ]; then
      kill -9 "$pid" 2>/dev/null
      at=$line
    fi
  done
  exec {fd}<&-
  wait "$pid" 2>/dev/null  # no "Killed" notice from the shell
  exit_status=$?
  printed=$(cat "$work/stdout")
}

# mid_apply VERB: the last kill landed in the middle: killed by the signal,
# after the K-th line, before the final line.
mid_apply() {
  local verb=$1
  [ -n "$at" ] || { echo "the step line was never printed ($steps step lines)" >&2; return 1; }
  [ "$exit_status" -eq 137 ] || { echo "exit status $exit_status, not SIGKILL: finished first?" >&2; return 1; }
  if [[ $printed == *" is $verb"* ]]; then
    echo "the final line was printed: $printed" >&2
    return 1
  fi
}

# What a kill left, in few words: "3 namespace, 2 daemon pid, ...".
left_summary() {
  local s
  s=$(lab_leftovers | awk '{print $1 == "ovs" ? $1 " " $2 : $1}' | sort | uniq -c |
    awk '{c = $1; $1 = ""; printf "%s%d%s", (NR > 1 ? ", " : ""), c, $0}')
  echo "${s:-nothing}"
}

# one_point VERB K: one kill point and its recovery.
one_point() {
  local verb=$1 k=$2 name result
  name="$verb killed after step $k"
  if [ "$verb" = up ]; then
    kill_at_step "$k" up "$file" "${flags[@]}"
  else
    kill_at_step "$k" down "$file" "${flags[@]}"
  fi
  check "$name: landed mid-$verb" mid_apply "$verb"
  result="$name/$total (${at#*] }): landed after $steps steps, exit $exit_status; left: $(left_summary)"
  local before=$fails
  converges "$name" "$file"
  if [ "$fails" -eq "$before" ]; then
    echo "$result; then up converged, down left nothing"
  else
    echo "$result; RECOVERY FAILED"
    force_reset
  fi
}

# The number of steps of each command, from one complete run.
"$netlab" up "$file" "${flags[@]}" -v 2>"$work/up.log" >/dev/null ||
  { cat "$work/up.log" >&2; echo "faults_kill: the first up failed" >&2; exit 1; }
"$netlab" down "$file" "${flags[@]}" -v 2>"$work/down.log" >/dev/null ||
  { cat "$work/down.log" >&2; echo "faults_kill: the first down failed" >&2; exit 1; }
up_steps=$(grep -c '^\[[0-9]*/[0-9]*\] ' "$work/up.log")
down_steps=$(grep -c '^\[[0-9]*/[0-9]*\] ' "$work/down.log")
check "the first down leaves nothing" nothing_left
# Every step kind must be among the kill points (they are all of them).
for kind in "namespace" "veth" "ovs bridge" "ovs internal port" "ovs port" "address" "route" \
  "sysctl" "internal port" "nat table" "dhcp server" "dhcp client"; do
  check "up has a '$kind' step" grep -q "^\[[0-9]*/[0-9]*\] . $kind " "$work/up.log"
done
echo "up has $up_steps steps, down $down_steps: killing each after every step"

for ((k = 1; k <= up_steps; k++)); do one_point up "$k"; done
for ((k = 1; k <= down_steps; k++)); do
  check "down killed after step $k: up first" "$netlab" up "$file" "${flags[@]}" -q
  one_point down "$k"
done

summary faults_kill
