// --prefix, interface placement and did-you-mean.
#include <catch2/catch.hpp>

#include "parse/parse.hpp"
#include "parse/suggest.hpp"

using namespace netlab;

namespace {

Topology load(const std::string& name) {
  auto r = load_topology(std::string(NETLAB_SOURCE_DIR) + "/topologies/" + name);
  REQUIRE(r.ok());
  return *r.topology;
}

}  // namespace

TEST_CASE("did you mean: close keys only", "[parse][suggest]") {
  CHECK(edit_distance("adresses", "addresses") == 1);
  CHECK(edit_distance("nmae", "name") == 1);  // a swap is one edit
  CHECK(edit_distance("", "abc") == 3);
  const std::vector<std::string> keys = {"dhcp", "addresses", "mtu", "mac", "vlan"};
  CHECK(did_you_mean("adresses", keys) == "addresses");
  CHECK(did_you_mean("mtv", keys) == "mtu");
  CHECK(did_you_mean("colour", keys) == std::nullopt);
  CHECK(did_you_mean("xyz", keys) == std::nullopt);
  CHECK(hint("vlna", keys) == "; did you mean 'vlan'?");
  CHECK(hint("zzzzzz", keys).empty());
}

TEST_CASE("placement derives where every interface lives", "[parse][placement]") {
  Topology t = load("netns-demo-03.yaml");
  auto p = place_interfaces(t);
  using S = InterfacePlacement::Source;
  auto find = [&](const std::string& ns, const std::string& name) -> const InterfacePlacement* {
    for (const auto& x : p)
      if (x.ns == ns && x.name == name) return &x;
    return nullptr;
  };
  REQUIRE(find("", "ovs1"));
  CHECK(find("", "ovs1")->source == S::Bridge);
  REQUIRE(find("red", "eth0-r"));
  CHECK(find("red", "eth0-r")->source == S::VethEnd);
  CHECK(find("", "veth-r")->source == S::VethEnd);  // bridge end lives in root
  REQUIRE(find("dhcp-r", "tap-r"));
  CHECK(find("dhcp-r", "tap-r")->source == S::OvsInternalPort);
  CHECK_FALSE(find("", "tap-r"));
  CHECK(p.size() == 1 + 4 + 2);

  Topology nat = load("routed-nat.yaml");
  auto q = place_interfaces(nat);
  CHECK(q.size() == 4);
  CHECK(q[1].ns == "");  // host:nl-app
  CHECK(q[1].name == "nl-app");
}

TEST_CASE("prefix renames namespaces and root names everywhere", "[parse][prefix]") {
  Topology t = load("netns-demo-03.yaml");
  auto errors = apply_prefix(t, "p1-");
  REQUIRE(errors.empty());
  CHECK(t.name == "p1-demo03");
  CHECK(t.namespaces[0].name == "p1-red");
  CHECK(t.namespaces[0].interfaces[0].name == "eth0-r");    // private to its namespace
  CHECK(t.namespaces[2].interfaces[0].name == "p1-tap-r");  // an OVS port: global name
  CHECK(t.bridges[0].name == "p1-ovs1");
  CHECK(t.bridges[0].ports[0].name == "p1-tap-r");
  CHECK(t.bridges[0].ports[0].namespace_name->value == "p1-dhcp-r");
  CHECK(t.links[0].a.owner == "p1-red");
  CHECK(t.links[0].a.ifname == "eth0-r");
  CHECK(t.links[0].b.owner == "p1-ovs1");
  CHECK(t.links[0].b.ifname == "p1-veth-r");
  CHECK(t.dhcp[0].namespace_name == "p1-dhcp-r");
  CHECK(t.dhcp[0].interface == "p1-tap-r");
  const auto& lease = std::get<LeaseTest>(t.tests[2].check);
  CHECK(lease.client.owner == "p1-red");
  CHECK(lease.client.ifname == "eth0-r");
  CHECK(lease.server == "p1-dhcp-r");
  CHECK(std::get<PingTest>(t.tests[4].check).to.endpoint->owner == "p1-blue");
  // The prefixed topology is still valid.
  CHECK(validate_topology(t).empty());
}

