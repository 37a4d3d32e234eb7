#!/usr/bin/env python3
"""Records the raw replies of the three rtnetlink dumps observe reads
(RTM_GETLINK with RTEXT_FILTER_SKIP_STATS, RTM_GETADDR, RTM_GETROUTE) in the
current network namespace: one file per recv(), as fuzz_netlink reads them.
Usage (see record_netlink.sh): record_netlink.py OUTDIR"""
import os
import socket
import struct
import sys

NETLINK_ROUTE = 0
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_DONE = 3
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE = 18, 22, 26
IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS = 29, 1 << 3


def request(msg_type, family_header, attrs=b""):
    body = family_header + attrs
    return struct.pack("=IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body


def dump(name, req, outdir):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.bind((0, 0))
    s.send(req)
    part = 0
    while True:
        data = s.recv(65536)
        with open(os.path.join(outdir, f"{name}-{part}"), "wb") as f:
            f.write(data)
        part += 1
        # The last message of the last buffer of a dump is NLMSG_DONE.
        off, done = 0, False
        while off + 16 <= len(data):
            length, mtype = struct.unpack_from("=IH", data, off)
            done |= mtype == NLMSG_DONE
            off += (length + 3) & ~3 if length >= 16 else len(data)
        if done:
            break


outdir = sys.argv[1]
ifinfomsg = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
ext_mask = struct.pack("=HHI", 8, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
dump("link", request(RTM_GETLINK, ifinfomsg, ext_mask), outdir)
dump("addr", request(RTM_GETADDR, struct.pack("=BBBBI", socket.AF_UNSPEC, 0, 0, 0, 0)), outdir)
dump("route", request(RTM_GETROUTE, struct.pack("=BBBBBBBBI", socket.AF_UNSPEC, 0, 0, 0, 0, 0, 0, 0, 0)), outdir)
