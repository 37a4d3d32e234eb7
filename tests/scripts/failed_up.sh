#!/usr/bin/env bash
# A failed `up` leaves the machine exactly as before, on the real kernel, OVS,
# dnsmasq and dhclient: copies of the demos that fail for real after a
# partial effect, each with its own --prefix and a private state directory:
# - at a DHCP lease: red's port in VLAN 300, where no server answers;
# - at a dnsmasq start: a `dnsmasq` first in PATH that exits 1;
# - at an OVS port: datapath `system` on a kernel without the OVS module
#   (vswitchd takes the rows, then cannot add the interfaces);
# - at an address: an IPv6 multicast address (the kernel refuses it after
#   the namespaces, veths and OVS rows are made);
# - at readiness: one IPv6 address on both ends of a link (DAD fails after
#   every step succeeded).
# After each: exit 1, the rollback shown step by step with a summary line, no
# namespace, link, OVS row, nft table or process of the copy, no record
# (state directory empty: no lab directory, no lock file), `ls` empty.
# Then: `up` killed with SIGKILL while its DHCP clients wait for their
# leases; the next `up` returns only when the lab is usable (`netlab test`
# passes right after it), although it has nothing to apply.
# Usage: failed_up.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
src=$1
netlab=$2
p=t$$
state=$(mktemp -d /run/netlab-failed-up.XXXXXX)
work=$(mktemp -d)
servers=()  # dnsmasq pids the kill test stops (SIGSTOP)
source "$(dirname "$0")/lib/checks.sh"

cleanup() {
  for lab in $("$netlab" ls --state-dir "$state" 2>/dev/null); do
    "$netlab" down "$lab" --state-dir "$state" -q >/dev/null 2>&1
  done
  # What netlab itself might have left: only names of this test.
  [ "${#servers[@]}" -gt 0 ] && kill -CONT "${servers[@]}" 2>/dev/null
  delete_namespaces "$p"
  for br in $(ovs-vsctl list-br 2>/dev/null | grep "^$p"); do ovs-vsctl --if-exists del-br "$br"; done
  # Daemons of this test: their argv names its own state directory.
  pgrep -f -- "$state/" | xargs -r kill -9 2>/dev/null
  rm -rf "$state" "$work"
}
trap cleanup EXIT

# Everything of the copy with prefix $1 on the machine, one object a line.
leftovers() {
  local prefix=$1
  ip netns list 2>/dev/null | awk '{print "netns " $1}' | grep " $prefix"
  ip -o link show 2>/dev/null | awk -F': ' '{print "link " $2}' | cut -d@ -f1 | grep " $prefix"
  ovs-vsctl list-br 2>/dev/null | sed 's/^/ovs bridge /' | grep " $prefix"
  ovs-vsctl --columns=name --format=csv --no-headings list Port 2>/dev/null |
    sed 's/^/ovs port /' | grep " $prefix"
  nft list tables 2>/dev/null | grep "netlab-$prefix"
  pgrep -af -- "$state/$prefix" | sed 's/^/process /'
  find "$state" -mindepth 1 -path "$state/$prefix*" | sed 's/^/record /'
  "$netlab" ls --state-dir "$state" 2>/dev/null | grep "^$prefix" | sed 's/^/ls /'
}

# failed_up NAME PREFIX FILE [ENV...]: `up` must fail, show its rollback and
# leave nothing of the copy behind.
failed_up() {
  local name=$1 prefix=$2 file=$3 out status left
  shift 3
  out=$(env "$@" "$netlab" up "$file" --prefix "$prefix" --state-dir "$state" --wait-timeout 3 2>&1)
  status=$?
  check "$name: up exits 1" test "$status" = 1
  check "$name: rollback steps shown" grep -q '^\[rollback [0-9]*/[0-9]*\] - ' <<<"$out"
  check "$name: rollback summary shown" grep -q "^Lab ${prefix}demo0[0-9] rolled back: [0-9]* objects\? removed" <<<"$out"
  left=$(leftovers "$prefix")
  [ -z "$left" ] || echo "$name: left behind:"$'\n'"$left" >&2
  check "$name: nothing left (no netns, link, OVS row, nft table, process, record)" test -z "$left"
  [ "$status" = 1 ] || echo "$out" >&2
}

demo() { sed "$2" "$src/topologies/netns-demo-0$1.yaml"; }

# At a DHCP lease: red in VLAN 300 has no server.
demo 3 '/\[red:eth0-r, ovs1:veth-r\]/{n;s/vlan: 100/vlan: 300/}' >"$work/lease.yaml"
check "lease copy differs" grep -q "vlan: 300" "$work/lease.yaml"
failed_up "at a DHCP lease" "${p}l-" "$work/lease.yaml"

