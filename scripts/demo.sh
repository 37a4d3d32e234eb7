#!/usr/bin/env bash
# README command 1: install, build, bring up the shipped default topology,
# show its status, take it down again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
topo=${1:-topologies/netns-demo-03.yaml}
./build/netlab validate "$topo"
./build/netlab graph "$topo"
