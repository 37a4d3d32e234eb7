#!/usr/bin/env bash
# Records real rtnetlink dump replies of this kernel into the fuzz_netlink
# corpus: a small namespace of its own (t<pid>a) holding one of each kind of
# link observe knows (veth to a second namespace, so IFLA_LINK_NETNSID is
# set; bridge with a port; tap; vxlan; macvlan), IPv4 and IPv6 addresses
# (one still tentative), and routes (via a gateway, on-link, multipath).
# Usage (root): tests/fuzz/record_netlink.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus/netlink}
a=t$$a
b=t$$b
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$a"
ip netns add "$b"
in_a() { ip -n "$a" "$@"; }
in_a link set lo up
in_a link add eth0 type veth peer name eth0 netns "$b"
in_a link add veth1 type veth peer name veth2
in_a link add br0 type bridge
in_a link set veth1 master br0
in_a link add tap0 type tuntap mode tap 2>/dev/null || ip netns exec "$a" ip tuntap add tap0 mode tap
in_a link add vx0 type vxlan id 42 dstport 4789 dev eth0
in_a link add mv0 link veth2 type macvlan mode bridge
in_a link set eth0 alias "netlab:fuzzlab"
for l in eth0 veth1 veth2 br0 mv0; do in_a link set "$l" up; done
in_a addr add 10.9.0.1/24 dev eth0
in_a addr add 10.9.1.1/24 dev br0
in_a addr add fd00:9::1/64 dev eth0
in_a addr add fd00:9:1::1/64 dev br0 # br0 has no carrier: stays tentative
in_a route add 10.99.0.0/16 via 10.9.0.2
in_a route add 10.98.0.0/16 dev br0
in_a route add 10.97.0.0/16 nexthop via 10.9.0.2 dev eth0 nexthop via 10.9.1.2 dev br0
in_a -6 route add fd00:99::/48 via fd00:9::2
mkdir -p "$out"
ip netns exec "$a" python3 "$here/record_netlink.py" "$out"
ls -l "$out"
