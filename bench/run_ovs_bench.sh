#!/bin/sh
# Builds and runs the OVS benchmark (root, Open vSwitch running).
#   bench/run_ovs_bench.sh [N=500] [ROUNDS=3] [BUILD_DIR=build-bench]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-500}
rounds=${2:-3}
build=${3:-$src/build-bench}
cleanup() {
  ovs-vsctl --if-exists del-br nlovsbench >/dev/null 2>&1 || true
  i=0
  while [ "$i" -lt "$n" ]; do echo "link del novb$i"; i=$((i + 1)); done |
    ip -force -batch - >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_ovs -j2 >/dev/null
echo "ovs: $(ovs-vsctl --version | head -1), kernel $(uname -r), $(nproc) cores"
"$build/bench_ovs" "$n" "$rounds"
