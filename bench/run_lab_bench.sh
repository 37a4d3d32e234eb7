#!/usr/bin/env bash
# Whole-lab benchmark: a generated topology of N namespaces, each with a veth
# to the root namespace and an IPv4 address inside. Measures, in one run:
#   netlab up (build) | netlab up again (no-op, ROUNDS times) | netlab down
# beside the same build and teardown done by a hand-written ip -batch script
# (bench/ip_batch_baseline.sh), and prints each netlab command's --timings.
#
#   run_lab_bench.sh [NETLAB_BINARY] [N] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
netlab=${1:-$here/../build/netlab}
n=${2:-1000}
rounds=${3:-5}
work=$(mktemp -d)
state=$(mktemp -d /run/netlab-bench.XXXXXX)
lab=benchlab
trap '"$netlab" down "$lab" --state-dir "$state" -q >/dev/null 2>&1; rm -rf "$work" "$state"' EXIT

source "$here/lib/topology.sh"
topo="$work/lab.yaml"
{
  echo "name: $lab"
  namespaces_yaml bl "$n"
  echo "links:"
  for ((i = 0; i < n; i++)); do echo "  - [bl$i:eth0, host:blh$i]"; done
} >"$topo"

source "$here/lib/timing.sh"

echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); N=$n"
timed "up (build)" "$netlab" up "$topo" --state-dir "$state"
for ((r = 0; r < rounds; r++)); do timed "up (no-op)" "$netlab" up "$topo" --state-dir "$state"; done
timed "plan (no-op)" "$netlab" plan "$topo" --state-dir "$state"
timed "down" "$netlab" down "$lab" --state-dir "$state"
echo "ip -batch baseline, same work: $("$here/ip_batch_baseline.sh" "$n" | tr '\n' ' ')"
