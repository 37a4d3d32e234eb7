// The shipped example topologies are valid and parse into the expected model.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "parse/parse.hpp"

namespace fs = std::filesystem;
using namespace netlab;

TEST_CASE("every shipped topology parses without errors", "[parse][topologies]") {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(NETLAB_SOURCE_DIR) / "topologies")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    auto r = load_topology(entry.path().string());
    INFO(entry.path().string());
    for (const auto& e : r.errors) UNSCOPED_INFO(e.str());
    CHECK(r.errors.empty());
    CHECK(r.ok());
  }
  CHECK(files == 5);
}

TEST_CASE("netns-demo-03 parses into the expected model", "[parse][topologies]") {
  auto r = load_topology(std::string(NETLAB_SOURCE_DIR) + "/topologies/netns-demo-03.yaml");
  REQUIRE(r.ok());
  const Topology& t = *r.topology;
  CHECK(t.name == "demo03");
  REQUIRE(t.namespaces.size() == 4);
  CHECK(t.namespaces[0].name == "red");
  CHECK(t.namespaces[0].interfaces.at(0).name == "eth0-r");
  CHECK(t.namespaces[0].interfaces.at(0).dhcp);
  CHECK(t.namespaces[2].interfaces.at(0).addresses.at(0).value.str() == "10.20.30.2/24");
  REQUIRE(t.bridges.size() == 1);
  CHECK(t.bridges[0].kind == BridgeKind::Ovs);
  REQUIRE(t.bridges[0].ports.size() == 2);
  CHECK(t.bridges[0].ports[0].internal);
  CHECK(t.bridges[0].ports[0].namespace_name->value == "dhcp-r");
  CHECK(t.bridges[0].ports[0].options.vlan->value == 100);
  REQUIRE(t.links.size() == 2);
  CHECK(t.links[1].a.owner == "blue");
  CHECK(t.links[1].b.ifname == "veth-b");
  CHECK(t.links[1].options.vlan->value == 200);
  REQUIRE(t.dhcp.size() == 2);
  CHECK(t.dhcp[0].range_start.str() == "10.20.30.10");
  CHECK(t.dhcp[0].range_end.str() == "10.20.30.100");
  CHECK_FALSE(t.dhcp[0].lease_seconds);
  REQUIRE(t.tests.size() == 5);
  CHECK(std::get<LeaseTest>(t.tests[2].check).server == "dhcp-r");
  CHECK(std::get<PingTest>(t.tests[4].check).expect == Expect::Fail);
}

// Not a test: `test_parse "[.dump]"` with NETLAB_DUMP=FILE prints what a file yields.
TEST_CASE("dump the errors of $NETLAB_DUMP", "[.dump]") {
  const char* f = std::getenv("NETLAB_DUMP");
  REQUIRE(f);
  for (const auto& e : load_topology(f).errors) std::cout << e.str() << "\n";
}
