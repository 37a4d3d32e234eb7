#!/usr/bin/env bash
# A lab over two machines, both simulated on this one: two "underlay"
# namespaces joined by a veth pair (192.168.77.1/24 and .2/24), and each
# machine's share run by the real CLI with its network namespace as
# netlab's root (nsenter --net; the mount namespace stays the host's, so
# the lab's namespaces get test-unique names from --prefix, and each machine
# its own --state-dir). Checks:
# - m1's share picks its machine from its underlay address (no --machine);
#   m2's is named with --machine;
# - the stitched interfaces are VXLAN devices in the lab namespaces, their
#   tunnels' sockets in the underlay namespaces (nothing of the lab there
#   but a bridge and its VXLAN port on m1);
# - pings cross both stitched links (namespace to namespace, namespace to a
#   bridge address); `netlab test` on each machine passes its own
#   assertions and skips, saying so, the other machine's;
# - a second up plans nothing; a VXLAN device deleted by hand is drift that
#   plan shows and up repairs;
# - down on each machine leaves nothing of the lab on either.
# Usage: stitch.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
src=$1
netlab=$2
p=s$$
u1=${p}u1
u2=${p}u2
state=$(mktemp -d /run/netlab-stitch.XXXXXX)
work=$(mktemp -d)
source "$(dirname "$0")/lib/checks.sh"

on() {  # on 1|2 NETLAB-ARGS...: netlab as machine N (its root: underlay namespace N)
  local n=$1
  shift
  nsenter --net=/run/netns/${p}u$n "$netlab" "$@" --prefix "$p" --state-dir "$state/m$n"
}

cleanup() {
  on 1 down "$work/lab.yaml" --machine m1 -q >/dev/null 2>&1
  on 2 down "$work/lab.yaml" --machine m2 -q >/dev/null 2>&1
  delete_namespaces "$p"
  rm -rf "$state" "$work"
}
trap cleanup EXIT

# The two machines and their underlay.
ip netns add "$u1" && ip netns add "$u2" || { echo "cannot create namespaces"; exit 1; }
ip -n "$u1" link add "${p}ul" type veth peer name "${p}ul" netns "$u2"
ip -n "$u1" addr add 192.168.77.1/24 dev "${p}ul"
ip -n "$u2" addr add 192.168.77.2/24 dev "${p}ul"
for u in "$u1" "$u2"; do
  ip -n "$u" link set lo up
  ip -n "$u" link set "${p}ul" up
done

cat >"$work/lab.yaml" <<'YAML'
name: stitch
machines:
  m1: {address: 192.168.77.1}
  m2: {address: 192.168.77.2}
namespaces:
  a: {machine: m1, interfaces: {e0: {addresses: [10.77.0.1/24]}}}
  b: {machine: m2, interfaces: {e0: {addresses: [10.77.0.2/24]}}}
  c: {machine: m2, interfaces: {e0: {addresses: [10.77.1.2/24]}}}
bridges:
  br0: {machine: m1, addresses: [10.77.1.1/24]}
links:
  - [a:e0, b:e0]
  - [br0:vc, c:e0]
tests:
  - ping: {from: a, to: b:e0}
  - ping: {from: b, to: a:e0}
  - ping: {from: c, to: 10.77.1.1}
YAML
lab=$work/lab.yaml

check "m1 up (machine from its underlay address)" on 1 up "$lab" -q
check "m2 up --machine m2" on 2 up "$lab" --machine m2 -q

