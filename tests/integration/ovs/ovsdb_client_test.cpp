// The OVSDB client against the real ovsdb-server / ovs-vswitchd (root).
// Every result is checked independently with ovs-vsctl.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>

#include "netlab/ovs.hpp"
#include "ovs/json_rpc.hpp"
#include "ovs/ovsdb_observe.hpp"
#include "ovs/transaction_builder.hpp"
#include "support/system.hpp"

using namespace netlab;
using namespace std::chrono_literals;
namespace t = netlab::testing;
using Json = nlohmann::json;

namespace {

// Integration tests need root and a running OVS (scripts/setup.sh starts
// it): without them they fail, they are never skipped as passes.
bool have_ovs() {
  REQUIRE(geteuid() == 0);
  Status s = make_ovsdb_client()->check_available();
  INFO((s ? std::string("") : s.error().message));
  REQUIRE(s.ok());
  return true;
}

// A column value of `ovs-vsctl --format=json list TABLE` decoded loosely:
// ["set", []] -> null, ["set", [x]] -> x, other values as they are.
Json plain(const Json& v) {
  if (v.is_array() && v.size() == 2 && v[0] == "set") {
    if (v[1].empty()) return nullptr;
    if (v[1].size() == 1) return v[1][0];
    return v[1];
  }
  return v;
}

// `ovs-vsctl --format=json list TABLE NAME` as {column: value}, or null when absent.
Json vsctl_row(const std::string& table, const std::string& name) {
  auto out = t::run({"ovs-vsctl", "--format=json", "list", table, name});
  if (out.exit_code != 0) return nullptr;
  Json j = Json::parse(out.text);
  if (j["data"].empty()) return nullptr;
  Json row = Json::object();
  for (std::size_t i = 0; i < j["headings"].size(); ++i)
    row[j["headings"][i].get<std::string>()] = j["data"][0][i];
  return row;
}

std::map<std::string, std::string> vsctl_map(const Json& v) {
  std::map<std::string, std::string> m;
  for (const auto& kv : v[1]) m[kv[0]] = kv[1];
  return m;
}

void vsctl(std::vector<std::string> args) {
  args.insert(args.begin(), {"ovs-vsctl", "--timeout=10"});
  REQUIRE(t::run(args).exit_code == 0);
}

void del_br(const std::string& br) { t::run({"ovs-vsctl", "--if-exists", "del-br", br}); }

void add_veth(const std::string& a, const std::string& b) {
  REQUIRE(t::run({"ip", "link", "add", a, "type", "veth", "peer", "name", b}).exit_code == 0);
  REQUIRE(t::run({"ip", "link", "set", a, "up"}).exit_code == 0);
  REQUIRE(t::run({"ip", "link", "set", b, "up"}).exit_code == 0);
}

}  // namespace

