#!/usr/bin/env bash
# Whole-lab OVS benchmark: N namespaces, each with a veth whose other end is
# an access port (VLAN 100 + i % 10) of one OVS bridge (datapath netdev).
# In one run:
#   netlab up (build) | netlab up again (no-op) | netlab down
# beside a hand-written script doing the same build with `ip -batch` and ONE
# `ovs-vsctl` call (add-br + every add-port with its tag), and its teardown
# (ovs-vsctl del-br, then ip netns del).
#
#   run_ovs_lab_bench.sh [NETLAB_BINARY] [N=500]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
netlab=${1:-$here/../build/netlab}
n=${2:-500}
work=$(mktemp -d)
state=$(mktemp -d /run/netlab-bench.XXXXXX)
lab=benchovs
cleanup() {
  "$netlab" down "$lab" --state-dir "$state" -q >/dev/null 2>&1 || true
  ovs-vsctl --if-exists del-br bsovs >/dev/null 2>&1 || true
  for ns in $(ip netns list | awk '{print $1}' | grep '^bs[0-9]' || true); do ip netns del "$ns"; done
  rm -rf "$work" "$state"
}
trap cleanup EXIT

source "$here/lib/topology.sh"
topo="$work/lab.yaml"
{
  echo "name: $lab"
  namespaces_yaml bo "$n"
  echo "bridges:"
  echo "  bnovs: {kind: ovs, datapath: netdev}"
  echo "links:"
  for ((i = 0; i < n; i++)); do
    echo "  - {endpoints: [bo$i:eth0, bnovs:bop$i], vlan: $((100 + i % 10))}"
  done
} >"$topo"

source "$here/lib/timing.sh"

echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); N=$n; $(ovs-vsctl --version | head -1)"
timed "netlab up (build)" "$netlab" up "$topo" --state-dir "$state"
timed "netlab up (no-op)" "$netlab" up "$topo" --state-dir "$state"
timed "netlab down" "$netlab" down "$lab" --state-dir "$state"

# The hand-written equivalent, as fast as a script gets: one root `ip -batch`
# for every namespace and veth (the peer made directly in its namespace), one
# `ip -n NS -batch` per namespace for lo, the address and up, then ONE
# ovs-vsctl transaction for the bridge and all its tagged ports.
t0=$(now)
vsctl=(ovs-vsctl add-br bsovs -- set bridge bsovs datapath_type=netdev)
{
  for ((i = 0; i < n; i++)); do echo "netns add bs$i"; done
  for ((i = 0; i < n; i++)); do
    echo "link add bsp$i type veth peer name eth0 netns bs$i"
    echo "link set bsp$i up"
  done
} | ip -batch -
for ((i = 0; i < n; i++)); do
  ip -n "bs$i" -batch - <<EOB
link set lo up
addr add 10.$((100 + i / 250)).$((i % 250)).1/24 dev eth0
link set eth0 up
EOB
  vsctl+=(-- add-port bsovs "bsp$i" tag=$((100 + i % 10)))
done
"${vsctl[@]}"
t1=$(now)
ovs-vsctl del-br bsovs
for ((i = 0; i < n; i++)); do echo "netns del bs$i"; done | ip -batch -
while ip -o link show type veth 2>/dev/null | grep -q ': bsp[0-9]'; do sleep 0.01; done
t2=$(now)
printf '%-22s %7.3f s\n' "script up (build)" "$(secs "$t0" "$t1")"
printf '%-22s %7.3f s\n' "script down" "$(secs "$t1" "$t2")"