is_vxlan() {  # is_vxlan NETNS DEV VNI-PATTERN REMOTE
  local d
  d=$(ip -n "$1" -d link show "$2") || return 1
  grep -q "vxlan id [0-9]* remote $4 local" <<<"$d" && grep -q 'alias netlab:' <<<"$d" ||
    { echo "$1/$2: $d"; return 1; }
}
check "a:e0 is a vxlan to m2" is_vxlan "${p}a" e0 . 192.168.77.2
check "b:e0 is a vxlan to m1" is_vxlan "${p}b" e0 . 192.168.77.1
check "c:e0 is a vxlan to m1" is_vxlan "${p}c" e0 . 192.168.77.1
check "m1's bridge port is a vxlan" bash -c "ip -n $u1 -d link show ${p}vc | grep -q 'vxlan id' &&
  ip -n $u1 link show ${p}vc | grep -q 'master ${p}br0'"
check "same VNI at both ends" bash -c "
  [ \"\$(ip -n ${p}a -d link show e0 | grep -o 'vxlan id [0-9]*')\" = \
    \"\$(ip -n ${p}b -d link show e0 | grep -o 'vxlan id [0-9]*')\" ]"
root_links() {  # root_links N: the links of underlay namespace N but lo and the underlay
  ip -n "${p}u$1" -br link | awk '{print $1}' | cut -d@ -f1 | grep -v -e '^lo$' -e "^${p}ul\$"
}
only_bridge_on_m1() { [ "$(root_links 1 | sort | tr '\n' ' ')" = "${p}br0 ${p}vc " ]; }
nothing_on_m2() { [ -z "$(root_links 2)" ]; }
check "m1's root holds only the bridge and its vxlan port" only_bridge_on_m1
check "nothing of the lab in m2's root" nothing_on_m2

check "ping a -> b across machines" ip netns exec "${p}a" ping -c 3 -i 0.2 -W 2 10.77.0.2
check "ping c -> m1's bridge across machines" ip netns exec "${p}c" ping -c 3 -i 0.2 -W 2 10.77.1.1

test_on() {  # test_on N MACHINE: netlab test passes, one SKIP line per other-machine assertion
  local out
  out=$(on "$1" test "$lab" --machine "$2" 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  grep -q "SKIP" <<<"$out" && grep -q "skipped" <<<"$out"
}
check "netlab test on m1: a's ping passes, the others skipped" test_on 1 m1
check "netlab test on m2: b's and c's pass, a's skipped" test_on 2 m2
json_counts() {
  on 1 test "$lab" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin)
assert (d["passed"], d["failed"], d["skipped"]) == (1, 0, 2), d'
}
check "test -o json counts the skipped" json_counts
check "second up on m1 plans nothing" on 1 plan "$lab" --detailed-exitcode
check "second up on m2 plans nothing" on 2 plan "$lab" --machine m2 --detailed-exitcode
status_shows_tunnel() { on 1 status "$lab" | grep 'vxlan' | grep -q 'remote 192.168.77.2'; }
check "status on m1 shows the tunnel" status_shows_tunnel

# Drift: the tunnel deleted by hand.
ip -n "${p}a" link del e0
drift() {
  local out rc
  out=$(on 1 plan "$lab" --detailed-exitcode 2>&1)
  rc=$?
  echo "$out"
  [ "$rc" -eq 2 ] && grep -q "+   vxlan e0 (vni [0-9]*, remote 192.168.77.2)  (missing)" <<<"$out"
}
check "a deleted vxlan is drift" drift
check "up repairs it" on 1 up "$lab" -q
check "ping a -> b again" ip netns exec "${p}a" ping -c 3 -i 0.2 -W 2 10.77.0.2
check "nothing left to plan" on 1 plan "$lab" --detailed-exitcode

check "down on m1" on 1 down "$lab" -q
check "down on m2" on 2 down "$lab" --machine m2 -q
leftovers() {
  ip netns list | awk '{print $1}' | grep "^$p" | grep -v -e "^$u1\$" -e "^$u2\$"
  root_links 1
  root_links 2
  find "$state" -mindepth 2
}
nothing_left() {
  local out
  out=$(leftovers)
  [ -z "$out" ] || { echo "left: $out"; return 1; }
}
check "nothing left on either machine" nothing_left

summary "stitch"
