#!/usr/bin/env bash
# Records real ovsdb-server replies into the fuzz_ovsdb corpus, from a bridge
# of its own (t<pid>br: netdev datapath, marked, an internal port with a tag,
# a trunk port, a port whose device does not exist so that Interface.error
# is set), removed at exit. Plus two crafted seeds: an echo request and an
# update notification between texts, as the server interleaves them.
# Usage (root, Open vSwitch running): tests/fuzz/record_ovsdb.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus/ovsdb}
br=t$$br
cleanup() { ovs-vsctl --if-exists del-br "$br"; }
trap cleanup EXIT
ovs-vsctl add-br "$br" -- set bridge "$br" datapath_type=netdev external_ids:netlab-lab=fuzzlab \
  -- add-port "$br" "${br}1" tag=10 -- set interface "${br}1" type=internal \
  -- add-port "$br" "${br}2" trunks=10,20 -- set interface "${br}2" type=internal \
  -- add-port "$br" "${br}3" -- set port "${br}3" external_ids:netlab-lab=fuzzlab
mkdir -p "$out"
python3 "$here/record_ovsdb.py" /var/run/openvswitch/db.sock "$br" "$out"
printf '\x10{"id":"echo","method":"echo","params":[]} {"id":null,"method":"update","params":[null,{}]}\n{"id":1,"result":[],"error":null}' >"$out/echo-then-reply"
ls -l "$out"
