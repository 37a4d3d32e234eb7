// Real-kernel tests of addresses, routes and sysctls, checked through
// observe() and independently through `ip -j` and /proc inside the namespace.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>

#include "netlab/kernel.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

using testing::Cleanup;
using testing::unique_name;

IpPrefix pfx(const char* s) { return *IpPrefix::parse(s); }
IpAddress ip(const char* s) { return *IpAddress::parse(s); }

bool has(const std::vector<IpPrefix>& v, const IpPrefix& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

TEST_CASE("add_address and delete_address, v4 and v6", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  REQUIRE(k->create_veth({"e0", ns, "e1", ns, ""}).ok());
  LinkChange up;
  up.up = true;
  REQUIRE(k->change_link(ns, "e0", up).ok());
  REQUIRE(k->change_link(ns, "e1", up).ok());
  REQUIRE(k->change_link(ns, "lo", up).ok());

  REQUIRE(k->add_address(ns, "e0", pfx("10.0.0.1/24")).ok());
  REQUIRE(k->add_address(ns, "e0", pfx("fd00::1/64")).ok());
  auto ips = testing::ip_addresses(ns, "e0");
  CHECK(std::find(ips.begin(), ips.end(), "10.0.0.1/24") != ips.end());
  CHECK(std::find(ips.begin(), ips.end(), "fd00::1/64") != ips.end());

  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  const auto& e0 = st->namespaces.at(ns).links.at("e0");
  CHECK(has(e0.addresses, pfx("10.0.0.1/24")));
  CHECK(has(e0.addresses, pfx("fd00::1/64")));
  for (const auto& a : e0.addresses) CHECK_FALSE(a.str().rfind("fe80", 0) == 0);
  const auto& lo = st->namespaces.at(ns).links.at("lo");
  CHECK(lo.up);
  CHECK(has(lo.addresses, pfx("127.0.0.1/8")));

  auto dup = k->add_address(ns, "e0", pfx("10.0.0.1/24"));
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().sys_errno == EEXIST);
  CHECK(dup.error().message ==
        "add address 10.0.0.1/24 to e0 (netns " + ns + "): File exists (EEXIST)");

  auto nodev = k->add_address(ns, "nope", pfx("10.0.0.1/24"));
  REQUIRE_FALSE(nodev.ok());
  CHECK(nodev.error().sys_errno == ENODEV);

  REQUIRE(k->delete_address(ns, "e0", pfx("10.0.0.1/24")).ok());
  REQUIRE(k->delete_address(ns, "e0", pfx("fd00::1/64")).ok());
  ips = testing::ip_addresses(ns, "e0");
  CHECK(std::find(ips.begin(), ips.end(), "10.0.0.1/24") == ips.end());
  CHECK(std::find(ips.begin(), ips.end(), "fd00::1/64") == ips.end());
  auto gone = k->delete_address(ns, "e0", pfx("10.0.0.1/24"));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().sys_errno == EADDRNOTAVAIL);
}

