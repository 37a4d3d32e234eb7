// The lease assertion: the client's live address and MAC in the server's
// dnsmasq lease file (under the lab's state directory).
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "check_fixture.hpp"
#include "fakes/fake_kernel.hpp"
#include "fakes/fake_processes.hpp"
#include "netlab/check.hpp"
#include "netlab/dhcp.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

struct World {
  Topology topo = demo_topology();
  FakeKernel kernel;
  FakeProcesses procs;
  std::string dir;
  World() {
    char tmpl[] = "/tmp/netlab-check-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~World() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void client(const std::string& ns, const std::string& ifname, std::vector<const char*> addrs,
              const std::string& mac) {
    FakeLink l;
    l.name = ifname;
    l.up = true;
    l.mac = mac;
    for (const char* a : addrs) l.addresses.push_back(prefix(a));
    kernel.seed_link(ns, l);
  }
  void leases(const std::string& ns, const std::string& ifname, const std::string& text) {
    std::filesystem::create_directories(daemon_dir(dir, ns));  // as start_dnsmasq makes it
    std::ofstream(dnsmasq_paths(dir, ns, ifname).lease) << text;
  }
  CheckResult run(const TestCase& tc) {
    topo.tests = {tc};
    CheckContext ctx{topo, kernel, procs, dir};
    auto results = run_checks(ctx, 1);
    REQUIRE(results.size() == 1);
    return results[0];
  }
};

}  // namespace

TEST_CASE("lease: the client's address and MAC in that server's lease file pass") {
  World w;
  w.client("red", "eth0-r", {"10.20.30.57/24"}, "02:00:00:00:00:0a");
  w.leases("dhcp-r", "tap-r",
           "1700003600 02:00:00:00:00:99 10.20.30.12 other *\n"
           "1700003600 02:00:00:00:00:0a 10.20.30.57 red 01:02:00:00:00:00:0a\n");
  auto r = w.run(lease("red", "eth0-r", "dhcp-r"));
  CHECK(r.passed);
  CHECK(r.name == "lease red:eth0-r from dhcp-r");
  CHECK(r.detail == "10.20.30.57 (02:00:00:00:00:0a) leased by dhcp-r");
  CHECK(r.pos.line == 20);
}

TEST_CASE("lease: a lease in the other server's file only fails") {
  World w;
  w.client("red", "eth0-r", {"10.20.30.57/24"}, "02:00:00:00:00:0a");
  w.leases("dhcp-b", "tap-b", "1700003600 02:00:00:00:00:0a 10.20.30.57 red *\n");
  auto r = w.run(lease("red", "eth0-r", "dhcp-r"));
  CHECK(!r.passed);
  CHECK(r.expected == "a lease for 10.20.30.57 (02:00:00:00:00:0a) in dhcp-r's lease file");
  CHECK(r.actual == dnsmasq_paths(w.dir, "dhcp-r", "tap-r").lease + " holds no lease");
}

TEST_CASE("lease: the failure says what the lease file holds") {
  World w;
  w.client("red", "eth0-r", {"10.20.30.57/24"}, "02:00:00:00:00:0a");
  SECTION("another MAC with this address") {
    w.leases("dhcp-r", "tap-r", "1700003600 02:00:00:00:00:0b 10.20.30.57 x *\n");
    auto r = w.run(lease("red", "eth0-r", "dhcp-r"));
    CHECK(!r.passed);
    CHECK(r.actual == dnsmasq_paths(w.dir, "dhcp-r", "tap-r").lease +
                          " holds 10.20.30.57 for 02:00:00:00:00:0b");
  }
  SECTION("this MAC with another address (an old lease)") {
    w.leases("dhcp-r", "tap-r",
             "1700003600 02:00:00:00:00:0a 10.20.30.11 red *\n"
             "0 02:00:00:00:00:0c 10.20.30.12 * *\n");
    auto r = w.run(lease("red", "eth0-r", "dhcp-r"));
    CHECK(!r.passed);
    CHECK(r.actual.find("holds 10.20.30.11 for 02:00:00:00:00:0a, 10.20.30.12 for "
                        "02:00:00:00:00:0c") != std::string::npos);
  }
  SECTION("a malformed file") {
    w.leases("dhcp-r", "tap-r", "garbage\n");
    auto r = w.run(lease("red", "eth0-r", "dhcp-r"));
    CHECK(!r.passed);
    CHECK(r.actual.find("line 1") != std::string::npos);
  }
}

TEST_CASE("lease: a client without an address or interface fails, saying so") {
  World w;
  SECTION("no address") {
    w.client("red", "eth0-r", {"fd00::5/64"}, "02:00:00:00:00:0a");
    auto r = w.run(lease("red", "eth0-r", "dhcp-r"));
    CHECK(!r.passed);
    CHECK(r.actual == "red:eth0-r holds no IPv4 address (no DHCP lease?)");
  }
  SECTION("no interface") {
    auto r = w.run(lease("red", "eth0-r", "dhcp-r"));
    CHECK(!r.passed);
    CHECK(r.actual == "red:eth0-r does not exist in netns red (is the lab up?)");
  }
  SECTION("no such server") {
    auto r = w.run(lease("red", "eth0-r", "nowhere"));
    CHECK(!r.passed);
    CHECK(r.actual == "no dhcp: server runs in namespace nowhere");
  }
}
