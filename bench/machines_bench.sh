#!/usr/bin/env bash
# A stitched lab of 3 x N namespaces on three SIMULATED machines (one host:
# tests/scripts/lib/sim_machines.sh), brought up by examples/ansible/up.yml;
# then ping rtt and iperf3 throughput across a stitched (VXLAN) link versus
# a local veth link on one machine. The VXLAN packets never leave the host:
# these figures are the simulation's, not a network's.
#
# Lab: for k in 1..N a ring p1_k (m1) - p2_k (m2) - p3_k (m3) - p1_k, each
# link stitched (3N links, 6N vxlan devices), plus one local link on m1.
# Usage: bench/machines_bench.sh SOURCE_DIR NETLAB_BINARY [N=100]
set -uo pipefail
src=$1
netlab=$(realpath "$2")
n=${3:-100}
source "$src/tests/scripts/lib/sim_machines.sh"
sim_before_cleanup() {
  local i
  for i in 1 2 3; do
    sim_exec "$i" "$netlab" down "$SIM_DIR/lab.yaml" --machine "m$i" -q >/dev/null 2>&1
  done
  return 0
}
sim_init 3
lab="$SIM_DIR/lab.yaml"
inv="$SIM_DIR/inventory.yml"
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0

{
  echo "name: xmbench"
  echo "machines:"
  for i in 1 2 3; do echo "  m$i: {address: $(sim_addr "$i")}"; done
  echo "namespaces:"
  for k in $(seq "$n"); do
    # subnets 10.(100+m).k.0/30 style: link j of ring k is 10.(90+j).(k/256).(k%256*4)/30
    for i in 1 2 3; do echo "  p${i}_$k: {machine: m$i}"; done
  done
  echo "  l1: {machine: m1, interfaces: {e0: {addresses: [10.99.0.1/24]}}}"
  echo "  l2: {machine: m1, interfaces: {e0: {addresses: [10.99.0.2/24]}}}"
  echo "links:"
  for k in $(seq "$n"); do
    echo "  - [p1_$k:a, p2_$k:b]"
    echo "  - [p2_$k:a, p3_$k:b]"
    echo "  - [p3_$k:a, p1_$k:b]"
  done
  echo "  - [l1:e0, l2:e0]"
  echo "tests:"
  echo "  - ping: {from: p1_1, to: 10.91.0.2}"
  echo "  - ping: {from: p2_1, to: 10.92.0.2}"
  echo "  - ping: {from: p3_1, to: 10.93.0.2}"
} >"$lab"
# Addresses: ring k, link j (1: m1-m2, 2: m2-m3, 3: m3-m1) is 10.(90+j).X.Y/30.
python3 - "$lab" "$n" <<'EOF'
import sys, re
path, n = sys.argv[1], int(sys.argv[2])
text = open(path).read()
ifaces = {}
for k in range(1, n + 1):
    for j, (x, y) in enumerate([(1, 2), (2, 3), (3, 1)], start=1):
        base = (k - 1) * 4
        net = f"10.{90 + j}.{base // 256}.{base % 256}"
        a = f"10.{90 + j}.{base // 256}.{base % 256 + 1}/30"
        b = f"10.{90 + j}.{base // 256}.{base % 256 + 2}/30"
        ifaces.setdefault(f"p{x}_{k}", []).append(("a", a))
        ifaces.setdefault(f"p{y}_{k}", []).append(("b", b))
def repl(m):
    name, machine = m.group(1), m.group(2)
    ifs = ", ".join(f"{i}: {{addresses: [{addr}]}}" for i, addr in ifaces[name])
    return f"  {name}: {{machine: {machine}, interfaces: {{{ifs}}}}}"
text = re.sub(r"^  (p\d_\d+): \{machine: (m\d)\}$", repl, text, flags=re.M)
open(path, "w").write(text)
EOF
sim_inventory "$inv" "netlab_bin: $netlab" "netlab_topology: $lab"

run() {  # run NAME PLAYBOOK: wall time in seconds, or fails with the log
  local t0 t1
  t0=$(date +%s.%N)
  if ! ansible-playbook -v -i "$inv" "$src/examples/ansible/$2.yml" >"$SIM_DIR/run.log" 2>&1; then
    tail -n 30 "$SIM_DIR/run.log" >&2
    return 1
  fi
  t1=$(date +%s.%N)
  # netlab's own time on each machine: the "delta" Ansible reports for each
  # command task (-v), in task order.
  printf '%s: %.1f s (netlab per machine: %s)\n' "$1" "$(echo "$t1 - $t0" | bc -l)" \
    "$(python3 -c '
import re, sys
out = []
for m in re.finditer(r"^(?:ok|changed): \[(m\d)\] => (\{.*\})$", open(sys.argv[1]).read(), re.M):
    d = re.search(r"\"cmd\": \[[^]]*\"(up|test|down)\"", m.group(2))
    t = re.search(r"\"delta\": \"0:00:(\d+\.\d+)\"", m.group(2))
    if d and t:
        out.append("%s %s %.1f s" % (m.group(1), d.group(1), float(t.group(1))))
print(", ".join(out))' "$SIM_DIR/run.log")"
}

echo "lab: 3 x $n namespaces, $((3 * n)) stitched links ($((6 * n)) vxlan devices), load $(cut -d' ' -f1-3 /proc/loadavg)"
run "up.yml (up + test)" up || exit 1
run "up.yml again (no-op)" up || exit 1
for i in 1 2 3; do
  printf 'm%s: %s namespaces, %s vxlan devices\n' "$i" \
    "$(sim_exec "$i" ip netns list | wc -l)" \
    "$(sim_exec "$i" sh -c 'for ns in $(ip netns list | cut -d" " -f1); do ip -n $ns -o link show type vxlan; done' | wc -l)"
done

# ping and throughput: p1_1 (m1) -> p2_1 (m2) over VXLAN; l1 -> l2 on m1 over veth
rtt() {  # rtt MACHINE NS ADDR: "min/avg/max/mdev ms" of 200 pings 10 ms apart
  sim_exec "$1" ip netns exec "$2" ping -c 200 -i 0.01 -q "$3" | sed -n 's/^rtt [^=]*= //p'
}
echo "ping rtt, stitched (m1 -> m2, VXLAN): $(rtt 1 p1_1 10.91.0.2)"
echo "ping rtt, local veth (m1):           $(rtt 1 l1 10.99.0.2)"
tput() {  # tput CLIENT_MACHINE CLIENT_NS SERVER_MACHINE SERVER_NS ADDR
  local srv out
  sim_exec "$3" ip netns exec "$4" iperf3 -s -1 -B "$5" >/dev/null 2>&1 &
  srv=$!
  sleep 0.5
  out=$(sim_exec "$1" ip netns exec "$2" iperf3 -c "$5" -t 5 -J 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["end"]; print("%.2f Gbit/s, %d retransmits" % (d["sum_received"]["bits_per_second"]/1e9, d["sum_sent"].get("retransmits", 0)))')
  wait "$srv" 2>/dev/null
  echo "$out"
}
echo "iperf3 5 s, stitched (m1 -> m2, VXLAN): $(tput 1 p1_1 2 p2_1 10.91.0.2)"
echo "iperf3 5 s, local veth (m1):           $(tput 1 l1 1 l2 10.99.0.2)"

run "down.yml" down || exit 1
