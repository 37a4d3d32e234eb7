#!/usr/bin/env bash
# Baseline for bench_kernel: the same N hosts built with iproute2, one
# `ip -n NS -batch` per namespace (plus `ip netns add` and one root-side
# `ip -batch` for the veth and its mark), then deleted with `ip netns del`,
# waiting until the root-side veth ends are gone.
#
#   ip_batch_baseline.sh [N=100]
#
# Prints one line in bench_kernel's format. Names: namespaces "nlipb-<i>",
# root ends "nli<i>"; leftovers are removed on start and on exit/interrupt.
set -euo pipefail
# Runs of this script and of bench_kernel take turns: one run's clean-up
# would delete another's objects, and side by side they distort each other.
exec 9>/run/lock/netlab-kernel-bench.lock
flock -n 9 || { echo "ip_batch_baseline: waiting for another kernel benchmark" >&2; flock 9; }
N=${1:-100}
NS_PREFIX=nlipb-
LINK_PREFIX=nli
ALIAS=netlab:bench

cleanup() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^${NS_PREFIX}" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
    { grep "^${LINK_PREFIX}[0-9]" || true; } | while read -r l; do ip link del "$l" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_root_links_gone() {
  local deadline=$((SECONDS + 120))
  while ip -o link show type veth | grep -q ": ${LINK_PREFIX}[0-9]"; do
    ((SECONDS < deadline)) || { echo "ip_batch_baseline: root veths left" >&2; return 1; }
    sleep 0.005
  done
}

now_ms() { date +%s%N | awk '{printf "%.3f", $1 / 1000000}'; }

cleanup
wait_root_links_gone

t0=$(now_ms)
for ((i = 0; i < N; i++)); do
  ns=${NS_PREFIX}${i}
  outer=${LINK_PREFIX}${i}
  ip netns add "$ns"
  # The kernel ignores an alias in a create request, so it is set after.
  ip -batch - <<EOB
link add $outer type veth peer name eth0 netns $ns
link set $outer alias $ALIAS
EOB
  ip -n "$ns" -batch - <<EOB
link set lo up
link set eth0 alias $ALIAS
addr add 10.$((i / 256)).$((i % 256)).1/24 dev eth0
link set eth0 up
EOB
done
t1=$(now_ms)

t2=$(now_ms)
for ((i = 0; i < N; i++)); do
  ip netns del "${NS_PREFIX}${i}"
done
wait_root_links_gone
t3=$(now_ms)

awk -v n="$N" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
  printf "hosts=%d threads=1 create_ms_per_host=%.3f delete_ms_per_host=%.3f create_total_ms=%.1f delete_total_ms=%.1f\n",
    n, (b - a) / n, (d - c) / n, b - a, d - c }'
