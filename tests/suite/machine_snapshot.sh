#!/usr/bin/env bash
# The suite's leak check. "before FILE" records what the machine holds that a
# test could make; "after FILE" (run by CTest after every other test) fails
# when that differs, printing the difference. Kernel teardown is asynchronous
# (a deleted namespace's veth peers vanish a little later): "after" retries
# for up to 15 s before it calls a difference a leak.
# Usage: machine_snapshot.sh before|after FILE
set -uo pipefail
mode=$1
file=$2

snapshot() {
  echo "# namespaces"
  ip netns list | awk '{print $1}' | sort
  echo "# links in the root namespace"
  ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort
  echo "# OVS bridges and ports"
  if ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
    for br in $(ovs-vsctl --timeout=5 list-br); do
      echo "$br: $(ovs-vsctl --timeout=5 list-ports "$br" | sort | tr '\n' ' ')"
    done
  fi
  echo "# nftables tables"
  nft list tables 2>/dev/null | sort
  echo "# DHCP daemons (zombies excluded: this container's init reaps late)"
  ps -eo stat=,comm= | awk '$1 !~ /^Z/ && ($2 == "dnsmasq" || $2 == "dhclient") {print $2}' | sort
  echo "# netlab state and scratch directories"
  ls -d /run/netlab* /tmp/netlab* 2>/dev/null | sort
  ls -A /run/netlab 2>/dev/null | sed 's|^|/run/netlab/|' | sort
}

case $mode in
  before)
    snapshot >"$file"
    echo "recorded $(grep -vc '^#' "$file") objects in $file"
    ;;
  after)
    [[ -f $file ]] || { echo "no snapshot $file: run the whole suite (ctest)"; exit 1; }
    for _ in $(seq 30); do
      if diff -q "$file" <(snapshot) >/dev/null; then
        echo "the machine holds what it held before the suite"
        exit 0
      fi
      sleep 0.5
    done
    echo "FAIL: the suite left objects behind (or removed some): < before, > after"
    diff "$file" <(snapshot)
    exit 1
    ;;
  *)
    echo "usage: $0 before|after FILE" >&2
    exit 2
    ;;
esac
