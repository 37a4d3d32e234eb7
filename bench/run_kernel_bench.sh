#!/usr/bin/env bash
# Runs bench_kernel and the ip -batch baseline in the same run, for each N
# given (default: 100 1000), and prints a table in milliseconds per host.
#
#   run_kernel_bench.sh [BENCH_BINARY] [N...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/bench_kernel}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(100 1000)

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %6s | %22s | %22s | %22s | %22s |\n' N "netlab create ms/host" "ip -batch create ms/host" "netlab delete ms/host" "ip -batch delete ms/host"
printf '|%s|%s|%s|%s|%s|\n' "--------" "------------------------" "------------------------" "------------------------" "------------------------"
for n in "${sizes[@]}"; do
  ours=$("$bin" "$n")
  theirs=$("$here/ip_batch_baseline.sh" "$n")
  printf '| %6s | %22s | %22s | %22s | %22s |\n' "$n" \
    "$(field create_ms_per_host <<<"$ours")" "$(field create_ms_per_host <<<"$theirs")" \
    "$(field delete_ms_per_host <<<"$ours")" "$(field delete_ms_per_host <<<"$theirs")"
done
