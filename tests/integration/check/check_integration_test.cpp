// `netlab test` assertions against real namespaces (root): two namespaces
// joined by a veth, made with `ip` here, and a topology describing them.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "netlab/check.hpp"
#include "netlab/kernel.hpp"
#include "netlab/processes.hpp"
#include "support/system.hpp"
#include "support/topology_parts.hpp"
#include "support/veth_pair.hpp"

using namespace netlab;
namespace t = netlab::testing;

namespace {

using t::link_between;
using t::must;
using t::namespace_with;

IpPrefix prefix(const char* s) { return *IpPrefix::parse(s); }

Target endpoint(const std::string& ns, const std::string& ifname) {
  Target x;
  x.endpoint = Endpoint{ns, ifname, {}};
  return x;
}

Target literal(const char* a) {
  Target x;
  x.address = *IpAddress::parse(a);
  return x;
}

/// Namespaces a and b, a:ifa 10.77.1.1/24 <-> b:ifb 10.77.1.2/24, a temp
/// directory; all of it removed when the test ends, however it ends.
struct Pair : t::VethPair {
  Pair() : VethPair("10.77.1", "c") {}

  Topology topology() const {
    Topology topo;
    topo.name = "chk";
    InterfaceConfig ia;
    ia.name = ifa;
    ia.addresses.push_back({prefix("10.77.1.1/24"), {}});
    InterfaceConfig ib;
    ib.name = ifb;
    ib.addresses.push_back({prefix("10.77.1.2/24"), {}});
    topo.namespaces = {namespace_with(a, {ia}), namespace_with(b, {ib})};
    topo.links.push_back(link_between(a, ifa, b, ifb));  // the veth made by hand
    return topo;
  }

  /// No TCP listener is left in either namespace.
  bool no_listeners() const {
    for (const auto& ns : {a, b}) {
      auto out = t::run({"ip", "netns", "exec", ns, "ss", "-H", "-l", "-t", "-n"});
      if (out.exit_code != 0 || !out.text.empty()) return false;
    }
    return true;
  }
};

TestCase ping(const std::string& from, Target to, Expect e = Expect::Success) {
  PingTest p;
  p.from = from;
  p.to = std::move(to);
  p.expect = e;
  return TestCase{p, {}};
}

TestCase tcp(const std::string& from, Target to, int port, Expect e = Expect::Success) {
  TcpTest c;
  c.from = from;
  c.to = std::move(to);
  c.port = port;
  c.expect = e;
  return TestCase{c, {}};
}

}  // namespace

TEST_CASE("ping and tcp assertions on a real veth pair", "[integration]") {
  REQUIRE(geteuid() == 0);
  std::string a, b;
  {
    Pair pair;
    a = pair.a;
    b = pair.b;
    Topology topo = pair.topology();
    topo.tests = {
        ping(pair.a, endpoint(pair.b, pair.ifb)),                // 0: replies
        ping(pair.b, literal("10.77.1.1")),                      // 1: literal address
        ping(pair.a, literal("10.77.1.99"), Expect::Fail),       // 2: on-link, nobody home
        ping(pair.a, literal("10.99.0.1"), Expect::Fail),        // 3: no route at all
        tcp(pair.a, endpoint(pair.b, pair.ifb), 18080),          // 4: our listener in b
        tcp(pair.b, literal("10.77.1.1"), 18081),                // 5: listener found live in a
        tcp(pair.a, literal("10.99.0.1"), 18082, Expect::Fail),  // 6: no route
        ping(pair.a, endpoint(pair.b, pair.ifb), Expect::Fail),  // 7: wrongly expects failure
        tcp(pair.a, endpoint(pair.b, pair.ifb), 18083, Expect::Fail),  // 8: likewise
    };
    auto kernel = make_netlink_kernel();
    auto procs = make_real_processes();
    CheckContext ctx{topo, *kernel, *procs, pair.dir};
    auto results = run_checks(ctx, 4);
    INFO(format_results_table(results, false));
    REQUIRE(results.size() == 9);
    for (int i = 0; i <= 6; ++i) {
      INFO("assertion " << i << ": " << results[i].name);
      CHECK(results[i].passed);
    }
    CHECK(results[0].name == "ping " + pair.a + " -> " + pair.b + ":" + pair.ifb + " (10.77.1.2)");
    CHECK(results[0].detail.find("rtt ") == 0);
    CHECK(results[2].detail == "no reply, as expected (10.77.1.99)");
    CHECK(results[3].actual.find("Network is unreachable") != std::string::npos);
    CHECK(results[4].actual.find("accepted by the listener in netns " + pair.b) !=
          std::string::npos);
    CHECK(results[5].actual.find("accepted by the listener in netns " + pair.a) !=
          std::string::npos);
    CHECK(results[6].actual.find("Network is unreachable (ENETUNREACH)") != std::string::npos);
    CHECK(!results[7].passed);
    CHECK(!results[8].passed);
    CHECK(format_results_table(results, false).find("7 passed, 2 failed\n") != std::string::npos);
    // The listeners lived only for their assertions.
    CHECK(pair.no_listeners());
  }
  CHECK(!t::namespace_exists(a));
  CHECK(!t::namespace_exists(b));
}