TEST_CASE("a bridge with veth, internal, access and trunk ports", "[integration][ovs]") {
  if (!have_ovs()) return;
  const std::string lab = "itest-" + t::unique_name();
  const std::string br = t::unique_name("br"), va = t::unique_name("va"), pa = t::unique_name("pa"),
                    vb = t::unique_name("vb"), pb = t::unique_name("pb"),
                    tap = t::unique_name("tp");
  t::Cleanup cleanup([&] {
    del_br(br);
    t::remove_link("", va);
    t::remove_link("", vb);
  });
  add_veth(va, pa);
  add_veth(vb, pb);

  auto ovs = make_ovsdb_client();
  OvsTransaction txn;
  txn.lab = lab;
  txn.add_bridges.push_back({br, "netdev"});
  txn.add_ports.push_back({br, va, false, 100, {}});
  txn.add_ports.push_back({br, vb, false, std::nullopt, {20, 10}});
  txn.add_ports.push_back({br, tap, true, 200, {}});
  Status st = ovs->apply(txn, 10s);
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st);

  Json b = vsctl_row("Bridge", br);
  REQUIRE(b.is_object());
  CHECK(b["datapath_type"] == "netdev");
  CHECK(vsctl_map(b["external_ids"])["netlab-lab"] == lab);
  CHECK(b["ports"][1].size() == 4);

  Json p = vsctl_row("Port", va);
  CHECK(plain(p["tag"]) == 100);
  CHECK(vsctl_map(p["external_ids"])["netlab-lab"] == lab);
  Json q = vsctl_row("Port", vb);
  CHECK(plain(q["tag"]).is_null());
  CHECK(plain(q["trunks"]) == Json::array({10, 20}));
  CHECK(plain(vsctl_row("Port", tap)["tag"]) == 200);

  Json ti = vsctl_row("Interface", tap);
  CHECK(ti["type"] == "internal");
  CHECK(plain(ti["ofport"]).get<int>() > 0);
  CHECK(vsctl_map(ti["external_ids"])["netlab-lab"] == lab);
  CHECK(plain(vsctl_row("Interface", va)["ofport"]).get<int>() > 0);
  CHECK(plain(vsctl_row("Interface", va)["error"]).is_null());
  CHECK_FALSE(t::ip_link("", tap).is_null());  // the internal port is a (tap) device

  // observe() sees the same.
  auto s = ovs->observe();
  REQUIRE(s);
  const OvsBridgeState* ob = s->find_bridge(br);
  REQUIRE(ob);
  CHECK(ob->owner() == lab);
  CHECK(ob->datapath_type == "netdev");
  REQUIRE(ob->ports.size() == 4);
  CHECK(ob->find_port(va)->tag == 100);
  CHECK(ob->find_port(vb)->trunks == std::vector<int>{10, 20});
  CHECK(ob->find_port(tap)->type == "internal");
  CHECK(ob->find_port(br)->type == "internal");
  CHECK(ob->find_port(va)->ofport > 0);
  CHECK(ob->find_port(va)->port_uuid == vsctl_row("Port", va)["_uuid"][1]);

  // Tag change and tag removal modify the Port row in place.
  const Json uuid_before = vsctl_row("Port", va)["_uuid"];
  OvsTransaction retag;
  retag.lab = lab;
  retag.set_vlans.push_back({va, 300, {}});
  REQUIRE(ovs->apply(retag, 10s));
  CHECK(plain(vsctl_row("Port", va)["tag"]) == 300);
  CHECK(vsctl_row("Port", va)["_uuid"] == uuid_before);
  OvsTransaction untag;
  untag.lab = lab;
  untag.set_vlans.push_back({va, std::nullopt, {}});
  REQUIRE(ovs->apply(untag, 10s));
  CHECK(plain(vsctl_row("Port", va)["tag"]).is_null());
  CHECK(vsctl_row("Port", va)["_uuid"] == uuid_before);

  // Delete one port, then the bridge with the rest.
  OvsTransaction del_port;
  del_port.lab = lab;
  del_port.del_ports.push_back({br, vb});
  REQUIRE(ovs->apply(del_port, 10s));
  CHECK(vsctl_row("Port", vb).is_null());
  CHECK(vsctl_row("Interface", vb).is_null());
  CHECK_FALSE(vsctl_row("Port", va).is_null());
  OvsTransaction del_bridge;
  del_bridge.lab = lab;
  del_bridge.del_bridges.push_back(br);
  REQUIRE(ovs->apply(del_bridge, 10s));
  CHECK(vsctl_row("Bridge", br).is_null());
  CHECK(vsctl_row("Port", va).is_null());
  CHECK(vsctl_row("Port", tap).is_null());
  // And again: nothing left to delete is no error.
  REQUIRE(ovs->apply(del_bridge, 10s));
}

TEST_CASE("check_available: OVS here answers; a missing socket fails at once with advice",
          "[integration][ovs]") {
  if (!have_ovs()) return;
  CHECK(make_ovsdb_client()->check_available());
  auto missing = make_ovsdb_client("/run/netlab-no-such-dir/db.sock");
  auto start = std::chrono::steady_clock::now();
  Status st = missing->check_available();
  CHECK(std::chrono::steady_clock::now() - start < 100ms);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::Ovs);
  CHECK(st.error().message ==
        "Open vSwitch is not running (no database at /run/netlab-no-such-dir/db.sock): start "
        "it with /usr/share/openvswitch/scripts/ovs-ctl start");
}

