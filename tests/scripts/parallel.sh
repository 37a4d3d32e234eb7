#!/usr/bin/env bash
# netlab as a CI fixture: six copies of demo 03 (OVS, VLANs, dnsmasq,
# dhclient) brought up at the same moment with --prefix, tested at the same
# moment, taken down at the same moment; every command succeeds, every copy
# passes its assertions, and nothing of any copy is left. (Parallel `up`s
# once removed each other's OVS datapath probe bridge.)
# Usage: parallel.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
src=$1
netlab=$2
copies=6
state=$(mktemp -d /run/netlab-parallel.XXXXXX)
logs=$(mktemp -d)
file="$src/topologies/netns-demo-03.yaml"
source "$(dirname "$0")/lib/checks.sh"

cleanup() {
  for i in $(seq "$copies"); do "$netlab" down "q$i-demo03" --state-dir "$state" -q >/dev/null 2>&1; done
  rm -rf "$state" "$logs"
}
trap cleanup EXIT

# all_of VERB: runs `netlab VERB ...` for every copy at once; fails, printing
# the failed copies' output, unless every one exits 0.
all_of() {
  local verb=$1 pids=() i bad=0
  for i in $(seq "$copies"); do
    case $verb in
      up | test) "$netlab" "$verb" "$file" --prefix "q$i-" --state-dir "$state" -q ;;
      down) "$netlab" down "q$i-demo03" --state-dir "$state" -q ;;
    esac >"$logs/$verb-$i" 2>&1 &
    pids+=($!)
  done
  for i in $(seq "$copies"); do
    if ! wait "${pids[$((i - 1))]}"; then
      echo "copy q$i: netlab $verb failed:"
      cat "$logs/$verb-$i"
      bad=1
    fi
  done
  return $bad
}

check "$copies copies up at once" all_of up
check "$copies copies test at once" all_of test
check "every copy has its own OVS bridge" test "$(ovs-vsctl list-br | grep -c '^q[0-9]-ovs1$')" == "$copies"
check "$copies copies down at once" all_of down
check "no namespace of any copy" bash -c "! ip netns list | grep -q '^q[0-9]-'"
check "no OVS bridge of any copy" bash -c "! ovs-vsctl list-br | grep -q '^q[0-9]-'"
check "no link of any copy in the root namespace" bash -c "! ip -o link | grep -q ': q[0-9]-'"
check "state directory empty" test -z "$(ls -A "$state")"
summary "parallel"
