#include <algorithm>
#include <catch2/catch.hpp>

#include "ovs/ovsdb_observe.hpp"

using namespace netlab;
using namespace netlab::ovs;

TEST_CASE("observe selects Bridge, Port and Interface in one transaction", "[ovs][observe]") {
  Json p = observe_params();
  REQUIRE(p.size() == 4);
  CHECK(p[0] == "Open_vSwitch");
  CHECK(p[1]["op"] == "select");
  CHECK(p[1]["table"] == "Bridge");
  CHECK(p[1]["where"] == Json::array());
  CHECK(p[2]["table"] == "Port");
  CHECK(p[3]["table"] == "Interface");
  for (const char* c : {"tag", "trunks", "external_ids", "interfaces"})
    CHECK(std::find(p[2]["columns"].begin(), p[2]["columns"].end(), c) != p[2]["columns"].end());
}

TEST_CASE("observe decodes sets, maps, empty optional columns and uuids", "[ovs][observe]") {
  // Bridge ovs1 with: its own port (bare uuid as the single interface),
  // veth-r (tag 100, owned), trunk (trunks as a set, no tag), bad (ofport -1
  // and an error), fresh (ofport not yet assigned). Bridge br2 with no ports.
  Json result = Json::parse(R"J([
   {"rows":[
     {"_uuid":["uuid","B1"],"name":"ovs1","datapath_type":"netdev",
      "external_ids":["map",[["netlab-lab","demo"]]],
      "ports":["set",[["uuid","P1"],["uuid","P0"],["uuid","P2"],["uuid","P3"],["uuid","P4"]]]},
     {"_uuid":["uuid","B0"],"name":"br2","datapath_type":"","external_ids":["map",[]],
      "ports":["set",[]]}]},
   {"rows":[
     {"_uuid":["uuid","P0"],"name":"ovs1","interfaces":["uuid","I0"],"external_ids":["map",[]],
      "tag":["set",[]],"trunks":["set",[]],"vlan_mode":["set",[]]},
     {"_uuid":["uuid","P1"],"name":"veth-r","interfaces":["set",[["uuid","I1"]]],
      "external_ids":["map",[["netlab-lab","demo"]]],"tag":100,"trunks":["set",[]],
      "vlan_mode":["set",[]]},
     {"_uuid":["uuid","P2"],"name":"trunk","interfaces":["uuid","I2"],"external_ids":["map",[]],
      "tag":["set",[]],"trunks":["set",[300,200]],"vlan_mode":"trunk"},
     {"_uuid":["uuid","P3"],"name":"bad","interfaces":["uuid","I3"],"external_ids":["map",[]],
      "tag":["set",[]],"trunks":7,"vlan_mode":["set",[]]},
     {"_uuid":["uuid","P4"],"name":"fresh","interfaces":["uuid","I4"],"external_ids":["map",[]],
      "tag":["set",[]],"trunks":["set",[]],"vlan_mode":["set",[]]}]},
   {"rows":[
     {"_uuid":["uuid","I0"],"name":"ovs1","type":"internal","ofport":65534,"error":["set",[]]},
     {"_uuid":["uuid","I1"],"name":"veth-r","type":"","ofport":1,"error":["set",[]]},
     {"_uuid":["uuid","I2"],"name":"trunk","type":"","ofport":2,"error":["set",[]]},
     {"_uuid":["uuid","I3"],"name":"bad","type":"","ofport":-1,
      "error":"could not open network device bad (No such device)"},
     {"_uuid":["uuid","I4"],"name":"fresh","type":"","ofport":["set",[]],"error":["set",[]]}]
}
  ])J");
  auto s = parse_observe_result(result);
  REQUIRE(s);
  REQUIRE(s->bridges.size() == 2);
  CHECK(s->bridges[0].name == "br2");  // sorted by name
  CHECK(s->bridges[0].ports.empty());
  CHECK(s->bridges[0].owner().empty());
  const OvsBridgeState* b = s->find_bridge("ovs1");
  REQUIRE(b);
  CHECK(b->uuid == "B1");
  CHECK(b->datapath_type == "netdev");
  CHECK(b->owner() == "demo");
  REQUIRE(b->ports.size() == 5);
  CHECK(b->ports[0].name == "bad");  // sorted by name

  const OvsPortState* own = b->find_port("ovs1");
  REQUIRE(own);
  CHECK(own->type == "internal");
  CHECK(own->ofport == 65534);
  CHECK(own->interface_uuid == "I0");
  CHECK_FALSE(own->tag);

  const OvsPortState* vr = b->find_port("veth-r");
  REQUIRE(vr);
  CHECK(vr->tag == 100);
  CHECK(vr->owner() == "demo");
  CHECK(vr->port_uuid == "P1");
  CHECK(vr->trunks.empty());

  CHECK(b->find_port("trunk")->trunks == std::vector<int>{200, 300});
  CHECK(b->find_port("bad")->trunks == std::vector<int>{7});
  CHECK(b->find_port("bad")->ofport == -1);
  CHECK(b->find_port("bad")->error == "could not open network device bad (No such device)");
  CHECK(b->find_port("fresh")->ofport == -1);
  CHECK(s->bridge_of_port("trunk") == b);
  CHECK(s->bridge_of_port("nope") == nullptr);
}

TEST_CASE("a malformed observe reply is an error, not an exception", "[ovs][observe]") {
  CHECK_FALSE(parse_observe_result(Json::object()));
  CHECK_FALSE(parse_observe_result(Json::parse(R"([{"rows":[]},{"rows":[]}])")));
  auto e = parse_observe_result(Json::parse(
      R"([{"rows":[{"_uuid":["uuid","B"],"name":"x","datapath_type":"","ports":["set",[]]}]},
          {"rows":[]},{"rows":[]}])"));
  REQUIRE_FALSE(e);
  CHECK_THAT(e.error().message, Catch::Contains("Bridge row without external_ids"));
  auto bad_tag = parse_observe_result(Json::parse(
      R"([{"rows":[]},{"rows":[{"_uuid":["uuid","P"],"name":"p","interfaces":["set",[]],
          "external_ids":["map",[]],"tag":"x","trunks":["set",[]]}]},{"rows":[]}])"));
  CHECK_FALSE(bad_tag);
}