TEST_CASE("add_route and delete_route in the main table", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  REQUIRE(k->create_veth({"e0", ns, "e1", ns, ""}).ok());
  LinkChange up;
  up.up = true;
  REQUIRE(k->change_link(ns, "e0", up).ok());
  REQUIRE(k->change_link(ns, "e1", up).ok());
  REQUIRE(k->add_address(ns, "e0", pfx("10.0.0.1/24")).ok());
  REQUIRE(k->add_address(ns, "e0", pfx("fd00::1/64")).ok());

  RouteRequest def{4, std::nullopt, ip("10.0.0.254"), ""};
  RouteRequest net{4, pfx("10.5.0.0/16"), std::nullopt, "e0"};
  RouteRequest v6{6, pfx("fd01::/64"), ip("fd00::fe"), "e0"};
  REQUIRE(k->add_route(ns, def).ok());
  REQUIRE(k->add_route(ns, net).ok());
  REQUIRE(k->add_route(ns, v6).ok());

  auto j4 = testing::run_json({"ip", "-n", ns, "-j", "route", "show"});
  bool saw_def = false, saw_net = false;
  for (const auto& r : j4) {
    if (r["dst"] == "default") {
      saw_def = r.value("gateway", "") == "10.0.0.254" && r.value("protocol", "") == "static";
    }
    if (r["dst"] == "10.5.0.0/16")
      saw_net = r.value("dev", "") == "e0" && r.value("scope", "") == "link";
  }
  CHECK(saw_def);
  CHECK(saw_net);
  auto j6 = testing::run_json({"ip", "-n", ns, "-j", "-6", "route", "show", "fd01::/64"});
  REQUIRE(j6.size() == 1);
  CHECK(j6[0].value("gateway", "") == "fd00::fe");

  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  const auto& routes = st->namespaces.at(ns).routes;
  auto find_route = [&](int fam, std::optional<IpPrefix> dst) -> const RouteState* {
    for (const auto& r : routes)
      if (r.family == fam && r.dst == dst) return &r;
    return nullptr;
  };
  const RouteState* rd = find_route(4, std::nullopt);
  REQUIRE(rd);
  CHECK(rd->gateway == ip("10.0.0.254"));
  CHECK(rd->dev == "e0");
  CHECK(rd->protocol == 4);
  const RouteState* rn = find_route(4, pfx("10.5.0.0/16"));
  REQUIRE(rn);
  CHECK(rn->dev == "e0");
  CHECK(rn->scope == 253);
  CHECK_FALSE(rn->gateway);
  const RouteState* r6 = find_route(6, pfx("fd01::/64"));
  REQUIRE(r6);
  CHECK(r6->gateway == ip("fd00::fe"));
  // The kernel's own prefix route is reported too, with its protocol.
  const RouteState* rk = find_route(4, pfx("10.0.0.0/24"));
  REQUIRE(rk);
  CHECK(rk->protocol == 2);

  auto dup = k->add_route(ns, def);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().sys_errno == EEXIST);
  CHECK(dup.error().message ==
        "add route default via 10.0.0.254 (netns " + ns + "): File exists (EEXIST)");

  REQUIRE(k->delete_route(ns, def).ok());
  REQUIRE(k->delete_route(ns, net).ok());
  REQUIRE(k->delete_route(ns, v6).ok());
  CHECK(testing::run_json({"ip", "-n", ns, "-j", "route", "show", "default"}).empty());
  CHECK(testing::run_json({"ip", "-n", ns, "-j", "route", "show", "10.5.0.0/16"}).empty());
  auto gone = k->delete_route(ns, def);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().sys_errno == ESRCH);

  auto nodev = k->add_route(ns, RouteRequest{4, pfx("10.6.0.0/16"), std::nullopt, "nope"});
  REQUIRE_FALSE(nodev.ok());
  CHECK(nodev.error().sys_errno == ENODEV);
}

TEST_CASE("sysctls are read and written inside the namespace", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  auto root_before = k->read_sysctl("", "net.ipv4.ip_forward");
  REQUIRE(root_before.ok());

  REQUIRE(k->write_sysctl(ns, "net.ipv4.ip_forward", "1").ok());
  auto v = k->read_sysctl(ns, "net.ipv4.ip_forward");
  REQUIRE(v.ok());
  CHECK(*v == "1");
  auto indep = testing::run({"ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"});
  CHECK(indep.text == "1\n");
  // The root namespace is untouched.
  CHECK(*k->read_sysctl("", "net.ipv4.ip_forward") == *root_before);

  auto st = k->observe({ns}, {"net.ipv4.ip_forward", "net.ipv4.no_such_key"});
  REQUIRE(st.ok());
  CHECK(st->namespaces.at(ns).sysctls.at("net.ipv4.ip_forward") == "1");
  CHECK(st->namespaces.at(ns).sysctls.count("net.ipv4.no_such_key") == 0);
  CHECK(st->root.sysctls.at("net.ipv4.ip_forward") == *root_before);

  auto missing = k->read_sysctl(ns, "net.ipv4.no_such_key");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().sys_errno == ENOENT);
  // Says which namespace lacks the key (a host key may exist only in the
  // initial namespace, and netlab's root need not be that one).
  CHECK(missing.error().message.find("namespace " + ns + " has no net.ipv4.no_such_key") !=
        std::string::npos);
  auto missing_root = k->read_sysctl("", "net.ipv4.no_such_key");
  REQUIRE_FALSE(missing_root.ok());
  CHECK(missing_root.error().message.find("remove it from host.sysctls") != std::string::npos);
  auto bad = k->write_sysctl(ns, "net/../../etc/passwd", "x");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().sys_errno == EINVAL);
}

}  // namespace
}  // namespace netlab
