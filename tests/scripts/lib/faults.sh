# Sourced by the fault-injection scripts (faults_*.sh), after checks.sh.
# The caller sets netlab (the binary); fault_start sets the rest: p (unique
# name prefix, t<pid>...), lab (the lab's name with the prefix), file (its
# topology file), state (private state root), work (temp dir), ovsdb (the
# OVSDB socket's path), and the array flags (the options every netlab call
# of the script takes: --prefix, --state-dir, --ovsdb).
# Every object the scripts make carries the prefix or lives under $state or
# $work, so that the checks and the cleanup below never see another lab's.

# The host sysctl the rich lab sets. Not net.ipv4.ip_forward: other tests of
# this machine set and restore that one at the same time, and a restore of
# theirs in the middle of ours would look like (and be) a leftover. This key
# is read by nothing that netlab's tests run, and 59 instead of 60 harms no one.
fault_sysctl=net.ipv4.tcp_fin_timeout
fault_sysctl_before=$(sysctl -n "$fault_sysctl")

vsctl() { ovs-vsctl --db="unix:$ovsdb" --timeout=5 "$@"; }

# fault_start NAME [PREFIX]: the setup every fault script shares: the names
# (prefix t<pid> unless given), a private state root, a temp dir with the
# rich lab in it, the trap that removes everything, and a check that Open
# vSwitch answers at $ovsdb (the system's, unless the caller set ovsdb).
fault_start() {
  p=${2:-t$$}
  lab=${p}fk
  state=$(mktemp -d "/run/netlab-$1.XXXXXX")
  work=$(mktemp -d)
  file="$work/fk.yaml"
  ovsdb=${ovsdb:-/var/run/openvswitch/db.sock}
  flags=(--prefix "$p" --state-dir "$state" --ovsdb "$ovsdb")
  trap fault_cleanup EXIT
  if ! vsctl show >/dev/null 2>&1; then
    echo "$1: Open vSwitch is not running at $ovsdb; it is needed" >&2
    exit 1
  fi
  rich_lab "$file" $((100 + $$ % 50))
}
fault_cleanup() {
  force_reset
  rm -rf "$state" "$work"
}

# rich_lab FILE NET: writes the lab every fault script uses: namespaces,
# veths, an OVS bridge with internal ports and VLAN tags, two dnsmasq servers
# and two DHCP clients (as topologies/netns-demo-03.yaml), a routed namespace
# with a namespace sysctl, host addresses, NAT and a host sysctl (as
# topologies/routed-nat.yaml). NET (0-255) keeps its host addresses apart
# from other labs'. Names are short: --prefix t<pid> leaves 7 characters.
rich_lab() {
  local file=$1 n=$2
  cat >"$file" <<EOF
name: fk
namespaces:
  red:
    interfaces:
      eth0: {dhcp: true}
  blue:
    interfaces:
      eth0: {dhcp: true}
  dr:
    interfaces:
      tr: {addresses: [10.$n.30.2/24]}
  db:
    interfaces:
      tb: {addresses: [10.$n.30.2/24]}
  app:
    interfaces:
      eth0: {addresses: [10.$n.1.2/24]}
    routes:
      - {to: default, via: 10.$n.1.1}
    sysctls: {net.ipv4.ip_forward: 1}
  inet:
    interfaces:
      eth0: {addresses: [10.$n.2.2/24]}
bridges:
  sw:
    kind: ovs
    datapath: auto
    ports:
      tr: {internal: true, namespace: dr, vlan: 100}
      tb: {internal: true, namespace: db, vlan: 200}
links:
  - endpoints: [red:eth0, sw:vr]
    vlan: 100
  - endpoints: [blue:eth0, sw:vb]
    vlan: 200
  - [app:eth0, host:ap]
  - [inet:eth0, host:in]
host:
  sysctls: {$fault_sysctl: 59}
  interfaces:
    ap: {addresses: [10.$n.1.1/24]}
    in: {addresses: [10.$n.2.1/24]}
  nat:
    - {source: 10.$n.1.0/24, out: in}
dhcp:
  - {namespace: dr, interface: tr, range: [10.$n.30.10, 10.$n.30.100]}
  - {namespace: db, interface: tb, range: [10.$n.30.10, 10.$n.30.100]}
tests:
  - ping: {from: red, to: 10.$n.30.2}
  - ping: {from: blue, to: 10.$n.30.2}
  - lease: {client: red:eth0, server: dr}
  - lease: {client: blue:eth0, server: db}
  - ping: {from: red, to: blue:eth0, expect: fail}
  - ping: {from: app, to: 10.$n.1.1}
  - ping: {from: inet, to: 10.$n.2.1}
EOF
}

