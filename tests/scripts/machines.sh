#!/usr/bin/env bash
# A lab that spans three machines, rolled out with Ansible, end to end.
#
# Three simulated machines (tests/scripts/lib/sim_machines.sh: a network
# namespace each, its own mount namespace with a private /run, an sshd on an
# underlay bridge) are reached by ansible-playbook over SSH like real hosts.
# The lab has namespaces on all three and links that cross machines (VXLAN
# stitched). Checked: the playbook brings it up and every machine's
# assertions pass (cross-machine pings, and an isolation between two
# stitched links of the same subnet); pings across machines also work by
# plain `ping`; a second run changes nothing; a deleted vxlan device on one
# machine is repaired by the next run, which changes nothing elsewhere; a
# machine that is down, or whose `up` is killed half-way, rejoins on the next
# run; down.yml leaves nothing on any machine; the simulation leaves nothing
# on the host. Nothing is skipped: without ansible-core or sshd it fails,
# saying to run scripts/setup.sh.
# Usage: machines.sh SOURCE_DIR NETLAB_BINARY
set -uo pipefail
src=$(realpath "$1")  # the machines run commands from another directory
netlab=$(realpath "$2")
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/sim_machines.sh"

sim_before_cleanup() {  # a failed run's lab, taken down the ordinary way
  local i
  for i in 1 2 3; do
    [ -n "${SIM_HOLDER[$i]:-}" ] &&
      sim_exec "$i" "$netlab" down "$remote" --machine "m$i" -q >/dev/null 2>&1
  done
  return 0
}

sim_init 3
lab="$SIM_DIR/lab.yaml"
# Where up.yml puts it on each machine. netlab commands run on a machine by
# hand use that copy: a lab is tied to the file it was brought up from.
remote=/run/netlab-ansible/lab.yaml
inv="$SIM_DIR/inventory.yml"
logs="$SIM_DIR/logs"
mkdir -p "$logs"
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0

# a(m1) and b(m2), f(m1) and g(m2): two stitched links between the same two
# machines, in one subnet; a(m1) and c(m3): a third. b must not reach f:
# the two segments are kept apart by their VNIs alone.
# The stitched ends have no mac: netlab derives theirs from the VNI and the
# side, so a share rebuilt on one machine (down and up) comes back with the
# same MACs and the other machines' neighbour entries stay right (with
# kernel-chosen MACs the first `netlab test` after a rebuild failed).
cat >"$lab" <<EOF
name: xm
machines:
  m1: {address: $(sim_addr 1)}
  m2: {address: $(sim_addr 2)}
  m3: {address: $(sim_addr 3)}
namespaces:
  a:
    machine: m1
    interfaces:
      e0: {addresses: [10.81.0.1/24]}
      e1: {addresses: [10.82.0.1/24]}
  f: {machine: m1, interfaces: {e0: {addresses: [10.81.0.11/24]}}}
  b: {machine: m2, interfaces: {e0: {addresses: [10.81.0.2/24]}}}
  g: {machine: m2, interfaces: {e0: {addresses: [10.81.0.12/24]}}}
  c: {machine: m3, interfaces: {e0: {addresses: [10.82.0.3/24]}}}
links:
  - [a:e0, b:e0]
  - [f:e0, g:e0]
  - [a:e1, c:e0]
tests:
  - ping: {from: a, to: b:e0}
  - ping: {from: b, to: a:e0}
  - ping: {from: g, to: f:e0}
  - ping: {from: c, to: a:e1}
  - ping: {from: b, to: f:e0, expect: fail}
EOF
sim_inventory "$inv" "netlab_bin: $netlab" "netlab_topology: $lab"

