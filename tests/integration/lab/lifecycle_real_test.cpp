// The lab lifecycle on the real kernel (root): up, idempotence, drift made by
// hand with `ip` and repaired, down, second down. Every state is checked
// independently of netlab through `ip -j`.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "support/require_ok.hpp"
#include <filesystem>
#include <fstream>

#include "netlab/lab.hpp"
#include "support/system.hpp"

using namespace netlab;
namespace fs = std::filesystem;
using testing::Cleanup;
using testing::unique_name;

namespace {

bool has_flag(const nlohmann::json& link, const std::string& flag) {
  auto flags = link.value("flags", nlohmann::json::array());
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

bool has_address(const std::string& ns, const std::string& ifname, const std::string& a) {
  auto v = testing::ip_addresses(ns, ifname);
  return std::find(v.begin(), v.end(), a) != v.end();
}

// Routes of `ns` as "DST via GW" strings (`ip -j route`).
std::vector<std::string> routes(const std::string& ns) {
  std::vector<std::string> out;
  for (const auto& r : testing::run_json({"ip", "-n", ns, "-j", "route", "show"})) {
    std::string s = r.value("dst", "");
    if (r.contains("gateway")) s += " via " + r.value("gateway", "");
    out.push_back(s);
  }
  return out;
}

bool has_route(const std::string& ns, const std::string& route) {
  auto v = routes(ns);
  return std::find(v.begin(), v.end(), route) != v.end();
}

}  // namespace

// : the repair step fails on the real kernel, for two bugs this
// test found:
// 1. the planner adds the wanted address before deleting the drifted one of
//    the same subnet; deleting the (primary) drifted address flushes the new
//    (secondary) one (promote_secondaries is 0 in a new namespace), and the
//    default route via that subnet then fails with ENETUNREACH;
// 2. after `ip netns del n3` the n2 end of the n2 <-> n3 pair survives (the
//    Lab's cached namespace fd keeps the deleted namespace alive) with an
//    unknown peer, and the planner leaves a veth whose peer is unknown alone:
//    it recreates n3 but not the pair, and adding n3's address fails (ENODEV).
// Drop the tag once both are fixed.
TEST_CASE("lab lifecycle on the real kernel: up then drift then repair then down",
          "[integration][lab]") {
  REQUIRE(geteuid() == 0);
  // Names: namespaces and root-namespace interfaces unique to this process.
  const std::string lab_name = unique_name("lab");
  const std::string n1 = unique_name("n1"), n2 = unique_name("n2"), n3 = unique_name("n3");
  const std::string br = unique_name("br"), v1 = unique_name("v1"), v2 = unique_name("v2");
  const fs::path dir = fs::temp_directory_path() / ("netlab-lifecycle-" + lab_name);
  Cleanup guard([&] {
    for (const auto& ns : {n1, n2, n3}) testing::remove_namespace(ns);
    for (const auto& l : {v1, v2, br})
      if (!testing::ip_link("", l).is_null()) testing::remove_link("", l);
    std::error_code ec;
    fs::remove_all(dir, ec);
  });
  fs::create_directories(dir);

  // A private /16 per process so that parallel runs do not share subnets.
  const std::string net = "10." + std::to_string(100 + getpid() % 100) + ".";
  const std::string a1 = net + "1.1/24", a2 = net + "1.2/24", gw = net + "1.254";
  const std::string p2 = net + "2.1/30", p3 = net + "2.2/30";
  const std::string topo = dir / "topology.yaml";
  std::ofstream(topo) << "name: " << lab_name << "\n"
                      << "namespaces:\n"
                      << "  " << n1 << ":\n"
                      << "    interfaces:\n"
                      << "      eth0: {addresses: [" << a1 << "]}\n"
                      << "    routes:\n"
                      << "      - {to: default, via: " << gw << "}\n"
                      << "  " << n2 << ":\n"
                      << "    interfaces:\n"
                      << "      eth0: {addresses: [" << a2 << "]}\n"
                      << "      eth1: {addresses: [" << p2 << "]}\n"
                      << "    sysctls: {net.ipv4.ip_forward: 1}\n"
                      << "  " << n3 << ":\n"
                      << "    interfaces:\n"
                      << "      eth0: {addresses: [" << p3 << "]}\n"
                      << "    routes:\n"
                      << "      - {to: " << net << "1.0/24, via: " << net << "2.1}\n"
                      << "bridges:\n"
                      << "  " << br << ":\n"
                      << "    kind: linux\n"
                      << "    addresses: [" << gw << "/24]\n"
                      << "links:\n"
                      << "  - [" << n1 << ":eth0, " << br << ":" << v1 << "]\n"
                      << "  - [" << n2 << ":eth0, " << br << ":" << v2 << "]\n"
                      << "  - [" << n2 << ":eth1, " << n3 << ":eth0]\n";

  LabOptions options;
  options.state_root = dir / "state";
  auto loaded = Lab::load(topo, options);
  REQUIRE_OK(loaded);
  Lab lab = std::move(*loaded);
  const std::string mark = "netlab:" + lab_name;

  // The whole lab as `ip -j` sees it.
  auto check_built = [&] {
    for (const auto& ns : {n1, n2, n3}) {
      INFO("namespace " << ns);
      REQUIRE(testing::namespace_exists(ns));
      auto lo = testing::ip_link(ns, "lo");
      REQUIRE_FALSE(lo.is_null());
      CHECK(has_flag(lo, "UP"));
    }
    struct Want {
      std::string ns, name, kind, master;
    };
    for (const Want& w :
         {Want{n1, "eth0", "veth", ""}, Want{n2, "eth0", "veth", ""}, Want{n2, "eth1", "veth", ""},
          Want{n3, "eth0", "veth", ""}, Want{"", br, "bridge", ""}, Want{"", v1, "veth", br},
          Want{"", v2, "veth", br}}) {
      INFO("link " << w.name << " in '" << w.ns << "'");
      auto l = testing::ip_link(w.ns, w.name);
      REQUIRE_FALSE(l.is_null());
      CHECK(has_flag(l, "UP"));
      CHECK(l["linkinfo"]["info_kind"] == w.kind);
      CHECK(l.value("ifalias", "") == mark);
      CHECK(l.value("master", "") == w.master);
    }
    CHECK(has_address(n1, "eth0", a1));
    CHECK(has_address(n2, "eth0", a2));
    CHECK(has_address(n2, "eth1", p2));
    CHECK(has_address(n3, "eth0", p3));
    CHECK(has_address("", br, gw + "/24"));
    INFO("routes of " << n1 << ": " << nlohmann::json(routes(n1)).dump());
    CHECK(has_route(n1, "default via " + gw));
    INFO("routes of " << n3 << ": " << nlohmann::json(routes(n3)).dump());
    CHECK(has_route(n3, net + "1.0/24 via " + net + "2.1"));
    auto fwd = testing::run({"ip", "netns", "exec", n2, "sysctl", "-n", "net.ipv4.ip_forward"});
    CHECK(fwd.text == "1\n");
  };

  // up builds everything.
  auto up = lab.up();
  REQUIRE_OK(up);
  CHECK_FALSE(up->plan.empty());
  check_built();

  // A second up has nothing to do.
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  INFO(format_plan(*plan));
  CHECK(plan->empty());
  auto again = lab.up();
  REQUIRE_OK(again);
  CHECK(again->plan.empty());

  // Drift by hand: a veth deleted, an address changed, a link set down, a
  // namespace deleted (taking the n2 <-> n3 pair with it).
  CHECK(testing::run({"ip", "link", "del", v2}).exit_code == 0);
  CHECK(testing::run({"ip", "-n", n1, "addr", "del", a1, "dev", "eth0"}).exit_code == 0);
  CHECK(testing::run({"ip", "-n", n1, "addr", "add", net + "1.9/24", "dev", "eth0"}).exit_code ==
        0);
  CHECK(testing::run({"ip", "link", "set", br, "down"}).exit_code == 0);
  CHECK(testing::run({"ip", "netns", "del", n3}).exit_code == 0);
  // The n2 end of the n2 <-> n3 pair may linger: n3 is destroyed only when
  // its last user (this process's cached netlink socket into it) lets go,
  // and then asynchronously. The plan must repair either way.

  auto drifted = lab.plan();
  REQUIRE_OK(drifted);
  INFO(format_plan(*drifted));
  CHECK_FALSE(drifted->empty());
  auto repaired = lab.up();
  REQUIRE_OK(repaired);
  CHECK_FALSE(repaired->plan.empty());
  auto after = lab.plan();
  REQUIRE_OK(after);
  INFO(format_plan(*after));
  CHECK(after->empty());
  check_built();
  CHECK_FALSE(has_address(n1, "eth0", net + "1.9/24"));

  // down removes everything; a second down is a no-op.
  auto down = lab.down();
  REQUIRE_OK(down);
  CHECK_FALSE(down->plan.empty());
  auto netns = testing::run({"ip", "netns", "list"}).text;
  for (const auto& ns : {n1, n2, n3}) {
    INFO("namespace " << ns);
    CHECK_FALSE(testing::namespace_exists(ns));
    CHECK(netns.find(ns) == std::string::npos);
  }
  for (const auto& l : {br, v1, v2}) {
    INFO("link " << l);
    CHECK(testing::ip_link("", l).is_null());
  }
  for (const auto& l : testing::ip_links("")) CHECK(l.value("ifalias", "") != mark);
  auto down2 = lab.down();
  REQUIRE_OK(down2);
  CHECK(down2->plan.empty());
}
