#!/usr/bin/python3
"""bench/compare.py's lab built and stopped with Mininet (Debian `mininet`).

    mininet_lab.py --kind linux|ovs --hosts N --prefix P

N hosts (Mininet hosts: namespaces held by a process, not in /run/netns),
each with eth0 and the address bench/lib/labs.py gives it, on Linux bridges
of at most 1000 ports (LinuxBridge switches "<P>s<k>") or on one OVS bridge
"<P>s0" (userspace datapath, fail mode standalone, no controller; ports
untagged: Mininet has no access VLANs). Root ends are "<P>w<i>". Prints
create_total_ms (build + start) and delete_total_ms (stop) in bench_kernel's
format.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import labs  # noqa: E402

from mininet.log import setLogLevel  # noqa: E402
from mininet.net import Mininet  # noqa: E402
from mininet.node import OVSSwitch  # noqa: E402
from mininet.nodelib import LinuxBridge  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=["linux", "ovs"], required=True)
    ap.add_argument("--hosts", type=int, required=True)
    ap.add_argument("--prefix", required=True)
    a = ap.parse_args()
    setLogLevel("error")
    p, n = a.prefix, a.hosts
    net = Mininet(controller=None, build=False, autoSetMacs=False, waitConnected=False)
    t0 = time.monotonic()
    switches = []
    for k in range(labs.bridge_count(a.kind, n)):
        if a.kind == "linux":
            switches.append(net.addSwitch("%ss%d" % (p, k), cls=LinuxBridge))
        else:
            switches.append(
                net.addSwitch("%ss%d" % (p, k), cls=OVSSwitch, failMode="standalone", datapath="user"))
    for i in range(n):
        h = net.addHost("%sm%d" % (p, i), ip=labs.address(i))
        net.addLink(h, switches[i // labs.HOSTS_PER_BRIDGE if a.kind == "linux" else 0],
                    intfName1="eth0", intfName2="%sw%d" % (p, i))
    try:
        net.build()
        net.start()
        t1 = time.monotonic()
    finally:
        t2 = time.monotonic()
        net.stop()
        t3 = time.monotonic()
    print("hosts=%d create_total_ms=%.1f delete_total_ms=%.1f" %
          (n, (t1 - t0) * 1e3, (t3 - t2) * 1e3))


if __name__ == "__main__":
    main()
