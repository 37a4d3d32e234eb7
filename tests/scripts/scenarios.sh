#!/usr/bin/env bash
# The four shipped topologies through the whole cycle on the real kernel, OVS
# and dnsmasq: up -> test passes -> up changes nothing -> down leaves the
# machine as before. Then two copies of demo 03 side by side (--prefix).
# Usage: scenarios.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
src=$1
netlab=$2
state=$(mktemp -d /run/netlab-scenarios.XXXXXX)
flags=(--state-dir "$state")
source "$(dirname "$0")/lib/checks.sh"

cleanup() {
  for lab in $(ls "$state" 2>/dev/null | grep -v '\.lock$'); do
    "$netlab" down "$lab" "${flags[@]}" -q >/dev/null 2>&1
  done
  rm -rf "$state"
}
trap cleanup EXIT

# What the machine holds that a lab could have made: namespaces, links in the
# root namespace, OVS bridges, nftables tables, DHCP processes, host files.
snapshot() {
  ip netns list | awk '{print $1}' | grep -v '^t[0-9]' | sort
  ip -j link show | python3 -c 'import json,sys; print(sorted(l["ifname"] for l in json.load(sys.stdin) if not l["ifname"].startswith("t")))'
  ovs-vsctl --timeout=5 list-br | sort
  nft list tables | sort
  # live DHCP daemons (zombies waiting for an init that reaps late are gone already)
  ps -eo stat=,comm= | awk '$1 !~ /^Z/ && ($2 == "dnsmasq" || $2 == "dhclient")' | sort
  md5sum /etc/resolv.conf /etc/hosts
  sysctl -n net.ipv4.ip_forward
}

before=$(snapshot)
for topo in netns-demo-01 netns-demo-02 netns-demo-03 routed-nat; do
  file="$src/topologies/$topo.yaml"
  check "$topo: up" "$netlab" up "$file" "${flags[@]}" -q
  check "$topo: test" "$netlab" test "$file" "${flags[@]}"
  out=$("$netlab" up "$file" "${flags[@]}" -q 2>&1)
  check "$topo: second up changes nothing ($out)" grep -q "nothing to do" <<<"$out"
  check "$topo: plan is empty" "$netlab" plan "$file" "${flags[@]}" --detailed-exitcode -q
  check "$topo: down" "$netlab" down "$file" "${flags[@]}" -q
  after=$(snapshot)
  check "$topo: machine as before" diff <(echo "$before") <(echo "$after")
  check "$topo: state directory clean" test -z "$(ls -A "$state")"
done

# Two copies of demo 03 at once; down of one leaves the other passing.
file="$src/topologies/netns-demo-03.yaml"
check "p1 up" "$netlab" up "$file" --prefix p1- "${flags[@]}" -q
check "p2 up" "$netlab" up "$file" --prefix p2- "${flags[@]}" -q
check "p1 test" "$netlab" test "$file" --prefix p1- "${flags[@]}" -q
check "p2 test" "$netlab" test "$file" --prefix p2- "${flags[@]}" -q
check "p1 down" "$netlab" down p1-demo03 "${flags[@]}" -q
check "p2 still passes" "$netlab" test "$file" --prefix p2- "${flags[@]}" -q
check "p2 down" "$netlab" down "$file" --prefix p2- "${flags[@]}" -q
after=$(snapshot)
check "prefixed copies: machine as before" diff <(echo "$before") <(echo "$after")

summary "scenarios"
