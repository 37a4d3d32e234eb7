// Which addresses of a topology are not usable yet (IPv6 DAD), from a
// hand-made observation: the pure part of `up`'s readiness wait.
#include "lab/address_readiness.hpp"

#include <catch2/catch.hpp>

using namespace netlab;

namespace {

IpPrefix prefix(const std::string& text) {
  auto p = IpPrefix::parse(text);
  REQUIRE(p.has_value());
  return *p;
}

DesiredLink want(const std::string& ns, const std::string& name, std::vector<IpPrefix> addrs) {
  DesiredLink l;
  l.ns = ns;
  l.name = name;
  l.addresses = std::move(addrs);
  l.pos = SourcePos{"topo.yaml", 7, 9};
  return l;
}

LinkState have(const std::string& name, std::vector<IpPrefix> addrs) {
  LinkState l;
  l.name = name;
  l.addresses = std::move(addrs);
  return l;
}

}  // namespace

TEST_CASE("unsettled addresses: tentative and DAD-failed addresses of the topology") {
  const IpPrefix a1 = prefix("fd00::1/64"), a2 = prefix("fd00::2/64"), a3 = prefix("10.0.0.1/24");
  const IpPrefix foreign = prefix("fd00::99/64");
  DesiredState desired;
  desired.links = {want("red", "eth0", {a1, a3}), want("blue", "eth0", {a2}), want("", "br0", {a1}),
                   want("gone", "eth0", {a1})};
  LiveState live;
  LinkState red = have("eth0", {a1, a3, foreign});
  red.tentative = {a1, foreign};  // foreign: not netlab's address, not waited for
  live.kernel.namespaces["red"].links["eth0"] = red;
  LinkState blue = have("eth0", {a2});
  live.kernel.namespaces["blue"].links["eth0"] = blue;
  live.kernel.root.links["br0"] = have("br0", {a1});

  SECTION("settled when nothing is tentative") {
    live.kernel.namespaces["red"].links["eth0"].tentative.clear();
    CHECK(unsettled_addresses(desired, live).empty());
  }
  SECTION("a tentative address of the topology is unsettled; others are not") {
    auto u = unsettled_addresses(desired, live);
    REQUIRE(u.size() == 1);
    CHECK(u[0].ns == "red");
    CHECK(u[0].link == "eth0");
    CHECK(u[0].address == a1);
    CHECK_FALSE(u[0].failed);
    CHECK(namespaces_of(u) == std::vector<std::string>{"red"});
  }
  SECTION("a DAD failure is reported as failed, with the interface's position") {
    live.kernel.root.links["br0"].dad_failed = {a1};
    auto u = unsettled_addresses(desired, live);
    REQUIRE(u.size() == 2);
    auto failed = std::find_if(u.begin(), u.end(), [](const auto& x) { return x.failed; });
    REQUIRE(failed != u.end());
    CHECK(failed->ns.empty());
    CHECK(failed->link == "br0");
    Error e = dad_failed_error(*failed);
    CHECK(e.str() ==
          "topo.yaml:7:9: address fd00::1/64 on host:br0: IPv6 duplicate address detection "
          "failed, another host on that link already uses it; give the interface another "
          "address");
    CHECK(namespaces_of(u) == std::vector<std::string>{"", "red"});
  }
  SECTION("the timeout error lists every address still waiting") {
    live.kernel.namespaces["blue"].links["eth0"].tentative = {a2};
    auto u = unsettled_addresses(desired, live);
    REQUIRE(u.size() == 2);
    Error e = dad_timeout_error(u, 30.2);
    CHECK(e.kind == ErrorKind::Timeout);
    CHECK(e.message.find("within 30 s for fd00::1/64 on red:eth0, fd00::2/64 on blue:eth0") !=
          std::string::npos);
  }
}
