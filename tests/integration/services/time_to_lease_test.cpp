// Time to lease, measured under variants (hidden: run with [timing]).
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"
#include "support/system.hpp"

using namespace netlab;
namespace t = netlab::testing;
using std::chrono::milliseconds;

namespace {

struct Variant {
  const char* name;
  bool ping = false;               // drop --no-ping
  bool default_intervals = false;  // dhclient's defaults (initial-interval 10s)
  int client_first_ms = -1;        // start the client first, server this much later
};

long long measure(const Variant& v) {
  std::string sns = t::unique_name("s"), cns = t::unique_name("c");
  std::string sif = t::unique_name("v"), cif = t::unique_name("w");
  std::string dir = "/run/netlab-test-" + t::unique_name();
  auto procs = make_real_processes();
  std::vector<std::pair<std::string, std::vector<std::string>>> daemons;  // pid file, argv
  std::vector<std::string> ns_of;
  t::Cleanup guard([&] {
    for (size_t i = 0; i < daemons.size(); ++i)
      (void)stop_daemon(*procs, daemons[i].first, ns_of[i], daemons[i].second);
    t::remove_namespace(sns);
    t::remove_namespace(cns);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  });
  t::run({"ip", "netns", "add", sns});
  t::run({"ip", "netns", "add", cns});
  t::run(
      {"ip", "link", "add", sif, "netns", sns, "type", "veth", "peer", "name", cif, "netns", cns});
  t::run({"ip", "-n", sns, "addr", "add", "10.20.30.2/24", "dev", sif});
  t::run({"ip", "-n", sns, "link", "set", sif, "up"});
  t::run({"ip", "-n", cns, "link", "set", cif, "up"});

  DhcpServer s;
  s.namespace_name = sns;
  s.interface = sif;
  s.range_start = *IpAddress::parse("10.20.30.10");
  s.range_end = *IpAddress::parse("10.20.30.100");
  auto server = make_dnsmasq(s, dir, IpPrefix::parse("10.20.30.2/24"));
  auto client = make_dhclient(dir, cns, cif);
  REQUIRE(server.ok());
  REQUIRE(client.ok());
  if (v.ping) server->argv.erase(std::find(server->argv.begin(), server->argv.end(), "--no-ping"));
  if (v.default_intervals) client->conf_text = "request subnet-mask, routers;\n";

  auto start_server = [&] {
    auto pid = start_dnsmasq(*procs, *server);
    REQUIRE(pid.ok());
    daemons.emplace_back(server->paths.pid, server->argv);
    ns_of.push_back(sns);
  };
  if (v.client_first_ms < 0) start_server();
  auto t0 = std::chrono::steady_clock::now();
  auto cpid = start_dhclient(*procs, *client);
  REQUIRE(cpid.ok());
  daemons.emplace_back(client->pid_file, client->argv);
  ns_of.push_back(cns);
  if (v.client_first_ms >= 0) {
    std::this_thread::sleep_for(milliseconds(v.client_first_ms));
    start_server();
  }
  auto lease = wait_for_lease(*procs, *client, *cpid, milliseconds(40000));
  REQUIRE(lease.ok());
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("time to lease under variants", "[.][timing][integration]") {
  for (const Variant& v :
       {Variant{"netlab defaults (--no-ping, initial-interval 1)"},
        Variant{"with dnsmasq's ping check", true},
        Variant{"client 300 ms before server", false, false, 300},
        Variant{"client 300 ms before server, dhclient default intervals", false, true, 300}}) {
    std::vector<long long> ms;
    for (int i = 0; i < 3; ++i) ms.push_back(measure(v));
    std::cout << "[timing] " << v.name << ":";
    for (auto m : ms) std::cout << " " << m;
    std::cout << " ms\n";
  }
}
