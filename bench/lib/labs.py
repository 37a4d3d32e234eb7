"""The labs of bench/compare.py, and the same labs as shell scripts.

One lab: N hosts, each a namespace "<P>h<i>" with lo up and "eth0" (address
10.(100 + i / 1000).(i % 1000 / 250).(i % 250 + 1)/16, up), the other end of
its veth "<P>v<i>" in the root namespace, up, a port of a bridge:
  linux  Linux bridges "<P>b<k>", 1000 hosts each (a Linux bridge holds at
         most 1024 ports), so N = 2000 makes two bridges;
  ovs    one OVS bridge "<P>b0" with datapath netdev, each port an access
         port of VLAN 100 + i % 10.
bench_kernel --prefix P --bridge KIND builds the same lab (same names, same
addresses). Names fit the 15-character limit for a prefix of up to 9.
"""

HOSTS_PER_BRIDGE = 1000
ALIAS = "netlab:bench"


def address(i, edited=False):
    """Host i's address; `edited` gives host 0 one no other host has."""
    if edited:
        return "10.100.250.1/16"
    return "10.%d.%d.%d/16" % (100 + i // HOSTS_PER_BRIDGE, i % HOSTS_PER_BRIDGE // 250, i % 250 + 1)


def tag(i):
    return 100 + i % 10


def bridge_count(kind, n):
    return (n + HOSTS_PER_BRIDGE - 1) // HOSTS_PER_BRIDGE if kind == "linux" else 1


def bridge_of(kind, p, i):
    return "%sb%d" % (p, i // HOSTS_PER_BRIDGE if kind == "linux" else 0)


def topology(kind, n, p, lab, edited=False):
    """The lab as a netlab topology; `edited`: host 0 has another address."""
    out = ["name: %s" % lab, "namespaces:"]
    for i in range(n):
        out.append("  %sh%d:" % (p, i))
        out.append("    interfaces:")
        out.append("      eth0: {addresses: [%s]}" % address(i, edited and i == 0))
    out.append("bridges:")
    for k in range(bridge_count(kind, n)):
        spec = "{kind: linux}" if kind == "linux" else "{kind: ovs, datapath: netdev}"
        out.append("  %sb%d: %s" % (p, k, spec))
    out.append("links:")
    for i in range(n):
        ends = "%sh%d:eth0, %s:%sv%d" % (p, i, bridge_of(kind, p, i), p, i)
        if kind == "linux":
            out.append("  - [%s]" % ends)
        else:
            out.append("  - {endpoints: [%s], vlan: %d}" % (ends, tag(i)))
    return "\n".join(out) + "\n"


def _wait_gone(p):
    # Namespace teardown is asynchronous: "down" ends when the root ends are gone.
    return ("while ip -o link show | grep -q ': %sv[0-9]'; do sleep 0.01; done\n" % p)


def seed_up(kind, n, p):
    """One command per step, as the seed demo's scripts do it."""
    out = ["set -e"]
    for k in range(bridge_count(kind, n)):
        b = "%sb%d" % (p, k)
        if kind == "linux":
            out += ["ip link add %s type bridge" % b, "ip link set %s up" % b]
        else:
            out.append("ovs-vsctl add-br %s -- set bridge %s datapath_type=netdev" % (b, b))
    for i in range(n):
        ns, v = "%sh%d" % (p, i), "%sv%d" % (p, i)
        out += [
            "ip netns add %s" % ns,
            "ip link add %s type veth peer name eth0 netns %s" % (v, ns),
            "ip netns exec %s ip link set lo up" % ns,
            "ip netns exec %s ip addr add %s dev eth0" % (ns, address(i)),
            "ip netns exec %s ip link set eth0 up" % ns,
        ]
        if kind == "linux":
            out.append("ip link set %s master %s" % (v, bridge_of(kind, p, i)))
        else:
            out.append("ovs-vsctl add-port %s %s tag=%d" % (bridge_of(kind, p, i), v, tag(i)))
        out.append("ip link set %s up" % v)
    return "\n".join(out) + "\n"


def seed_down(kind, n, p):
    out = ["set -e"]
    if kind == "ovs":
        out.append("ovs-vsctl del-br %sb0" % p)
    out += ["ip netns del %sh%d" % (p, i) for i in range(n)]
    if kind == "linux":
        out += ["ip link del %sb%d" % (p, k) for k in range(bridge_count(kind, n))]
    return "\n".join(out) + "\n" + _wait_gone(p)


def batch_up(kind, n, p):
    """As fast as a script gets: bench/ip_batch_baseline.sh's per-namespace
    `ip -n NS -batch`, with every root-side step in ONE `ip -batch` (as
    bench/run_ovs_lab_bench.sh) and, for OVS, ONE ovs-vsctl transaction."""
    root = []
    if kind == "linux":
        for k in range(bridge_count(kind, n)):
            root += ["link add %sb%d type bridge" % (p, k), "link set %sb%d up" % (p, k)]
    root += ["netns add %sh%d" % (p, i) for i in range(n)]
    for i in range(n):
        v = "%sv%d" % (p, i)
        root.append("link add %s type veth peer name eth0 netns %sh%d" % (v, p, i))
        root.append("link set %s alias %s" % (v, ALIAS))
        if kind == "linux":
            root.append("link set %s master %s" % (v, bridge_of(kind, p, i)))
        root.append("link set %s up" % v)
    out = ["set -e", "ip -batch - <<'EOB'"] + root + ["EOB"]
    for i in range(n):
        out += [
            "ip -n %sh%d -batch - <<'EOB'" % (p, i),
            "link set lo up",
            "link set eth0 alias %s" % ALIAS,
            "addr add %s dev eth0" % address(i),
            "link set eth0 up",
            "EOB",
        ]
    if kind == "ovs":
        b = "%sb0" % p
        args = ["ovs-vsctl add-br %s -- set bridge %s datapath_type=netdev" % (b, b)]
        args += ["-- add-port %s %sv%d tag=%d" % (b, p, i, tag(i)) for i in range(n)]
        out.append(" \\\n  ".join(args))
    return "\n".join(out) + "\n"


def batch_down(kind, n, p):
    out = ["set -e"]
    if kind == "ovs":
        out.append("ovs-vsctl del-br %sb0" % p)
    out.append("ip -batch - <<'EOB'")
    out += ["netns del %sh%d" % (p, i) for i in range(n)]
    if kind == "linux":
        out += ["link del %sb%d" % (p, k) for k in range(bridge_count(kind, n))]
    out.append("EOB")
    return "\n".join(out) + "\n" + _wait_gone(p)