# At a dnsmasq start: the first dnsmasq in PATH refuses to start.
mkdir -p "$work/shim"
printf '#!/bin/sh\necho "test shim: dnsmasq refuses to start" >&2\nexit 1\n' >"$work/shim/dnsmasq"
chmod +x "$work/shim/dnsmasq"
demo 3 '' >"$work/dnsmasq.yaml"
failed_up "at a dnsmasq start" "${p}d-" "$work/dnsmasq.yaml" PATH="$work/shim:$PATH"

# At an OVS port: no kernel datapath for `system` on this machine.
if ! lsmod 2>/dev/null | grep -q '^openvswitch'; then
  demo 3 's/datapath: auto/datapath: system/' >"$work/ovs.yaml"
  failed_up "at an OVS port" "${p}o-" "$work/ovs.yaml"
else
  echo "skipped: at an OVS port (the kernel has the OVS datapath)" >&2
fi

# At an address: the kernel refuses a multicast address.
demo 2 's|eth0-r: {addresses: \[10.0.0.1/24\]}|eth0-r: {addresses: [10.0.0.1/24, ff02::9/64]}|' \
  >"$work/address.yaml"
check "address copy differs" grep -q "ff02::9" "$work/address.yaml"
failed_up "at an address" "${p}a-" "$work/address.yaml"

# At readiness: IPv6 duplicate address detection fails on both ends.
demo 2 's|{addresses: \[\(10.0.0.[12]/24\)\]}|{addresses: [\1, fd00::9/64]}|' >"$work/dad.yaml"
check "dad copy differs" test "$(grep -c 'fd00::9' "$work/dad.yaml")" = 2
failed_up "at IPv6 DAD" "${p}v-" "$work/dad.yaml"

# ---- up after an up killed while its clients wait for their leases --------
# The first up runs a `dnsmasq` that stops itself (SIGSTOP) right after it is
# ready, so the clients that up starts cannot get a lease; it is killed with
# SIGKILL once both clients run. The next up plans nothing and must still
# wait until the servers go on (SIGCONT) and the leases come.
prefix="${p}k-"
lab="${prefix}demo03"
demo 3 '' >"$work/kill.yaml"
flags=(--prefix "$prefix" --state-dir "$state")
mkdir -p "$work/stopping"
# The real dnsmasq, with its own argv[0] (netlab checks the command line),
# stopped as soon as it wrote its pid file (it is ready then).
{
  echo '#!/bin/bash'
  echo 'for a in "$@"; do case $a in --pid-file=*) pf=${a#--pid-file=} ;; esac; done'
  echo '(while [ ! -s "$pf" ]; do :; done; kill -STOP $$) &'
  echo "exec -a dnsmasq $(command -v dnsmasq) \"\$@\""
} >"$work/stopping/dnsmasq"
chmod +x "$work/stopping/dnsmasq"
# wait_files N GLOB: until N files match GLOB and are not empty (or ~10 s).
wait_files() {
  local f n
  for _ in $(seq 1000); do
    n=0
    for f in $2; do [ -s "$f" ] && n=$((n + 1)); done
    [ "$n" -ge "$1" ] && return 0
    sleep 0.01
  done
  return 1
}
PATH="$work/stopping:$PATH" "$netlab" up "$work/kill.yaml" "${flags[@]}" -q >/dev/null 2>&1 &
pid=$!
wait_files 2 "$state/$lab/netns/*/dhclient-*.pid"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
servers=($(cat "$state/$lab"/netns/*/dnsmasq-*.pid 2>/dev/null))
check "two servers started and stopped" test "${#servers[@]}" = 2
unleased=0
for client in red:eth0-r blue:eth0-b; do
  ip -n "$prefix${client%:*}" -4 -o addr show dev "${client#*:}" 2>/dev/null | grep -q inet ||
    unleased=$((unleased + 1))
done
check "up killed while both clients waited for their leases" test "$unleased" = 2
plan=$("$netlab" plan "$work/kill.yaml" "${flags[@]}" 2>&1)
check "nothing to apply after the kill ($(tail -n 1 <<<"$plan"))" grep -q "No changes" <<<"$plan"
"$netlab" up "$work/kill.yaml" "${flags[@]}" >"$work/up2.log" 2>&1 &
up2=$!
sleep 1.5
check "the next up still waits for the leases while the servers are stopped" kill -0 "$up2"
[ "${#servers[@]}" -gt 0 ] && kill -CONT "${servers[@]}"
wait "$up2"
status=$?
cat "$work/up2.log"
check "the next up succeeds once the servers go on" test "$status" = 0
check "netlab test right after that up" "$netlab" test "$work/kill.yaml" "${flags[@]}"
check "down after the kill" "$netlab" down "$lab" --state-dir "$state" -q
left=$(leftovers "$prefix")
check "nothing left after down" test -z "$left"

summary "failed_up"