TEST_CASE("a target address the source holds too is asked with real ARP", "[integration]") {
  // src:s0 and peer:p0 share one veth and one address (a duplicate on one
  // link); far:f0 holds it too, on a separate veth to other:o0. A ping from
  // src would be answered by src itself in both cases; ARP tells them apart.
  REQUIRE(geteuid() == 0);
  std::string src = t::unique_name("s"), peer = t::unique_name("p");
  std::string far = t::unique_name("f"), other = t::unique_name("o");
  std::string s0 = t::unique_name("s"), p0 = t::unique_name("p");
  std::string f0 = t::unique_name("f"), o0 = t::unique_name("o");
  {
    t::Cleanup guard{[&] {
      for (const auto& ns : {src, peer, far, other}) t::remove_namespace(ns);
    }};
    for (const auto& ns : {src, peer, far, other}) must({"ip", "netns", "add", ns});
    must(
        {"ip", "link", "add", s0, "netns", src, "type", "veth", "peer", "name", p0, "netns", peer});
    must({"ip", "link", "add", f0, "netns", far, "type", "veth", "peer", "name", o0, "netns",
          other});
    for (const auto& [ns, ifname, address] :
         {std::tuple{src, s0, "10.77.9.5/24"}, std::tuple{peer, p0, "10.77.9.5/24"},
          std::tuple{far, f0, "10.77.9.5/24"}, std::tuple{other, o0, "10.77.9.6/24"}}) {
      must({"ip", "-n", ns, "addr", "add", address, "dev", ifname});
      must({"ip", "-n", ns, "link", "set", ifname, "up"});
    }
    auto iface = [](const std::string& name) {
      InterfaceConfig i;
      i.name = name;
      i.addresses.push_back({prefix("10.77.9.5/24"), {}});
      return i;
    };
    Topology topo;
    topo.name = "arp";
    topo.namespaces = {namespace_with(src, {iface(s0)}), namespace_with(peer, {iface(p0)}),
                       namespace_with(far, {iface(f0)})};
    topo.tests = {
        ping(src, endpoint(peer, p0)),                // 0: same link: peer answers
        ping(src, endpoint(far, f0), Expect::Fail),   // 1: other link: nobody answers
        ping(src, endpoint(peer, p0), Expect::Fail),  // 2: wrongly expects isolation
        ping(src, endpoint(far, f0)),                 // 3: wrongly expects a reply
    };
    auto kernel = make_netlink_kernel();
    auto procs = make_real_processes();
    CheckContext ctx{topo, *kernel, *procs, "/nonexistent"};
    auto results = run_checks(ctx, 4);
    INFO(format_results_table(results, false));
    REQUIRE(results.size() == 4);
    std::string peer_mac =
        t::run({"ip", "netns", "exec", peer, "cat", "/sys/class/net/" + p0 + "/address"}).text;
    while (!peer_mac.empty() && peer_mac.back() == '\n') peer_mac.pop_back();
    REQUIRE(peer_mac.size() == 17);
    CHECK(results[0].passed);
    CHECK(results[0].actual ==
          "ARP reply from " + peer + ":" + p0 + " (" + peer_mac + ") on " + s0);
    CHECK(results[1].passed);
    CHECK(results[1].actual.find("no ARP reply from " + far + ":" + f0) == 0);
    CHECK(!results[2].passed);
    CHECK(!results[3].passed);
  }
  for (const auto& ns : {src, peer, far, other}) CHECK(!t::namespace_exists(ns));
}

