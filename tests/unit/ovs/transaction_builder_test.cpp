#include "ovs/transaction_builder.hpp"

#include <catch2/catch.hpp>

using namespace netlab;
using namespace netlab::ovs;

namespace {

OvsPortState port(const std::string& name, const std::string& uuid, const std::string& owner,
                  std::optional<int> tag = std::nullopt) {
  OvsPortState p;
  p.name = name;
  p.port_uuid = uuid;
  p.interface_uuid = "i-" + uuid;
  p.tag = tag;
  if (!owner.empty()) p.external_ids[kOvsOwnerKey] = owner;
  return p;
}

// ovs1 (uuid B1, lab "demo") with its own port, veth-r (P1, tag 100) and
// veth-b (P2); foreign bridge br-user (B2) with port eth-user (P4).
OvsState demo_state() {
  OvsState s;
  OvsBridgeState b;
  b.name = "ovs1";
  b.uuid = "B1";
  b.datapath_type = "netdev";
  b.external_ids[kOvsOwnerKey] = "demo";
  b.ports = {port("ovs1", "P0", "demo"), port("veth-b", "P2", "demo"),
             port("veth-r", "P1", "demo", 100)};
  s.bridges.push_back(b);
  OvsBridgeState u;
  u.name = "br-user";
  u.uuid = "B2";
  u.ports = {port("br-user", "P3", ""), port("eth-user", "P4", "")};
  s.bridges.push_back(u);
  return s;
}

// The ops without the leading database name.
Json ops(const BuiltTransaction& b) {
  REQUIRE(b.params.at(0) == "Open_vSwitch");
  return Json(b.params.begin() + 1, b.params.end());
}

const char* kTail = R"(
  {"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["next_cfg","+=",1]]},
  {"op":"select","table":"Open_vSwitch","where":[],"columns":["next_cfg"]},
  {"op":"comment","comment":"netlab: apply lab demo"})";

}  // namespace

