#!/usr/bin/env bash
# Variables in topologies (issue 14): two copies of routed-nat whose subnets
# come from variables (--var on one, --vars FILE and NETLAB_VAR_ on the
# other), under two prefixes, up at the same time; both pass `netlab test`,
# `status LAB` reads the recorded values again, and `down` leaves nothing.
# With one file and --prefix alone the copies would share host subnets, which
# `plan` refuses.
# Usage: variables.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
src=$1
netlab=$2
p=t$$
state=$(mktemp -d /run/netlab-variables.XXXXXX)
work=$(mktemp -d)
source "$(dirname "$0")/lib/checks.sh"

cleanup() {
  for c in a b; do "$netlab" down "${p}$c-routed-nat" --state-dir "$state" -q >/dev/null 2>&1; done
  rm -rf "$state" "$work"
}
trap cleanup EXIT

# routed-nat (topologies/routed-nat.yaml) with its two subnets as variables,
# in block style (in a flow collection a value with ${...} needs quotes).
cat >"$work/routed-nat.yaml" <<'YAML'
name: routed-nat
namespaces:
  app:
    interfaces:
      eth0:
        addresses:
          - ${APP_NET:-10.77.0}.2/24
    routes:
      - to: default
        via: ${APP_NET:-10.77.0}.1
  internet:
    interfaces:
      eth0:
        addresses:
          - ${INET_NET:-198.51.100}.2/24
links:
  - [app:eth0, host:nl-app]
  - [internet:eth0, host:nl-inet]
host:
  sysctls: {net.ipv4.ip_forward: 1}
  interfaces:
    nl-app:
      addresses:
        - ${APP_NET:-10.77.0}.1/24
    nl-inet:
      addresses:
        - ${INET_NET:-198.51.100}.1/24
  nat:
    - source: ${APP_NET:-10.77.0}.0/24
      out: nl-inet
tests:
  - ping: {from: app, to: internet:eth0}
  - tcp: {from: app, to: internet:eth0, port: 8080}
  - ping: {from: internet, to: app:eth0, expect: fail}
YAML
file=$work/routed-nat.yaml
n=$((100 + $$ % 100))
printf '# copy b\nAPP_NET=10.%d.1\n' "$n" >"$work/b.vars"

check "the file uses variables" grep -q 'APP_NET' "$file"
out=$("$netlab" validate "$file" 2>&1)
check "defaults: it validates as the demo ($out)" grep -q "^routed-nat: " <<<"$out"
plan_a=$("$netlab" plan "$file" --offline --prefix "${p}a-" --var "APP_NET=10.$n.0" \
  --var "INET_NET=10.$n.10" 2>&1)
check "plan shows the expanded values" grep -q "address 10.$n.0.1/24 on ${p}a-nl-app" <<<"$plan_a"

up_a() {
  "$netlab" up "$file" --prefix "${p}a-" --state-dir "$state" -q --var "APP_NET=10.$n.0" \
    --var "INET_NET=10.$n.10"
}
up_b() {
  NETLAB_VAR_INET_NET=10.$n.11 "$netlab" up "$file" --prefix "${p}b-" --state-dir "$state" -q \
    --vars "$work/b.vars"
}
up_a >"$work/a.log" 2>&1 &
pa=$!
up_b >"$work/b.log" 2>&1 &
pb=$!
wait "$pa"
ra=$?
wait "$pb"
rb=$?
check "copy a up ($(tail -n 1 "$work/a.log"))" test "$ra" = 0
check "copy b up ($(tail -n 1 "$work/b.log"))" test "$rb" = 0
check "copy a passes its tests" "$netlab" test "$file" --prefix "${p}a-" --state-dir "$state" \
  --var "APP_NET=10.$n.0" --var "INET_NET=10.$n.10"
check "copy b passes its tests" env NETLAB_VAR_INET_NET=10.$n.11 "$netlab" test "$file" \
  --prefix "${p}b-" --state-dir "$state" --vars "$work/b.vars"
check "copy b's app address comes from its --vars file" \
  sh -c "ip -n ${p}b-app -4 -o addr show dev eth0 | grep -q ' 10\.$n\.1\.2/24'"
if [ "$fails" -gt 0 ]; then
  # Seen once (CI under ASan, 2026-11-30, not reproduced in 15 runs since):
  # both copies up, neither forwarding app -> internet. What the host held
  # then, for whoever meets it next.
  echo "-- host state after the failed tests:"
  sysctl net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.all.rp_filter
  for c in a b; do
    for dev in nl-app nl-inet; do
      ip -br addr show dev "${p}$c-$dev"
      cat "/proc/sys/net/ipv4/conf/${p}$c-$dev/forwarding" 2>/dev/null
    done
    ip -n "${p}$c-app" route
  done
  nft list ruleset
  iptables -S FORWARD 2>/dev/null | head -3
fi
st=$("$netlab" status "${p}a-routed-nat" --state-dir "$state" 2>&1)
check "status LAB reads the recorded values again" grep -q "no drift" <<<"$st"
undefined=$("$netlab" validate "$file" --var "APP_NET" 2>&1)
check "a --var without a value is a usage error" grep -q "is not NAME=VALUE" <<<"$undefined"
for c in a b; do
  check "copy $c down" "$netlab" down "${p}$c-routed-nat" --state-dir "$state" -q
done
check "nothing of either copy is left" test -z "$(ip netns list | grep "^${p}")"

summary variables
