#!/usr/bin/env bash
# README command 1: install what is missing, build, bring up the shipped
# default topology (demo 03: OVS VLANs, two dnsmasq servers, DHCP clients),
# run its assertions, show its status, and take it down again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
topo=${1:-topologies/netns-demo-03.yaml}
netlab=./build/netlab
trap '"$netlab" down "$topo" -q >/dev/null 2>&1 || true' EXIT
"$netlab" validate "$topo"
"$netlab" up "$topo" --timings
"$netlab" test "$topo"
"$netlab" status "$topo"
"$netlab" down "$topo"
trap - EXIT