TEST_CASE("a new bridge with a tagged port is inserted Interface -> Port -> Bridge", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  t.add_bridges.push_back({"ovs1", "netdev"});
  t.add_ports.push_back({"ovs1", "veth-r", false, 100, {}});
  auto b = build_transaction(t, OvsState{});
  REQUIRE(b);
  const Json expected = Json::parse(std::string(R"([
  {"op":"insert","table":"Interface","uuid-name":"iface0",
   "row":{"name":"ovs1","type":"internal","external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"insert","table":"Port","uuid-name":"port0",
   "row":{"name":"ovs1","interfaces":["named-uuid","iface0"],
          "external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"insert","table":"Interface","uuid-name":"iface1",
   "row":{"name":"veth-r","type":"","external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"insert","table":"Port","uuid-name":"port1",
   "row":{"name":"veth-r","interfaces":["named-uuid","iface1"],"tag":100,
          "external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"insert","table":"Bridge","uuid-name":"bridge0",
   "row":{"name":"ovs1","datapath_type":"netdev",
          "ports":["set",[["named-uuid","port0"],["named-uuid","port1"]]],
          "external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"mutate","table":"Open_vSwitch","where":[],
   "mutations":[["bridges","insert",["set",[["named-uuid","bridge0"]]]]]},)") +
                                    kTail + "]");
  CHECK(ops(*b) == expected);
  CHECK(b->labels[3] == "add port veth-r to ovs1");
  CHECK(b->labels[4] == "add bridge ovs1");
  CHECK(b->next_cfg_select == 7);
  CHECK(b->changes);
  REQUIRE(b->added_interfaces.size() == 2);
  CHECK(b->added_interfaces[1].name == "veth-r");
  CHECK(b->added_interfaces[1].bridge == "ovs1");
}

TEST_CASE("changes to existing rows are guarded, updated in place and mutated out", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  t.add_ports.push_back({"ovs1", "tap-r", true, 100, {}});
  t.set_vlans.push_back({"veth-r", 200, {}});
  t.del_ports.push_back({"ovs1", "veth-b"});
  auto b = build_transaction(t, demo_state());
  REQUIRE(b);
  const Json expected = Json::parse(std::string(R"([
  {"op":"wait","timeout":0,"table":"Bridge",
   "where":[["_uuid","==",["uuid","B1"]],["external_ids","includes",["map",[["netlab-lab","demo"]]]]],
   "columns":["_uuid"],"until":"==","rows":[{"_uuid":["uuid","B1"]}]},
  {"op":"wait","timeout":0,"table":"Port",
   "where":[["_uuid","==",["uuid","P1"]],["external_ids","includes",["map",[["netlab-lab","demo"]]]]],
   "columns":["_uuid"],"until":"==","rows":[{"_uuid":["uuid","P1"]}]},
  {"op":"wait","timeout":0,"table":"Port",
   "where":[["_uuid","==",["uuid","P2"]],["external_ids","includes",["map",[["netlab-lab","demo"]]]]],
   "columns":["_uuid"],"until":"==","rows":[{"_uuid":["uuid","P2"]}]},
  {"op":"insert","table":"Interface","uuid-name":"iface0",
   "row":{"name":"tap-r","type":"internal","external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"insert","table":"Port","uuid-name":"port0",
   "row":{"name":"tap-r","interfaces":["named-uuid","iface0"],"tag":100,
          "external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"mutate","table":"Bridge","where":[["_uuid","==",["uuid","B1"]]],
   "mutations":[["ports","insert",["set",[["named-uuid","port0"]]]]]},
  {"op":"update","table":"Port","where":[["_uuid","==",["uuid","P1"]]],
   "row":{"tag":200,"trunks":["set",[]]}},
  {"op":"mutate","table":"Bridge","where":[["_uuid","==",["uuid","B1"]]],
   "mutations":[["ports","delete",["set",[["uuid","P2"]]]]]},)") +
                                    kTail + "]");
  CHECK(ops(*b) == expected);
  CHECK(b->is_guard == std::vector<bool>{true, true, true, false, false, false, false, false, false,
                                         false, false});
  CHECK(b->labels[7] == "delete port veth-b from ovs1");
}

TEST_CASE("clearing a tag sets the empty set; trunks are sorted", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  t.set_vlans.push_back({"veth-r", std::nullopt, {20, 10}});
  auto b = build_transaction(t, demo_state());
  REQUIRE(b);
  CHECK(ops(*b)[1] == Json::parse(R"({"op":"update","table":"Port",
      "where":[["_uuid","==",["uuid","P1"]]],"row":{"tag":["set",[]],"trunks":["set",[10,20]]}})"));
}

TEST_CASE("deleting a bridge guards it and every port, then mutates it out", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  t.del_bridges.push_back("ovs1");
  t.del_ports.push_back({"ovs1", "veth-r"});  // goes with its bridge: no extra op
  auto b = build_transaction(t, demo_state());
  REQUIRE(b);
  Json o = ops(*b);
  REQUIRE(o.size() == 8);  // 4 guards, 1 mutate, next_cfg, select, comment
  CHECK(o[0]["table"] == "Bridge");
  CHECK(o[1]["where"][0][2] == Json::parse(R"(["uuid","P0"])"));
  CHECK(o[2]["where"][0][2] == Json::parse(R"(["uuid","P2"])"));
  CHECK(o[3]["where"][0][2] == Json::parse(R"(["uuid","P1"])"));
  CHECK(o[4] == Json::parse(R"({"op":"mutate","table":"Open_vSwitch","where":[],
      "mutations":[["bridges","delete",["set",[["uuid","B1"]]]]]})"));
}

TEST_CASE("deleting what is already gone is a no-op", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  t.del_bridges.push_back("nope");
  t.del_ports.push_back({"ovs1", "gone"});
  auto b = build_transaction(t, demo_state());
  REQUIRE(b);
  CHECK(ops(*b) == Json::parse(std::string("[") + kTail + "]"));
  CHECK_FALSE(b->changes);
}

TEST_CASE("rows not marked with the lab are refused before anything is sent", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  SECTION("a foreign bridge") { t.del_bridges.push_back("br-user"); }
  SECTION("a foreign port") { t.del_ports.push_back({"br-user", "eth-user"}); }
  SECTION("a port added to a foreign bridge") {
    t.add_ports.push_back({"br-user", "x", false, std::nullopt, {}});
  }
  SECTION("another lab's port") {
    t.lab = "other";
    t.set_vlans.push_back({"veth-r", 5, {}});
  }
  auto b = build_transaction(t, demo_state());
  REQUIRE_FALSE(b);
  CHECK(b.error().kind == ErrorKind::Conflict);
  CHECK_THAT(b.error().message, Catch::Contains("is not owned by lab"));
  CHECK_THAT(b.error().message, Catch::Contains("refusing"));
}

TEST_CASE("an owned bridge holding a foreign port is not deleted", "[ovs][txn]") {
  OvsState s = demo_state();
  s.bridges[0].ports.push_back(port("intruder", "P9", ""));
  OvsTransaction t;
  t.lab = "demo";
  t.del_bridges.push_back("ovs1");
  auto b = build_transaction(t, s);
  REQUIRE_FALSE(b);
  CHECK(b.error().kind == ErrorKind::Conflict);
  CHECK_THAT(b.error().message,
             Catch::StartsWith("delete bridge ovs1: port intruder is not owned by lab 'demo'"));
}

TEST_CASE("a port for a missing bridge or a VLAN change of a missing port fails", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  t.add_ports.push_back({"nobr", "p1", false, std::nullopt, {}});
  auto b = build_transaction(t, demo_state());
  REQUIRE_FALSE(b);
  CHECK(b.error().message == "add port p1 to nobr: bridge nobr does not exist");
  OvsTransaction v;
  v.lab = "demo";
  v.set_vlans.push_back({"nope", 1, {}});
  auto c = build_transaction(v, demo_state());
  REQUIRE_FALSE(c);
  CHECK(c.error().message == "set vlan of port nope: no such port");
}

TEST_CASE("transact replies become errors naming the operation", "[ovs][txn]") {
  OvsTransaction t;
  t.lab = "demo";
  t.add_ports.push_back({"ovs1", "veth-x", false, std::nullopt, {}});
  t.del_ports.push_back({"ovs1", "veth-b"});
  auto b = build_transaction(t, demo_state());
  REQUIRE(b);
  // ops: 0 guard B1, 1 guard P2, 2 insert Interface, 3 insert Port, 4 mutate
  // Bridge insert, 5 mutate delete, 6 next_cfg, 7 select, 8 comment

  SECTION("all fine") {
    Json ok = Json::parse(R"([{},{},{"uuid":["uuid","u1"]},{"uuid":["uuid","u2"]},{"count":1},
        {"count":1},{"count":1},{"rows":[{"next_cfg":42}]},{}])");
    CHECK_FALSE(transact_reply_error(*b, ok));
    auto n = read_next_cfg(*b, ok);
    REQUIRE(n);
    CHECK(*n == 42);
  }
  SECTION("a per-operation error") {
    Json r = Json::parse(R"([{},{},{"error":"constraint violation","details":"bad name"},null])");
    auto e = transact_reply_error(*b, r);
    REQUIRE(e);
    CHECK(e->kind == ErrorKind::Ovs);
    CHECK(e->message == "ovsdb transact (add port veth-x to ovs1): constraint violation: bad name");
  }
  SECTION("a commit-time duplicate is pinned on the insert that caused it") {
    Json r = Json::parse(R"([{},{},{"uuid":["uuid","u1"]},{"uuid":["uuid","u2"]},{"count":1},
        {"count":1},{"count":1},{"rows":[{"next_cfg":42}]},{},
        {"error":"constraint violation","details":"Transaction causes multiple rows in \"Interface\" table to have identical values (veth-x) for index on column \"name\".  First row, with UUID u0, existed in the database before this transaction and was not modified by the transaction.  Second row, with UUID u1, was inserted by this transaction."}])");
    auto e = transact_reply_error(*b, r);
    REQUIRE(e);
    CHECK_THAT(e->message, Catch::StartsWith("ovsdb transact (add port veth-x to ovs1): "
                                             "constraint violation: Transaction causes"));
  }
  SECTION("a failed guard is a conflict") {
    Json r =
        Json::parse(R"([{},{"error":"timed out","details":"\"where\" clause test failed"},null])");
    auto e = transact_reply_error(*b, r);
    REQUIRE(e);
    CHECK(e->kind == ErrorKind::Conflict);
    CHECK_THAT(e->message, Catch::Contains("port veth-b must be owned by lab 'demo'"));
  }
  SECTION("a reply that is not an array") { CHECK(transact_reply_error(*b, Json::object())); }
}

TEST_CASE(
    "Adopting: --adopt marks a foreign bridge first, guarded, and the rest uses it as the lab's",
    "[ovs][txn][adopt]") {
  OvsTransaction t;
  t.lab = "demo";
  t.adopt_bridges.push_back("br-user");
  t.adopt_ports.push_back("br-user");
  t.add_ports.push_back({"br-user", "veth-x", false, std::nullopt, {}});
  auto b = build_transaction(t, demo_state());
  REQUIRE(b);
  // Each adopted row must still carry what was observed (no mark at all):
  // a wait on its whole external_ids, then the mark goes in. The guard that
  // the bridge is the lab's, for the port added to it, then passes.
  const Json expected = Json::parse(std::string(R"([
  {"op":"wait","timeout":0,"table":"Bridge","where":[["_uuid","==",["uuid","B2"]]],
   "columns":["external_ids"],"until":"==","rows":[{"external_ids":["map",[]]}]},
  {"op":"mutate","table":"Bridge","where":[["_uuid","==",["uuid","B2"]]],
   "mutations":[["external_ids","insert",["map",[["netlab-lab","demo"]]]]]},
  {"op":"wait","timeout":0,"table":"Port","where":[["_uuid","==",["uuid","P3"]]],
   "columns":["external_ids"],"until":"==","rows":[{"external_ids":["map",[]]}]},
  {"op":"mutate","table":"Port","where":[["_uuid","==",["uuid","P3"]]],
   "mutations":[["external_ids","insert",["map",[["netlab-lab","demo"]]]]]},
  {"op":"mutate","table":"Interface","where":[["_uuid","==",["uuid","i-P3"]]],
   "mutations":[["external_ids","insert",["map",[["netlab-lab","demo"]]]]]},
  {"op":"wait","timeout":0,"table":"Bridge",
   "where":[["_uuid","==",["uuid","B2"]],["external_ids","includes",["map",[["netlab-lab","demo"]]]]],
   "columns":["_uuid"],"until":"==","rows":[{"_uuid":["uuid","B2"]}]},
  {"op":"insert","table":"Interface","uuid-name":"iface0",
   "row":{"name":"veth-x","type":"","external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"insert","table":"Port","uuid-name":"port0",
   "row":{"name":"veth-x","interfaces":["named-uuid","iface0"],
          "external_ids":["map",[["netlab-lab","demo"]]]}},
  {"op":"mutate","table":"Bridge","where":[["_uuid","==",["uuid","B2"]]],
   "mutations":[["ports","insert",["set",[["named-uuid","port0"]]]]]},)") +
                                    kTail + "]");
  CHECK(ops(*b) == expected);
  CHECK(b->labels[1] == "adopt bridge br-user");
}

TEST_CASE(
    "Adopting: --adopt never takes another lab's row; disowning takes only the lab's mark off",
    "[ovs][txn][adopt]") {
  OvsTransaction t;
  t.lab = "other";
  t.adopt_bridges.push_back("ovs1");  // lab demo's
  auto refused = build_transaction(t, demo_state());
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("lab 'demo'"));

  OvsTransaction u;
  u.lab = "demo";
  u.disown_bridges.push_back("ovs1");
  u.disown_ports.push_back("veth-r");
  auto b = build_transaction(u, demo_state());
  REQUIRE(b);
  const Json expected = Json::parse(std::string(R"([
  {"op":"wait","timeout":0,"table":"Bridge",
   "where":[["_uuid","==",["uuid","B1"]],["external_ids","includes",["map",[["netlab-lab","demo"]]]]],
   "columns":["_uuid"],"until":"==","rows":[{"_uuid":["uuid","B1"]}]},
  {"op":"wait","timeout":0,"table":"Port",
   "where":[["_uuid","==",["uuid","P1"]],["external_ids","includes",["map",[["netlab-lab","demo"]]]]],
   "columns":["_uuid"],"until":"==","rows":[{"_uuid":["uuid","P1"]}]},
  {"op":"mutate","table":"Bridge","where":[["_uuid","==",["uuid","B1"]]],
   "mutations":[["external_ids","delete",["map",[["netlab-lab","demo"]]]]]},
  {"op":"mutate","table":"Port","where":[["_uuid","==",["uuid","P1"]]],
   "mutations":[["external_ids","delete",["map",[["netlab-lab","demo"]]]]]},
  {"op":"mutate","table":"Interface","where":[["_uuid","==",["uuid","i-P1"]]],
   "mutations":[["external_ids","delete",["map",[["netlab-lab","demo"]]]]]},)") +
                                    kTail + "]");
  CHECK(ops(*b) == expected);
  // A foreign row cannot be disowned either.
  OvsTransaction v;
  v.lab = "demo";
  v.disown_bridges.push_back("br-user");
  CHECK_FALSE(build_transaction(v, demo_state()));
}
