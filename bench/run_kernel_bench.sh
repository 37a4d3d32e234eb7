#!/usr/bin/env bash
# Runs bench_kernel and the ip -batch baseline in the same run, for each N
# given (default: 100 1000), and prints a table in milliseconds per host.
#
#   run_kernel_bench.sh [BENCH_BINARY] [N...]
#
# SETTLE seconds are waited before each run: the kernel goes on tearing down
# the previous run's namespaces (cleanup_net) for seconds after their links
# are gone, and that work competes with the next run. Default 15, or 65 with
# a sync first when /run/netns is not on tmpfs: ext4 without a journal skips
# inodes deleted in the last 60 s (360 s while their table block is dirty)
# when it allocates one, so every /run/netns/NAME of a run scans past the
# previous runs' thousands of deleted files; measured 0.37 -> 0.9 ms CPU per
# namespace from the first run to the third, 15 s apart.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/bench_kernel}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(100 1000)
fstype=$(findmnt -n -o FSTYPE -T /run/netns 2>/dev/null || echo '?')
if [[ $fstype == tmpfs ]]; then settle=${SETTLE:-15}; else settle=${SETTLE:-65}; fi
settle_down() {
  [[ $fstype == tmpfs ]] || sync
  sleep "$settle"
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# What else shapes the figures: /run/netns on a disk file system costs an
# inode per namespace (tmpfs is the usual), and a running ovs-vswitchd
# re-reads every link (getifaddrs) on each link change, holding the RTNL lock.
echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "/run/netns on $fstype; ovs-vswitchd $(pgrep -x ovs-vswitchd >/dev/null && echo running || echo 'not running'); settle ${settle} s"
printf '| %6s | %22s | %22s | %22s | %22s | %22s |\n' N "netlab create ms/host" "ip -batch create ms/host" "netlab delete ms/host" "ip -batch delete ms/host" "netlab create CPU ms/host"
printf '|%s|%s|%s|%s|%s|%s|\n' "--------" "------------------------" "------------------------" "------------------------" "------------------------" "------------------------"
for n in "${sizes[@]}"; do
  settle_down
  ours=$("$bin" "$n")
  settle_down
  theirs=$("$here/ip_batch_baseline.sh" "$n")
  printf '| %6s | %22s | %22s | %22s | %22s | %22s |\n' "$n" \
    "$(field create_ms_per_host <<<"$ours")" "$(field create_ms_per_host <<<"$theirs")" \
    "$(field delete_ms_per_host <<<"$ours")" "$(field delete_ms_per_host <<<"$theirs")" \
    "$(field create_cpu_ms_per_host <<<"$ours")"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
