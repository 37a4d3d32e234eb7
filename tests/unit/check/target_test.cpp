// Target resolution: NS:IF (static, DHCP, host), literal addresses.
#include "check/target.hpp"

#include <catch2/catch.hpp>

#include "check/observed.hpp"
#include "check_fixture.hpp"
#include "fakes/fake_kernel.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

struct World {
  Topology topo = demo_topology();
  FakeKernel kernel;
  World() {
    for (const auto& ns : topo.namespaces) kernel.seed_namespace(ns.name);
  }
  void give(const std::string& ns, const std::string& ifname, std::vector<const char*> addrs,
            const std::string& mac = "") {
    FakeLink l;
    l.name = ifname;
    l.up = true;
    l.mac = mac;
    for (const char* a : addrs) l.addresses.push_back(prefix(a));
    kernel.seed_link(ns, l);
  }
  Result<check::ResolvedTarget> resolve(const Target& t) {
    DesiredState desired = desired_network(topo);
    auto observed = check::observe_lab(desired, {ping("red", t)}, kernel);
    return check::resolve_target({topo, desired}, t, observed);
  }
};

}  // namespace

TEST_CASE("a static interface resolves to its first IPv4 address from the topology") {
  World w;
  auto r = w.resolve(endpoint_target("dhcp-r", "tap-r"));
  REQUIRE(r.ok());
  CHECK(r->address == addr("10.20.30.2"));
  CHECK(r->holders == std::vector<std::string>{"dhcp-r"});
  CHECK(r->label == "dhcp-r:tap-r (10.20.30.2)");
  // fd00::1 comes first in the file, but IPv4 is preferred.
  auto d = w.resolve(endpoint_target("dual", "eth0"));
  REQUIRE(d.ok());
  CHECK(d->address == addr("192.168.7.1"));
}

TEST_CASE("a static target needs no live interface") {
  World w;  // nothing seeded: the topology alone answers
  CHECK(w.resolve(endpoint_target("dhcp-b", "tap-b")).ok());
}

TEST_CASE("a dhcp interface resolves to the address it holds now") {
  World w;
  w.give("blue", "eth0-b", {"fe80::1/64", "10.20.30.57/24"});
  auto r = w.resolve(endpoint_target("blue", "eth0-b"));
  REQUIRE(r.ok());
  CHECK(r->address == addr("10.20.30.57"));
  CHECK(r->holders == std::vector<std::string>{"blue"});
  CHECK(r->label == "blue:eth0-b (10.20.30.57)");
}

TEST_CASE("a dhcp interface without a lease is unresolvable, saying why") {
  World w;
  w.give("blue", "eth0-b", {});
  auto r = w.resolve(endpoint_target("blue", "eth0-b"));
  REQUIRE(!r.ok());
  CHECK(r.error().message == "blue:eth0-b holds no address (no DHCP lease?)");
}

TEST_CASE("a missing interface or namespace is unresolvable") {
  World w;
  auto r = w.resolve(endpoint_target("red", "eth0-r"));
  REQUIRE(!r.ok());
  CHECK(r.error().message == "red:eth0-r does not exist in netns red (is the lab up?)");
}

TEST_CASE("a failed observation is named in the reason") {
  World w;
  w.kernel.fail_next("observe", EPERM);
  auto r = w.resolve(endpoint_target("red", "eth0-r"));
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("observing the lab failed") != std::string::npos);
  CHECK(r.error().message.find("EPERM") != std::string::npos);
}

TEST_CASE("a literal address is taken as is, with the namespaces that hold it") {
  World w;
  auto r = w.resolve(address_target("10.20.30.2"));
  REQUIRE(r.ok());
  CHECK(r->address == addr("10.20.30.2"));
  CHECK(r->label == "10.20.30.2");
  // Both DHCP namespaces hold it (demo 03 does this on purpose).
  CHECK(r->holders == std::vector<std::string>{"dhcp-r", "dhcp-b"});

  auto outside = w.resolve(address_target("198.51.100.7"));
  REQUIRE(outside.ok());
  CHECK(outside->holders.empty());

  w.give("red", "eth0-r", {"10.20.30.11/24"});
  auto live = w.resolve(address_target("10.20.30.11"));
  REQUIRE(live.ok());
  CHECK(live->holders == std::vector<std::string>{"red"});
}

TEST_CASE("host:IF is the root namespace") {
  World w;
  auto r = w.resolve(endpoint_target("host", "up0"));
  REQUIRE(r.ok());
  CHECK(r->address == addr("172.31.0.1"));
  CHECK(r->holders == std::vector<std::string>{""});
  CHECK(check::netns_of("host").empty());
  CHECK(check::netns_of("red") == "red");
}

TEST_CASE("checks read the root links they name and no other root link") {
  World w;
  w.give("", "hand1", {});                   // named by the assertion, no address
  w.give("", "hand2", {"198.51.100.9/24"});  // not named, holds an address
  w.give("", "other3", {});                  // neither: another lab's, say
  w.give("", "p0", {});                      // the lab's port of br0
  // Named but without an address: found, so the error says what it lacks.
  auto r = w.resolve(endpoint_target("host", "hand1"));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("has no address"));
  // A literal address held in the root is found on its holder.
  auto held = w.resolve(address_target("198.51.100.9"));
  REQUIRE(held.ok());
  CHECK(held->holders == std::vector<std::string>{""});
  DesiredState desired = desired_network(w.topo);
  auto observed =
      check::observe_lab(desired, {ping("red", endpoint_target("host", "hand1"))}, w.kernel);
  REQUIRE(observed.state);
  CHECK(observed.find_link("", "hand1") != nullptr);
  CHECK(observed.find_link("", "hand2") != nullptr);
  CHECK(observed.find_link("", "other3") == nullptr);
  // The topology's own root links are read too.
  CHECK(observed.find_link("", "p0") != nullptr);
}