TEST_CASE("prefix: lookups find the new names and not the old ones", "[parse][prefix]") {
  Topology t = load("netns-demo-03.yaml");
  // Lookups before the prefix, hits and misses, so that the name caches are built.
  REQUIRE(t.endpoint_kind("ovs1") == EndpointKind::Bridge);
  REQUIRE(t.endpoint_kind("red") == EndpointKind::Namespace);
  REQUIRE_FALSE(t.endpoint_kind("p1-red"));
  REQUIRE(apply_prefix(t, "p1-").empty());
  for (const char* ns : {"red", "blue", "dhcp-r", "dhcp-b"}) {
    INFO(ns);
    const Namespace* now = t.find_namespace(std::string("p1-") + ns);
    REQUIRE(now);
    CHECK(now->name == std::string("p1-") + ns);
    CHECK(t.endpoint_kind(std::string("p1-") + ns) == EndpointKind::Namespace);
    CHECK(t.find_namespace(ns) == nullptr);
    CHECK_FALSE(t.endpoint_kind(ns));
  }
  CHECK(t.find_bridge("p1-ovs1") == &t.bridges[0]);
  CHECK(t.endpoint_kind("p1-ovs1") == EndpointKind::Bridge);
  CHECK(t.find_bridge("ovs1") == nullptr);
  CHECK_FALSE(t.endpoint_kind("ovs1"));
}

TEST_CASE("prefix: host ends and nat.out, but not foreign interfaces", "[parse][prefix]") {
  Topology t = load("routed-nat.yaml");
  t.host.nat.push_back(NatRule{*IpPrefix::parse("10.0.0.0/8"), "eth0", {}, {}});
  REQUIRE(apply_prefix(t, "x-").empty());
  CHECK(t.links[0].b.owner == "host");
  CHECK(t.links[0].b.ifname == "x-nl-app");
  CHECK(t.host.interfaces[0].name == "x-nl-app");
  CHECK(t.host.nat[0].out == "x-nl-inet");
  CHECK(t.host.nat[1].out == "eth0");
  CHECK(std::get<PingTest>(t.tests[0].check).from == "x-app");
  CHECK(std::get<PingTest>(t.tests[0].check).to.endpoint->ifname == "eth0");
  CHECK(validate_topology(t).empty());
}

TEST_CASE("prefix: too long names are errors that suggest a shorter prefix", "[parse][prefix]") {
  Topology t = load("routed-nat.yaml");
  Topology before = t;
  auto errors = apply_prefix(t, "parallel-copy-");
  // nl-app (6) and nl-inet (7) become 20 and 21 characters; each named once.
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].message ==
        "with prefix 'parallel-copy-', interface 'nl-app' becomes 'parallel-copy-nl-app', 20 "
        "characters; Linux allows 15; use a prefix of at most 9 characters (e.g. 'parallel-')");
  CHECK(errors[0].where.line == 19);  // the first place the name appears: the link end
  CHECK(errors[1].message.find("'nl-inet'") != std::string::npos);
  CHECK(errors[1].message.find("at most 8 characters") != std::string::npos);
  CHECK(t.name == before.name);  // unchanged on error
  CHECK(t.links[0].b.ifname == "nl-app");

  auto bad = apply_prefix(t, "Bad_");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].message.find("prefix 'Bad_' may contain only a-z, 0-9 and '-'") == 0);
}

TEST_CASE("validate_topology checks a topology built in C++", "[parse][validate]") {
  Topology t;
  t.name = "api";
  t.name_pos = {"api", 1, 1};
  Namespace ns;
  ns.name = "red";
  InterfaceConfig ic;
  ic.name = "eth0";
  ic.mtu = Located<int>{20, {}};
  ns.interfaces.push_back(ic);
  t.namespaces.push_back(ns);
  Link l;
  l.a = {"red", "eth0", {}};
  l.b = {"host", "h-red", {}};
  t.links.push_back(l);
  auto errors = validate_topology(t);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "namespace 'red', interface 'eth0': mtu 20 is out of range 68-65535");
}
