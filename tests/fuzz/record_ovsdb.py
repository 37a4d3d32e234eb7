#!/usr/bin/env python3
"""Records real ovsdb-server replies into the fuzz_ovsdb corpus. Run by
record_ovsdb.sh, which makes a bridge of its own (BRIDGE) first. Each seed
is one byte (the fuzzer's read size) and the bytes of the server's reply;
rows of other bridges (other labs on this machine) are left out of the
select results, everything else is as the server sent it.
Usage: record_ovsdb.py SOCKET BRIDGE OUTDIR"""
import json
import os
import socket
import sys

sock_path, bridge, outdir = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
next_id = [1]


def call(method, params):
    rid = next_id[0]
    next_id[0] += 1
    s.sendall(json.dumps({"method": method, "params": params, "id": rid}).encode())
    data, depth = b"", None
    while True:
        data += s.recv(65536)
        try:
            return json.loads(data)
        except ValueError:
            continue


def save(name, reply, chunk=255):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(bytes([chunk]) + json.dumps(reply, separators=(",", ":")).encode())


def select(table, columns):
    return {"op": "select", "table": table, "where": [], "columns": columns}


save("list_dbs", call("list_dbs", []))
observe = call("transact", ["Open_vSwitch",
                            select("Bridge", ["_uuid", "name", "ports", "datapath_type", "external_ids"]),
                            select("Port", ["_uuid", "name", "interfaces", "external_ids", "tag", "trunks", "vlan_mode"]),
                            select("Interface", ["_uuid", "name", "type", "ofport", "error"])])
mine = lambda row: row["name"].startswith(bridge)
for r in observe["result"]:
    r["rows"] = [row for row in r["rows"] if mine(row)]
observe["id"] = 1
save("observe", observe)
save("observe-split", observe, chunk=7)
# A commit-time failure: a second bridge of the same name.
dup = call("transact", ["Open_vSwitch",
                        {"op": "insert", "table": "Bridge", "row": {"name": bridge}, "uuid-name": "nb"},
                        {"op": "mutate", "table": "Open_vSwitch", "where": [],
                         "mutations": [["bridges", "insert", ["named-uuid", "nb"]]]}])
dup["id"] = 1
save("duplicate-bridge", dup)
# An ownership guard that fails: wait, timeout 0, for a mark the bridge lacks.
guard = call("transact", ["Open_vSwitch",
                          {"op": "wait", "timeout": 0, "table": "Bridge",
                           "where": [["name", "==", bridge]], "columns": ["external_ids"],
                           "until": "==", "rows": [{"external_ids": ["map", [["netlab-lab", "other"]]]}]},
                          select("Open_vSwitch", ["next_cfg"])])
guard["id"] = 1
save("guard-timed-out", guard)
cfg = call("transact", ["Open_vSwitch", select("Open_vSwitch", ["next_cfg", "cur_cfg"])])
cfg["id"] = 1
save("next-cfg", cfg)
err = call("no_such_method", [])
err["id"] = 1
save("unknown-method", err)