# playbook NAME up|down: runs it, output in $logs/NAME; its status. On
# failure the log's tail says why.
playbook() {
  ansible-playbook -i "$inv" "$src/examples/ansible/$2.yml" >"$logs/$1" 2>&1 && return 0
  local rc=$?
  tail -n 40 "$logs/$1"
  return $rc
}
# recap LOG HOST FIELD: the number in the PLAY RECAP line of HOST, e.g. changed.
recap() { sed -n "s/^$2 *:.* $3=\([0-9]*\).*/\1/p" "$logs/$1" | tail -n 1; }
# task_said LOG TASK HOST WORD: whether the task whose name starts with TASK
# reported WORD (ok, changed, fatal) for HOST.
task_said() {
  awk -v t="$2" -v h="$3" -v w="$4" '
    /^TASK \[/ { in_task = index($0, "TASK [" t) == 1; next }
    in_task && index($0, w ": [" h "]") == 1 { found = 1 }
    END { exit !found }' "$logs/$1"
}
up_changed() { task_said "$1" "netlab up" "$2" changed; }
not() { ! "$@"; }
# a plain ping across machines, from machine I's namespace NS
ping_from() { sim_exec "$1" ip netns exec "$2" ping -c 2 -W 1 -q "$3" >/dev/null; }
# vxlans I: machine I's vxlan devices, "NS IFINDEX: NAME VNI", one a line. A
# stitched end is a vxlan device in the lab namespace (its socket stays in
# the machine's root namespace).
vxlans() {
  sim_exec "$1" sh -c 'for ns in $(ip netns list | cut -d" " -f1); do
    ip -n "$ns" -o -d link show type vxlan |
      sed -n "s/^\([0-9]*\): \([^:@]*\)[@:].* id \([0-9]*\) .*/$ns \1: \2 \3/p"
  done'
}
nothing_on() {  # nothing_on I: machine I holds no lab object, state or daemon
  local i=$1 out
  out=$(sim_exec "$i" sh -c 'ip netns list; ls -A /run/netlab; ip -o link | grep -v ": \(lo\|eth0\)[@:]"')
  [ -z "$out" ] || { echo "machine m$i still holds:"; echo "$out"; return 1; }
  out=$(for p in $(sim__pids "$i"); do
    c=$(cat "/proc/$p/comm" 2>/dev/null)
    [ "$p" = "${SIM_HOLDER[$i]}" ] || [ "$c" = sshd ] || echo "$p $c"
  done)
  [ -z "$out" ] || { echo "machine m$i still runs:"; echo "$out"; return 1; }
}

# --- netlab in a root namespace that is not the host's -----------------------
# One-machine topologies on m1, over SSH: its /run/netns and /run/netlab are
# its own, it has no OVS; netlab must need neither the host's namespace nor
# OVS for a lab without OVS bridges.
single() {  # single FILE: up, test, status, down on m1; nothing left
  sim_ssh 1 "set -e; n=$netlab; f=$1
    \$n up \$f -q; \$n test \$f -q; \$n status \$f -q; \$n down \$f -q
    test -z \"\$(ip netns list; ls -A /run/netlab)\""
}
check "demo 01 on a simulated machine" single "$src/topologies/netns-demo-01.yaml"
check "routed-nat (NAT, host sysctl) on a simulated machine" single "$src/topologies/routed-nat.yaml"
check "the host's namespaces are not seen on a machine" \
  test -z "$(sim_exec 1 ip netns list)"
# A host sysctl that exists only in the initial namespace: refused with a
# reason, and rolled back.
cat >"$SIM_DIR/root-only.yaml" <<EOF
name: rootonly
namespaces: {a: {}}
host: {sysctls: {net.ipv4.tcp_low_latency: 1}}
EOF
root_only() {
  local out
  out=$(sim_exec 1 "$netlab" up "$SIM_DIR/root-only.yaml" 2>&1) && return 1
  grep -q "has no net.ipv4.tcp_low_latency" <<<"$out" &&
    test -z "$(sim_exec 1 sh -c 'ip netns list; ls -A /run/netlab')"
}
check "a root-only host sysctl on a machine fails with a reason, nothing left" root_only

# --- up: every machine's share, then every machine's tests -------------------
check "up.yml brings the lab up on three machines" playbook up1 up
for i in 1 2 3; do check "m$i: its assertions pass" task_said up1 "netlab test" "m$i" ok; done
# test_summary LOG HOST: the summary line of HOST's `netlab test` (Results task)
test_summary() {
  awk -v h="$2" '
    /^TASK \[/ { in_task = index($0, "TASK [Results") == 1; next }
    in_task && index($0, "ok: [" h "]") == 1 { mine = 1; next }
    in_task && /^(ok|changed|fatal|skipping): \[/ { mine = 0 }
    in_task && mine && /passed, [0-9]+ failed/ { gsub(/^ *"|",? *$/, ""); print }' "$logs/$1"
}
# Each machine runs the assertions from its own namespaces and skips the
# others, saying so: m1 has a -> b, m2 b -> a, g -> f and b -> f, m3 c -> a.
check "m1 runs 1 assertion, skips 4" test "$(test_summary up1 m1)" = "1 passed, 0 failed, 4 skipped (on other machines)"
check "m2 runs 3 assertions, skips 2" test "$(test_summary up1 m2)" = "3 passed, 0 failed, 2 skipped (on other machines)"
check "m3 runs 1 assertion, skips 4" test "$(test_summary up1 m3)" = "1 passed, 0 failed, 4 skipped (on other machines)"
check "isolation holds: b (m2) does not reach f (m1) in its subnet" \
  grep -q 'ping b -> f:e0 (10.81.0.11), expect fail *PASS' "$logs/up1"
check "m1 has the vxlan ends of its two links to m2 and one to m3" \
  test "$(vxlans 1 | wc -l)" -eq 3
check "m2 and m3 have theirs (2 and 1)" test "$(vxlans 2 | wc -l) $(vxlans 3 | wc -l)" = "2 1"
check "the ends of a link share a VNI" \
  test "$(vxlans 1 | awk '$1 == "a" && $3 == "e0" {print $4}')" = "$(vxlans 2 | awk '$1 == "b" {print $4}')"
check "plain ping m1:a -> m2:b across the VXLAN" ping_from 1 a 10.81.0.2
check "plain ping m3:c -> m1:a across the VXLAN" ping_from 3 c 10.82.0.1
check "plain ping m2:g -> m1:f across the VXLAN" ping_from 2 g 10.81.0.11
check "plain ping m2:b -> m1:f fails (other segment)" not ping_from 2 b 10.81.0.11

# --- idempotence: a second run changes nothing --------------------------------
before=$(for i in 1 2 3; do vxlans "$i"; done)
check "up.yml again succeeds" playbook up2 up
for i in 1 2 3; do
  check "m$i: second up changes nothing" task_said up2 "netlab up" "m$i" ok
done
check "second up leaves every vxlan device as it was" \
  test "$before" == "$(for i in 1 2 3; do vxlans "$i"; done)"

# --- repair: a deleted vxlan device on m2 -------------------------------------
victim=$(vxlans 2 | grep '^b ')  # b's end of a - b
victim_ns=${victim%% *}
victim_if=$(awk '{print $3}' <<<"$victim")
check "m2 has b's vxlan end to delete" test -n "$victim_if"
sim_exec 2 ip -n "$victim_ns" link del "$victim_if"
check "the deleted end cut a - b" not ping_from 1 a 10.81.0.2
others=$(for i in 1 3; do vxlans "$i"; done; vxlans 2)
check "up.yml repairs m2" playbook up3 up
check "m2: up changed something" up_changed up3 m2
for i in 1 3; do
  check "m$i: up changed nothing" task_said up3 "netlab up" "m$i" ok
done
vxlan_back() { vxlans 2 | grep -qx "$victim_ns [0-9]*: $victim_if ${victim##* }"; }
check "b's vxlan end on m2 is back, with its VNI" vxlan_back
check "no other vxlan device was touched" \
  test "$others" == "$(for i in 1 3; do vxlans "$i"; done; vxlans 2 | grep -v "^$victim_ns ")"
check "plain ping m1:a -> m2:b works again" ping_from 1 a 10.81.0.2

# --- one machine lost mid-rollout, then back ----------------------------------
sim_exec 3 "$netlab" down "$remote" --machine m3 -q
sim_stop_sshd 3
playbook up4 up >/dev/null
check "up.yml fails while m3 is unreachable" test $? -ne 0
check "m3 reported unreachable" test "$(recap up4 m3 unreachable)" = 1
for i in 1 2; do check "m$i still passes its assertions" task_said up4 "netlab test" "m$i" ok; done
sim_start_sshd 3
check "m3 reachable again" sim_ssh 3 true
check "up.yml converges once m3 is back" playbook up5 up
check "m3: up rebuilt its share" up_changed up5 m3
check "plain ping m3:c -> m1:a works again" ping_from 3 c 10.82.0.1

# --- a share killed half-way through its up -----------------------------------
sim_exec 2 "$netlab" down "$remote" --machine m2 -q
# `down` deletes the vxlan devices before their namespaces, so the `up`
# right after finds their VNIs free (the kernel's own teardown of a deleted
# namespace's devices is late: EEXIST was seen before that).
# Killed as soon as its first namespace exists, by a loop on m2 itself. A
# share of two namespaces is made in well under 0.1 s, and the kill often
# lands after the apply: the state it left is printed, not asserted. (A share
# with parts missing is checked above: the deleted vxlan end, m3's rebuild.)
sim_exec 2 sh -c '"$0" up "$1" --machine m2 >"$2" 2>&1 &
  p=$!
  while [ ! -e /run/netns/b ] && [ ! -e /run/netns/g ]; do :; done
  kill -9 $p 2>/dev/null' "$netlab" "$remote" "$logs/killed-up"
echo "m2 after the killed up: $(sim_exec 2 ip netns list | wc -l) of 2 namespaces," \
  "$(vxlans 2 | wc -l) of 2 vxlan ends; its output:"
cat "$logs/killed-up"
check "up.yml converges after an up killed on m2" playbook up6 up
check "plain ping m1:a -> m2:b after the repair" ping_from 1 a 10.81.0.2

# --- down: nothing left anywhere ----------------------------------------------
check "down.yml takes the lab down" playbook down1 down
for i in 1 2 3; do check "m$i: nothing left" nothing_on "$i"; done
check "down.yml again changes nothing" playbook down2 down
for i in 1 2 3; do check "m$i: second down removed nothing" task_said down2 "netlab down" "m$i" ok; done

summary "machines"
