#include <algorithm>
#include <catch2/catch.hpp>

#include "fakes/fake_processes.hpp"
#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"

using namespace netlab;
using netlab::testing::FakeProcesses;

namespace {

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

/// The value following flag `f` in argv, or "".
std::string after(const std::vector<std::string>& v, const std::string& f) {
  auto it = std::find(v.begin(), v.end(), f);
  return it == v.end() || it + 1 == v.end() ? "" : *(it + 1);
}

}  // namespace

TEST_CASE("dhclient argv: own script, config, pid and lease files; foreground; IPv4") {
  auto inst = make_dhclient("/run/netlab/demo", "red", "eth0-r");
  REQUIRE(inst.ok());
  const auto& a = inst->argv;
  CHECK(a.front() == "dhclient");
  CHECK(a.back() == "eth0-r");
  CHECK(has(a, "-4"));
  CHECK(has(a, "-d"));
  CHECK(!has(a, "-nw"));
  CHECK(after(a, "-sf") == "/run/netlab/demo/netns/red/dhclient-eth0-r.sh");
  CHECK(after(a, "-cf") == "/run/netlab/demo/netns/red/dhclient-eth0-r.conf");
  // The pid file is netlab's alone, written whole: dhclient rewrites its own
  // in place (O_TRUNC, then the pid) after every bind, and a reader in that
  // window took the running client for a dead one (faults_kill.sh).
  CHECK(has(a, "--no-pid"));
  CHECK(!has(a, "-pf"));
  CHECK(inst->pid_file == "/run/netlab/demo/netns/red/dhclient-eth0-r.pid");
  CHECK(after(a, "-lf") == "/run/netlab/demo/netns/red/dhclient-eth0-r.leases");
  CHECK(inst->script_path == after(a, "-sf"));
  for (const auto& arg : a) CHECK(arg.find("/etc/") == std::string::npos);
  CHECK(!make_dhclient("/run/netlab/demo", "red", "bad name").ok());
  CHECK(!make_dhclient("/run/netlab/demo", "red", "a\"b").ok());
  CHECK(!make_dhclient("relative", "red", "eth0").ok());
}

// Issue 10, defect 3: dhclient-<ns>-<if> gave namespace a-b with interface c
// and namespace a with interface b-c the same script, conf, pid and lease.
TEST_CASE("dhclient files of two (namespace, interface) pairs never collide") {
  auto ab_c = make_dhclient("/run/netlab/demo", "a-b", "c");
  auto a_bc = make_dhclient("/run/netlab/demo", "a", "b-c");
  REQUIRE(ab_c.ok());
  REQUIRE(a_bc.ok());
  const std::string DhclientInstance::*files[] = {
      &DhclientInstance::script_path, &DhclientInstance::conf_path, &DhclientInstance::pid_file,
      &DhclientInstance::lease_file, &DhclientInstance::log_file};
  for (auto p : files)
    for (auto q : files) CHECK((*ab_c).*p != (*a_bc).*q);
  // Nor with the dnsmasq of the same pair.
  auto server = dnsmasq_paths("/run/netlab/demo", "a-b", "c");
  for (auto p : files)
    for (const auto* q : {&server.conf, &server.pid, &server.lease, &server.log})
      CHECK((*ab_c).*p != *q);
}

TEST_CASE("dhclient script only changes the interface inside the namespace") {
  auto inst = make_dhclient("/run/netlab/demo", "red", "eth0-r");
  REQUIRE(inst.ok());
  const auto& text = inst->script_text;
  CHECK(text.rfind("#!/bin/sh\n", 0) == 0);
  // The code, without comment lines.
  std::string s;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (line.find_first_not_of(' ') != std::string::npos &&
        line[line.find_first_not_of(' ')] != '#')
      s += line + "\n";
    pos = end + 1;
  }
  // No host file, no hooks, no resolv.conf handling.
  CHECK(s.find("/etc") == std::string::npos);
  CHECK(s.find("resolv") == std::string::npos);
  CHECK(s.find("hostname") == std::string::npos);
  CHECK(s.find("hooks") == std::string::npos);
  CHECK(s.find(" > ") == std::string::npos);
  CHECK(s.find("eval") == std::string::npos);
  // Values from dhclient's environment, quoted; nothing from the topology.
  CHECK(s.find("eth0-r") == std::string::npos);
  CHECK(s.find("red") == std::string::npos);
  CHECK(s.find("ip -4 addr replace \"$new_ip_address/$mask\" brd + dev \"$interface\"") !=
        std::string::npos);
  CHECK(s.find("BOUND|RENEW|REBIND|REBOOT)") != std::string::npos);
  CHECK(s.find("EXPIRE|FAIL|RELEASE|STOP)") != std::string::npos);
  // The config replaces /etc/dhcp/dhclient.conf and shortens retransmits.
  CHECK(inst->conf_text.find("initial-interval 1;") != std::string::npos);
  CHECK(inst->conf_text.find("retry 1;") != std::string::npos);
  CHECK(inst->conf_text.find("domain-name-servers") == std::string::npos);
}

