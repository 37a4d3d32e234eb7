#!/usr/bin/env bash
# A host sysctl that exists only in the host's initial network namespace
# (net.ipv4.tcp_low_latency), with netlab run in another one (`unshare -n`,
# as in a container or on a simulated machine): `plan` and `up` refuse it
# with the reason before any change, instead of planning a change that fails
# at apply and rolls back.
# Usage: root_only_sysctl.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
netlab=$2
p=t$$
state=$(mktemp -d /run/netlab-root-only.XXXXXX)
work=$(mktemp -d)
source "$(dirname "$0")/lib/checks.sh"

cleanup() {
  "$netlab" down "${p}-rootonly" --state-dir "$state" -q >/dev/null 2>&1
  delete_namespaces "$p"
  rm -rf "$state" "$work"
}
trap cleanup EXIT

cat >"$work/root-only.yaml" <<EOF2
name: rootonly
namespaces: {a: {}}
host: {sysctls: {net.ipv4.tcp_low_latency: 1}}
EOF2
reason="has no net.ipv4.tcp_low_latency"
absent() { ! grep -q "$1" <<<"$2"; }  # absent TEXT OUTPUT
elsewhere() { unshare -n "$netlab" "$@" "$work/root-only.yaml" --prefix "$p-" --state-dir "$state" 2>&1; }

check "tcp_low_latency is absent in a new network namespace" \
  test "$(unshare -n sh -c 'test -e /proc/sys/net/ipv4/tcp_low_latency && echo yes')" = ""

out=$(elsewhere plan)
status=$?
echo "$out"
check "plan in another namespace exits 1" test "$status" = 1
check "plan says which key is missing and what to do" \
  grep -q "set sysctl net.ipv4.tcp_low_latency = 1: the network namespace netlab runs in $reason.*remove it from host.sysctls" <<<"$out"
check "plan plans no change it cannot make" absent "to change" "$out"

out=$(elsewhere up)
status=$?
echo "$out"
check "up in another namespace exits 1" test "$status" = 1
check "up gives the same reason" grep -q "$reason" <<<"$out"
check "up applied nothing, so there was nothing to roll back" absent "rollback" "$out"
check "no namespace of the lab was made" test -z "$(ip netns list | grep "^$p-")"
check "no record of the lab" test -z "$(ls -A "$state")"

summary "root-only host sysctl"