# Pids of the lab's daemons (and of the fake ones the scripts put in PATH):
# their command lines name files under $state/ (netlab's own command lines
# name $state without the slash).
lab_daemon_pids() {
  pgrep -f -- "$state/" 2>/dev/null
}

# lab_leftovers: one line per object of the lab still on the machine, nothing
# when it is clean: namespaces and root links with the prefix, links marked
# netlab:<lab>, OVS rows of the lab or with the prefix, the lab's nftables
# table, its daemons, its state directory and lock, and the host sysctl when
# it differs from its value from before the script.
lab_leftovers() {
  local t v
  ip netns list 2>/dev/null | awk '{print $1}' | grep "^$p" | sed 's/^/namespace /'
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$p" |
    sed 's/^/root link /'
  ip -j -d link show 2>/dev/null | python3 -c '
import json, sys
mark = "netlab:" + sys.argv[1]
for l in json.load(sys.stdin):
    if l.get("ifalias") == mark: print("marked link " + l["ifname"])' "$lab"
  if vsctl show >/dev/null 2>&1; then
    vsctl list-br | grep "^$p" | sed 's/^/ovs bridge /'
    for t in Bridge Port Interface; do
      vsctl --bare --columns=name find "$t" "external_ids:netlab-lab=$lab" | grep . |
        sed "s/^/ovs $t row /"
    done
  fi
  nft list tables 2>/dev/null | grep -- " netlab-$lab\$" | sed 's/^/nft /'
  lab_daemon_pids | sed 's/^/daemon pid /'
  [ -e "$state/$lab" ] && echo "state directory $state/$lab"
  [ -e "$state/$lab.lock" ] && echo "lock file $state/$lab.lock"
  ls "$state"/*.tmp "$state/$lab"/*.tmp 2>/dev/null | sed 's/^/temporary file /'
  v=$(sysctl -n "$fault_sysctl")
  [ "$v" = "$fault_sysctl_before" ] || echo "sysctl $fault_sysctl is $v, was $fault_sysctl_before"
}

# nothing_left: a check that prints what is left.
nothing_left() {
  local left
  left=$(lab_leftovers)
  [ -z "$left" ] && return 0
  echo "left behind:"$'\n'"$left" >&2
  return 1
}

# force_reset: removes whatever a scenario left, also what netlab itself could
# not remove, so that the next scenario starts from a clean machine. Only
# objects with the prefix, under $state, or of the lab are touched.
force_reset() {
  local x
  timeout 60 "$netlab" down "$file" "${flags[@]}" -q >/dev/null 2>&1
  for x in $(lab_daemon_pids); do kill -9 "$x" 2>/dev/null; done
  for x in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$p"); do
    ip netns del "$x" 2>/dev/null
  done
  for x in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$p"); do
    ip link del "$x" 2>/dev/null
  done
  if vsctl show >/dev/null 2>&1; then
    for x in $(vsctl list-br | grep "^$p"); do vsctl --if-exists del-br "$x"; done
    for x in $(vsctl --bare --columns=name find Port "external_ids:netlab-lab=$lab"); do
      vsctl --if-exists del-port "$x"
    done
  fi
  nft delete table ip "netlab-$lab" 2>/dev/null
  sysctl -qw "$fault_sysctl=$fault_sysctl_before"
  rm -rf "${state:?}/$lab" "$state/$lab.lock" "$state"/*.tmp
}

# converges NAME FILE: the checks every scenario ends with: `up` converges,
# the plan is then empty, the lab's tests pass, and `down` leaves nothing.
converges() {
  local name=$1 file=$2
  check "$name: up converges" "$netlab" up "$file" "${flags[@]}" -q
  check "$name: plan is empty" "$netlab" plan "$file" "${flags[@]}" --detailed-exitcode
  check "$name: tests pass" "$netlab" test "$file" "${flags[@]}" -q
  check "$name: down" "$netlab" down "$file" "${flags[@]}" -q
  check "$name: nothing left" nothing_left
}