TEST_CASE("an address that is not there yet is a failed result, not a crash", "[integration]") {
  REQUIRE(geteuid() == 0);
  Pair pair;
  Topology topo = pair.topology();
  topo.namespaces[1].interfaces[0].addresses.clear();
  topo.namespaces[1].interfaces[0].dhcp = true;
  must({"ip", "-n", pair.b, "addr", "flush", "dev", pair.ifb});
  topo.tests = {ping(pair.a, endpoint(pair.b, pair.ifb)),
                tcp(pair.a, endpoint(pair.b, pair.ifb), 18090, Expect::Fail)};
  auto kernel = make_netlink_kernel();
  auto procs = make_real_processes();
  auto results = run_checks({topo, *kernel, *procs, pair.dir}, 2);
  REQUIRE(results.size() == 2);
  for (const auto& r : results) {
    CHECK(!r.passed);
    CHECK(r.actual == pair.b + ":" + pair.ifb + " holds no address (no DHCP lease?)");
  }
}

TEST_CASE("netlab test FILE on a topology file, with JUnit and JSON", "[integration][cli]") {
  REQUIRE(geteuid() == 0);
  INFO("the netlab binary must be built: " NETLAB_BINARY);
  REQUIRE(access(NETLAB_BINARY, X_OK) == 0);
  Pair pair;
  std::string file = pair.dir + "/chk.yaml";
  auto write = [&](const std::string& extra_test) {
    std::ofstream(file) << "name: chk\n"
                        << "namespaces:\n"
                        << "  " << pair.a << ":\n"
                        << "    interfaces:\n"
                        << "      " << pair.ifa << ": {addresses: [10.77.1.1/24]}\n"
                        << "  " << pair.b << ":\n"
                        << "    interfaces:\n"
                        << "      " << pair.ifb << ": {addresses: [10.77.1.2/24]}\n"
                        << "links:\n"
                        << "  - [" << pair.a << ":" << pair.ifa << ", " << pair.b << ":" << pair.ifb
                        << "]\n"
                        << "tests:\n"
                        << "  - ping: {from: " << pair.a << ", to: " << pair.b << ":" << pair.ifb
                        << "}\n"
                        << "  - ping: {from: " << pair.a << ", to: 10.99.0.1, expect: fail}\n"
                        << "  - tcp: {from: " << pair.a << ", to: " << pair.b << ":" << pair.ifb
                        << ", port: 18100}\n"
                        << extra_test;
  };
  std::string junit = pair.dir + "/junit.xml";
  std::vector<std::string> argv{NETLAB_BINARY, "test", file, "--state-dir", pair.dir,
                                "--junit",     junit,  "-o", "json"};

  // The pair's namespaces are made by hand, not by `up`: a state directory
  // makes the lab count as up (test refuses a lab that is not).
  std::filesystem::create_directories(pair.dir + "/chk");
  write("");
  auto ok = t::run(argv);
  INFO(ok.text);
  CHECK(ok.exit_code == 0);
  auto j = nlohmann::json::parse(ok.text);
  CHECK(j["lab"] == "chk");
  CHECK(j["passed"] == 3);
  CHECK(j["failed"] == 0);
  CHECK(j["results"][0]["position"] == file + ":12:5");
  if (access("/usr/bin/xmllint", X_OK) == 0) {
    CHECK(t::run({"xmllint", "--noout", junit}).exit_code == 0);
    auto n = t::run({"xmllint", "--xpath", "count(/testsuite/testcase)", junit}).text;
    CHECK(n.substr(0, n.find_last_not_of('\n') + 1) == "3");
  }

  write("  - ping: {from: " + pair.a + ", to: " + pair.b + ":" + pair.ifb + ", expect: fail}\n");
  auto bad = t::run({NETLAB_BINARY, "test", file, "--state-dir", pair.dir});
  INFO(bad.text);
  CHECK(bad.exit_code == 3);
  auto last = bad.text.substr(0, bad.text.size() - 1);
  CHECK(last.substr(last.rfind('\n') + 1) == "3 passed, 1 failed");
  CHECK(pair.no_listeners());
}