TEST_CASE("foreign OVS rows survive delete attempts, and the attempt errors",
          "[integration][ovs]") {
  if (!have_ovs()) return;
  const std::string lab = "itest-" + t::unique_name();
  const std::string fb = t::unique_name("fb"), fp = t::unique_name("fp"), ob = t::unique_name("ob"),
                    op = t::unique_name("op"), intruder = t::unique_name("in");
  t::Cleanup cleanup([&] {
    del_br(fb);
    del_br(ob);
  });
  vsctl({"add-br", fb, "--", "set", "bridge", fb, "datapath_type=netdev", "--", "add-port", fb, fp,
         "--", "set", "interface", fp, "type=internal"});
  auto ovs = make_ovsdb_client();

  for (int i = 0; i < 3; ++i) {
    OvsTransaction txn;
    txn.lab = lab;
    if (i == 0) txn.del_bridges.push_back(fb);
    if (i == 1) txn.del_ports.push_back({fb, fp});
    if (i == 2) txn.add_ports.push_back({fb, "mine", true, std::nullopt, {}});
    Status st = ovs->apply(txn, 10s);
    REQUIRE_FALSE(st);
    CHECK(st.error().kind == ErrorKind::Conflict);
    CHECK_THAT(st.error().message, Catch::Contains(i == 1 ? "port " + fp : "bridge " + fb));
    CHECK_THAT(st.error().message, Catch::Contains("not owned by lab '" + lab + "'"));
  }
  CHECK_FALSE(vsctl_row("Bridge", fb).is_null());
  CHECK_FALSE(vsctl_row("Port", fp).is_null());
  CHECK(vsctl_row("Port", "mine").is_null());

  // Our own bridge, into which someone put a port by hand: not deleted either.
  OvsTransaction add;
  add.lab = lab;
  add.add_bridges.push_back({ob, "netdev"});
  add.add_ports.push_back({ob, op, true, std::nullopt, {}});
  REQUIRE(ovs->apply(add, 10s));
  vsctl({"add-port", ob, intruder, "--", "set", "interface", intruder, "type=internal"});
  OvsTransaction del;
  del.lab = lab;
  del.del_bridges.push_back(ob);
  Status st = ovs->apply(del, 10s);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::Conflict);
  CHECK_THAT(st.error().message, Catch::Contains("port " + intruder));
  CHECK_FALSE(vsctl_row("Bridge", ob).is_null());
  CHECK_FALSE(vsctl_row("Port", intruder).is_null());

  // The guard holds server-side too: a transaction built from a stale read
  // (the mark removed after it) is refused by ovsdb-server, atomically.
  auto stale = ovs->observe();
  REQUIRE(stale);
  vsctl({"remove", "Port", op, "external_ids", "netlab-lab"});
  OvsTransaction del_op;
  del_op.lab = lab;
  del_op.del_ports.push_back({ob, op});
  auto built = ovs::build_transaction(del_op, *stale);
  REQUIRE(built);
  auto conn = ovs::JsonRpcConnection::connect(kDefaultOvsdbSocket);
  REQUIRE(conn);
  auto reply = (*conn)->call("transact", built->params, 10s);
  REQUIRE(reply);
  auto err = ovs::transact_reply_error(*built, *reply);
  REQUIRE(err);
  CHECK(err->kind == ErrorKind::Conflict);
  CHECK_THAT(err->message, Catch::Contains("port " + op));
  CHECK_FALSE(vsctl_row("Port", op).is_null());
}

TEST_CASE("an interface OVS cannot open fails apply with OVS's own error text",
          "[integration][ovs]") {
  if (!have_ovs()) return;
  const std::string lab = "itest-" + t::unique_name();
  const std::string br = t::unique_name("br"), ghost = t::unique_name("gh");
  t::Cleanup cleanup([&] { del_br(br); });
  auto ovs = make_ovsdb_client();
  OvsTransaction txn;
  txn.lab = lab;
  txn.add_bridges.push_back({br, "netdev"});
  txn.add_ports.push_back({br, ghost, false, 100, {}});  // no such device
  Status st = ovs->apply(txn, 10s);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::Ovs);
  Json iface = vsctl_row("Interface", ghost);
  REQUIRE(iface.is_object());  // committed: the caller rolls back
  const std::string ovs_error = plain(iface["error"]).get<std::string>();
  CHECK_THAT(ovs_error, Catch::Contains("could not open network device " + ghost));
  CHECK(st.error().message ==
        "ovs-vswitchd could not add interface " + ghost + " to bridge " + br + ": " + ovs_error);
  CHECK(plain(iface["ofport"]) == -1);

  // The caller's rollback removes it.
  OvsTransaction undo;
  undo.lab = lab;
  undo.del_bridges.push_back(br);
  REQUIRE(ovs->apply(undo, 10s));
  CHECK(vsctl_row("Bridge", br).is_null());
  CHECK(vsctl_row("Interface", ghost).is_null());
}

