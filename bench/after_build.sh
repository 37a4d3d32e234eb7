#!/usr/bin/env bash
# What observing a lab costs in the seconds after its build: builds the lab
# of bench/lib/labs.py (N hosts on Linux bridges, default 1000), then runs
# `netlab plan --timings` every ~0.8 s for SAMPLES times and prints, beside
# each observe time, the first bridge's received packets (the lab's own
# multicast: IPv6 DAD, MLD reports, router solicitations, each flooded to
# every port) and ovs-vswitchd's CPU seconds when it runs. Then `down`.
#   bench/after_build.sh [N] [SAMPLES]        (root; NETLAB=path/to/netlab)
# IPV6=off gives every namespace net.ipv6.conf.{all,default}.disable_ipv6 = 1
# through `sysctls:` (the control: no neighbour discovery at all).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
SAMPLES=${2:-14}
NETLAB=${NETLAB:-build/netlab}
P=ab$$
dir=$(mktemp -d /tmp/netlab-after-build.XXXXXX)
cleanup() {
  "$NETLAB" down "$dir/topology.yaml" --state-dir "$dir/state" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

python3 - "$N" "$P" "${IPV6:-on}" >"$dir/topology.yaml" <<'PY'
import sys
sys.path.insert(0, "bench/lib")
import labs
n, p, ipv6 = int(sys.argv[1]), sys.argv[2], sys.argv[3]
text = labs.topology("linux", n, p, p + "lab")
if ipv6 == "off":
    text = text.replace("    interfaces:\n", "    sysctls: {net.ipv6.conf.all.disable_ipv6: 1, "
                        "net.ipv6.conf.default.disable_ipv6: 1}\n    interfaces:\n")
print(text, end="")
PY

vswitchd=$(pgrep -x ovs-vswitchd || true)
cpu() {  # ovs-vswitchd's user + system seconds so far, or -
  if [ -n "$vswitchd" ]; then awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$vswitchd/stat"; else echo -; fi
}
"$NETLAB" up "$dir/topology.yaml" --state-dir "$dir/state" >/dev/null 2>&1
t0=$(date +%s.%N)
echo "N=$N IPV6=${IPV6:-on}: seconds after up, bridge ${P}b0 rx packets, ovs-vswitchd CPU s, observe"
for _ in $(seq "$SAMPLES"); do
  rx=$(cat "/sys/class/net/${P}b0/statistics/rx_packets")
  c=$(cpu)
  o=$("$NETLAB" plan "$dir/topology.yaml" --state-dir "$dir/state" --timings 2>&1 |
      grep -o 'observe [0-9.]* ms' || echo "observe ? ms")
  printf "t=%5.1f s  rx %7d  vswitchd %8s  %s\n" "$(echo "$(date +%s.%N) - $t0" | bc)" "$rx" "$c" "$o"
  sleep 0.6
done