TEST_CASE("dhclient hash is stable and differs per interface") {
  auto a = make_dhclient("/run/netlab/demo", "red", "eth0-r");
  auto b = make_dhclient("/run/netlab/demo", "red", "eth0-r");
  auto c = make_dhclient("/run/netlab/demo", "blue", "eth0-b");
  CHECK(a->config_hash == b->config_hash);
  CHECK(a->config_hash != c->config_hash);
}

TEST_CASE("dhclient lease file: the last lease of the interface") {
  std::string text = R"(default-duid "\000\001\000\001";
lease {
  interface "eth0-r";
  fixed-address 10.20.30.44;
  option subnet-mask 255.255.255.0;
  option dhcp-lease-time 3600;
  option dhcp-server-identifier 10.20.30.2;
  renew 3 2026/11/25 09:40:12;
}
lease {
  interface "other";
  fixed-address 10.9.9.9;
}
lease {
  interface "eth0-r";
  fixed-address 10.20.30.45;
  option subnet-mask 255.255.255.192;
  option routers 10.20.30.1,10.20.30.3;
  option dhcp-server-identifier 10.20.30.2;
}
)";
  auto l = parse_dhclient_leases(text, "eth0-r");
  REQUIRE(l.ok());
  REQUIRE(l->has_value());
  CHECK((*l)->address == *IpPrefix::parse("10.20.30.45/26"));
  CHECK((*l)->router == IpAddress::parse("10.20.30.1"));
  CHECK((*l)->server == IpAddress::parse("10.20.30.2"));
  auto none = parse_dhclient_leases(text, "eth9");
  REQUIRE(none.ok());
  CHECK(!none->has_value());
  auto other = parse_dhclient_leases(text, "other");
  CHECK((*other)->address == *IpPrefix::parse("10.9.9.9/32"));
}

TEST_CASE("interface addresses from ip -4 -o output, run in the namespace") {
  FakeProcesses p;
  p.on_run("ip", {0,
                  "2: eth0-r    inet 10.20.30.44/24 brd 10.20.30.255 scope global eth0-r\\       "
                  "valid_lft forever preferred_lft forever\n"
                  "2: eth0-r    inet 10.1.1.1/32 scope global eth0-r\\       valid_lft forever\n"});
  auto a = interface_ipv4_addresses(p, "red", "eth0-r");
  REQUIRE(a.ok());
  REQUIRE(a->size() == 2);
  CHECK((*a)[0] == *IpPrefix::parse("10.20.30.44/24"));
  CHECK((*a)[1] == *IpPrefix::parse("10.1.1.1/32"));
  REQUIRE(p.calls.size() == 1);
  CHECK(p.calls[0].ns == "red");
  CHECK(p.calls[0].argv ==
        std::vector<std::string>{"ip", "-4", "-o", "addr", "show", "dev", "eth0-r"});
  p.on_run("ip", {1, "Device \"eth0-r\" does not exist.\n"});
  auto e = interface_ipv4_addresses(p, "red", "eth0-r");
  REQUIRE(!e.ok());
  CHECK(e.error().message.find("netns red") != std::string::npos);
}

TEST_CASE("wait_for_lease: timeout and a dead client name the interface") {
  FakeProcesses p;
  auto inst = make_dhclient("/nonexistent-netlab-state", "red", "eth0-r");
  REQUIRE(inst.ok());
  SECTION("timeout") {
    auto r = wait_for_lease(p, *inst, 0, std::chrono::milliseconds(60));
    REQUIRE(!r.ok());
    CHECK(r.error().kind == ErrorKind::Timeout);
    CHECK(r.error().message.find("red:eth0-r") != std::string::npos);
  }
  SECTION("client died") {
    int pid = p.add_process("red", inst->argv, false);
    auto r = wait_for_lease(p, *inst, pid, std::chrono::milliseconds(5000));
    REQUIRE(!r.ok());
    CHECK(r.error().kind == ErrorKind::Process);
    CHECK(r.error().message.find("exited") != std::string::npos);
  }
}