TEST_CASE("a duplicate port name fails the whole transaction with OVSDB's words",
          "[integration][ovs]") {
  if (!have_ovs()) return;
  const std::string lab = "itest-" + t::unique_name();
  const std::string b1 = t::unique_name("b1"), b2 = t::unique_name("b2"), p = t::unique_name("ip");
  t::Cleanup cleanup([&] {
    del_br(b1);
    del_br(b2);
  });
  auto ovs = make_ovsdb_client();
  OvsTransaction a;
  a.lab = lab;
  a.add_bridges.push_back({b1, "netdev"});
  a.add_ports.push_back({b1, p, true, std::nullopt, {}});
  REQUIRE(ovs->apply(a, 10s));
  OvsTransaction dup;
  dup.lab = lab;
  dup.add_bridges.push_back({b2, "netdev"});
  dup.add_ports.push_back({b2, p, true, std::nullopt, {}});
  Status st = ovs->apply(dup, 10s);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::Ovs);
  CHECK_THAT(st.error().message, Catch::StartsWith("ovsdb transact (add port " + p + " to " + b2 +
                                                   "): constraint violation: "));
  CHECK_THAT(st.error().message, Catch::Contains("identical values"));
  CHECK(vsctl_row("Bridge", b2).is_null());  // nothing of the transaction happened
}

TEST_CASE("auto_datapath probes once and leaves nothing behind", "[integration][ovs]") {
  if (!have_ovs()) return;
  auto ovs = make_ovsdb_client();
  auto dp = ovs->auto_datapath();
  INFO((dp.ok() ? std::string() : dp.error().message));
  REQUIRE(dp);
  const bool kernel_dp = t::run({"sh", "-c", "test -d /sys/module/openvswitch"}).exit_code == 0;
  CHECK(*dp == (kernel_dp ? "system" : "netdev"));
  auto again = ovs->auto_datapath();
  REQUIRE(again);
  CHECK(*again == *dp);
  // Its own probe bridge is gone. (Probes of tests running beside this one
  // may come and go: they are named after their own pids.)
  CHECK(t::run({"ovs-vsctl", "br-exists", "nlprobe" + std::to_string(::getpid())}).exit_code == 2);
}

TEST_CASE("auto_datapath sweeps only the probe bridges of processes that are gone",
          "[integration][ovs]") {
  // A parallel `up` probing right now has a probe bridge named after its
  // live pid: sweeping it made that `up` fail. One of a dead pid is a
  // crash's leftover and goes.
  if (!have_ovs()) return;
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  REQUIRE(dead > 0);
  ::waitpid(dead, nullptr, 0);
  const std::string live_br = "nlprobe" + std::to_string(::getppid());
  const std::string dead_br = "nlprobe" + std::to_string(dead);
  t::Cleanup guard([&] {
    t::run({"ovs-vsctl", "--if-exists", "del-br", live_br, "--", "--if-exists", "del-br", dead_br});
  });
  for (const auto& br : {live_br, dead_br}) {
    // Marked as netlab marks its rows: the bridge, its local port and interface.
    const std::string mark = "external_ids:netlab-lab=netlab-probe";
    auto out = t::run({"ovs-vsctl", "add-br", br, "--", "set", "bridge", br, "datapath_type=netdev",
                       mark, "--", "set", "port", br, mark, "--", "set", "interface", br, mark});
    REQUIRE(out.exit_code == 0);
  }
  auto dp = make_ovsdb_client()->auto_datapath();
  INFO((dp.ok() ? std::string() : dp.error().message));
  REQUIRE(dp);
  CHECK(t::run({"ovs-vsctl", "br-exists", live_br}).exit_code == 0);
  CHECK(t::run({"ovs-vsctl", "br-exists", dead_br}).exit_code == 2);
}
