#!/usr/bin/env bash
# Crash recovery on the real kernel: `netlab up` of a 200-namespace lab is
# killed with SIGKILL after several delays (one run per delay); a following
# `netlab up` must converge (exit 0, then `plan --detailed-exitcode` exits 0)
# and `netlab down` must leave nothing of the lab (no namespace of the
# topology, no link marked netlab:<lab>).
# Usage: crash.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2
n=200
delays=(0.05 0.2 0.5 1.0)

# Names start with t<digits> (like the C++ tests' unique names), so that
# concurrent machine snapshots (scenarios.sh) ignore them.
p=t$$
lab="${p}crash"
net=$((200 + $$ % 50))
state=$(mktemp -d /run/netlab-crash.XXXXXX)
work=$(mktemp -d)
file="$work/$lab.yaml"
flags=(--state-dir "$state" -q)
source "$(dirname "$0")/lib/checks.sh"

# Removes whatever a run left (also what netlab itself could not remove), so
# that each delay starts from a clean machine.
reset() {
  "$netlab" down "$file" "${flags[@]}" >/dev/null 2>&1
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${p}n"); do
    ip netns del "$ns" 2>/dev/null
  done
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${p}c"); do
    ip link del "$l" 2>/dev/null
  done
  rm -rf "${state:?}"/*
}
cleanup() {
  reset
  rm -rf "$state" "$work"
}
trap cleanup EXIT


{
  echo "name: $lab"
  echo "namespaces:"
  for ((i = 0; i < n; i++)); do
    echo "  ${p}n$i:"
    echo "    interfaces:"
    echo "      eth0: {addresses: [10.$net.$i.1/24]}"
  done
  echo "links:"
  for ((i = 0; i < n; i++)); do
    echo "  - [${p}n$i:eth0, host:${p}c$i]"
  done
} >"$file"

leftover_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^${p}n"; }
leftover_links() {
  ip -j -d link show 2>/dev/null | python3 -c '
import json, sys
mark = "netlab:" + sys.argv[1]
print(sum(1 for l in json.load(sys.stdin) if l.get("ifalias") == mark))' "$lab"
}
nothing_left() {
  local ns links
  ns=$(leftover_namespaces)
  links=$(leftover_links)
  [ "$ns" = 0 ] && [ "$links" = 0 ] && return 0
  echo "left behind: $ns namespaces, $links marked links" >&2
  return 1
}

for d in "${delays[@]}"; do
  "$netlab" up "$file" "${flags[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$d"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "crash after ${d}s: $(leftover_namespaces) namespaces, $(leftover_links) marked links" >&2
  check "delay $d: up converges" "$netlab" up "$file" "${flags[@]}"
  check "delay $d: plan is empty" "$netlab" plan "$file" "${flags[@]}" --detailed-exitcode
  check "delay $d: down" "$netlab" down "$file" "${flags[@]}"
  check "delay $d: nothing left" nothing_left
  reset
done

summary crash
