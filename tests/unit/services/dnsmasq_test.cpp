#include <algorithm>
#include <catch2/catch.hpp>

#include "fakes/fake_processes.hpp"
#include "netlab/dhcp.hpp"

using namespace netlab;

namespace {

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

DhcpServer demo_server() {
  DhcpServer s;
  s.namespace_name = "dhcp-r";
  s.interface = "tap-r";
  s.range_start = ip("10.20.30.10");
  s.range_end = ip("10.20.30.100");
  s.pos = SourcePos{"topo.yaml", 12, 5};
  return s;
}

const std::optional<IpPrefix> kPrefix = IpPrefix::parse("10.20.30.2/24");
const std::string kState = "/run/netlab/demo";

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

// Issue 10, defect 3: with dnsmasq-<ns>-<if>, namespace a-b with interface c
// and namespace a with interface b-c shared conf, pid and lease files.
TEST_CASE("dnsmasq files of two (namespace, interface) pairs never collide") {
  DnsmasqPaths ab_c = dnsmasq_paths(kState, "a-b", "c");
  DnsmasqPaths a_bc = dnsmasq_paths(kState, "a", "b-c");
  for (const auto* p : {&ab_c.conf, &ab_c.pid, &ab_c.lease, &ab_c.log}) {
    for (const auto* q : {&a_bc.conf, &a_bc.pid, &a_bc.lease, &a_bc.log}) CHECK(*p != *q);
  }
  // Dots cannot make one pair's file another's either (a.b + c vs a + b.c).
  CHECK(dnsmasq_paths(kState, "a.b", "c").conf != dnsmasq_paths(kState, "a", "b.c").conf);
  CHECK(ab_c.lease == "/run/netlab/demo/netns/a-b/dnsmasq-c.leases");
  CHECK(a_bc.lease == "/run/netlab/demo/netns/a/dnsmasq-b-c.leases");
  // A namespace name of 255 bytes is one path component; no component is longer.
  std::string long_ns(255, 'n');
  std::string path = dnsmasq_paths(kState, long_ns, "interface-15chr").lease;
  std::size_t start = 1;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    CHECK(end - start <= 255);
    start = end + 1;
  }
}

TEST_CASE("dnsmasq argv carries every isolating option, all paths the lab's") {
  auto inst = make_dnsmasq(demo_server(), kState, kPrefix);
  REQUIRE(inst.ok());
  const auto& a = inst->argv;
  CHECK(a.at(0) == "dnsmasq");
  CHECK(inst->paths.conf == "/run/netlab/demo/netns/dhcp-r/dnsmasq-tap-r.conf");
  CHECK(has(a, "--conf-file=/run/netlab/demo/netns/dhcp-r/dnsmasq-tap-r.conf"));
  CHECK(has(a, "--pid-file=/run/netlab/demo/netns/dhcp-r/dnsmasq-tap-r.pid"));
  CHECK(has(a, "--dhcp-leasefile=/run/netlab/demo/netns/dhcp-r/dnsmasq-tap-r.leases"));
  CHECK(has(a, "--log-facility=/run/netlab/demo/netns/dhcp-r/dnsmasq-tap-r.log"));
  CHECK(has(a, "--keep-in-foreground"));
  CHECK(has(a, "--interface=tap-r"));
  CHECK(has(a, "--bind-interfaces"));
  CHECK(has(a, "--except-interface=lo"));
  CHECK(has(a, "--port=0"));
  CHECK(has(a, "--no-resolv"));
  CHECK(has(a, "--no-hosts"));
  CHECK(has(a, "--dhcp-authoritative"));
  CHECK(has(a, "--no-ping"));
  // Nothing points at a system default.
  for (const auto& arg : a) {
    CHECK(arg.find("/etc/") == std::string::npos);
    CHECK(arg.find("/var/lib/misc") == std::string::npos);
    CHECK(arg.find("/run/dnsmasq") == std::string::npos);
    CHECK(arg != "-d");  // debug mode skips the pid file
  }
  CHECK(inst->config_text.find("/etc/") == std::string::npos);
  CHECK(inst->config_text.find("conf-dir") == std::string::npos);
}

TEST_CASE("dnsmasq config: range with the interface's netmask, default lease, no router") {
  auto inst = make_dnsmasq(demo_server(), kState, kPrefix);
  REQUIRE(inst.ok());
  const auto& c = inst->config_text;
  CHECK(has_line(c, "dhcp-range=10.20.30.10,10.20.30.100,255.255.255.0,3600"));
  CHECK(has_line(c, "dhcp-option=3"));  // no default gateway advertised
  CHECK(c.find("dns-server") == std::string::npos);
  CHECK(c.find("dhcp-host") == std::string::npos);
}

TEST_CASE("dnsmasq config: router, dns, static hosts, lease time and explicit netmask") {
  auto s = demo_server();
  s.router = Located<IpAddress>{ip("10.20.30.1"), {}};
  s.dns = {{ip("10.20.30.2"), {}}, {ip("192.0.2.53"), {}}};
  s.hosts = {{"02:00:00:00:00:09", ip("10.20.30.50"), {}}};
  s.lease_seconds = Located<int>{600, {}};
  s.netmask = Located<IpAddress>{ip("255.255.0.0"), {}};
  auto inst = make_dnsmasq(s, kState, std::nullopt);
  REQUIRE(inst.ok());
  const auto& c = inst->config_text;
  CHECK(has_line(c, "dhcp-range=10.20.30.10,10.20.30.100,255.255.0.0,600"));
  CHECK(has_line(c, "dhcp-option=option:router,10.20.30.1"));
  CHECK(!has_line(c, "dhcp-option=3"));
  CHECK(has_line(c, "dhcp-option=option:dns-server,10.20.30.2,192.0.2.53"));
  CHECK(has_line(c, "dhcp-host=02:00:00:00:00:09,10.20.30.50"));
}

TEST_CASE("dnsmasq config: infinite lease") {
  auto s = demo_server();
  s.lease_seconds = Located<int>{kInfiniteLease, {}};
  auto inst = make_dnsmasq(s, kState, kPrefix);
  REQUIRE(inst.ok());
  CHECK(has_line(inst->config_text, "dhcp-range=10.20.30.10,10.20.30.100,255.255.255.0,infinite"));
}

TEST_CASE("dnsmasq netmask derived from prefix lengths other than /24") {
  auto s = demo_server();
  s.range_start = ip("10.20.30.129");
  s.range_end = ip("10.20.30.190");
  auto inst = make_dnsmasq(s, kState, IpPrefix::parse("10.20.30.130/26"));
  REQUIRE(inst.ok());
  CHECK(has_line(inst->config_text, "dhcp-range=10.20.30.129,10.20.30.190,255.255.255.192,3600"));
}

TEST_CASE("dnsmasq refuses what it cannot serve, naming the server") {
  auto s = demo_server();
  SECTION("no netmask and no interface address") {
    auto r = make_dnsmasq(s, kState, std::nullopt);
    REQUIRE(!r.ok());
    CHECK(r.error().kind == ErrorKind::InvalidTopology);
    CHECK(r.error().message.find("dhcp-r:tap-r") != std::string::npos);
    CHECK(r.error().where.line == 12);
  }
  SECTION("range outside the interface's subnet") {
    auto r = make_dnsmasq(s, kState, IpPrefix::parse("10.9.0.1/24"));
    REQUIRE(!r.ok());
    CHECK(r.error().message.find("not inside 10.9.0.0/24") != std::string::npos);
  }
  SECTION("reversed range") {
    std::swap(s.range_start, s.range_end);
    CHECK(!make_dnsmasq(s, kState, kPrefix).ok());
  }
  SECTION("root namespace") {
    s.namespace_name = "host";
    auto r = make_dnsmasq(s, kState, kPrefix);
    REQUIRE(!r.ok());
    CHECK(r.error().kind == ErrorKind::Unsupported);
  }
  SECTION("IPv6 range") {
    s.range_start = ip("fd00::10");
    s.range_end = ip("fd00::20");
    CHECK(!make_dnsmasq(s, kState, IpPrefix::parse("fd00::1/64")).ok());
  }
  SECTION("relative state dir") { CHECK(!make_dnsmasq(s, "run/x", kPrefix).ok()); }
}

TEST_CASE("config hash is stable and sensitive to every input") {
  auto a = make_dnsmasq(demo_server(), kState, kPrefix);
  auto b = make_dnsmasq(demo_server(), kState, kPrefix);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->config_hash == b->config_hash);
  CHECK(a->config_hash.size() == 16);
  // A known value: the hash must not depend on the run or the machine.
  CHECK(config_hash("", {}) == "af64724c8602eb6e");
  CHECK(config_hash("a", {"b"}) == config_hash("a", {"b"}));
  CHECK(config_hash("a", {"b"}) != config_hash("ab", {}));
  CHECK(config_hash("", {"a", "b"}) != config_hash("", {"ab"}));

  auto s = demo_server();
  s.range_end = ip("10.20.30.101");
  auto c = make_dnsmasq(s, kState, kPrefix);
  REQUIRE(c.ok());
  CHECK(c->config_hash != a->config_hash);

  auto d = make_dnsmasq(demo_server(), "/run/netlab/other", kPrefix);
  REQUIRE(d.ok());
  CHECK(d->config_hash != a->config_hash);
}

TEST_CASE("dnsmasq lease file parser") {
  std::string text =
      "1764064812 02:00:00:00:00:09 10.20.30.50 red 01:02:00:00:00:00:09\n"
      "0 02:AA:00:00:00:0A 10.20.30.11 * *\n"
      "duid 00:01:00:01:2c:aa:bb:cc:02:00:00:00:00:01\n"
      "1764064812 12345678 fd00::10 * 00:01:00:01\n"
      "\n";
  auto r = parse_dnsmasq_leases(text);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].expiry == 1764064812);
  CHECK((*r)[0].mac == "02:00:00:00:00:09");
  CHECK((*r)[0].address == ip("10.20.30.50"));
  CHECK((*r)[0].hostname == "red");
  CHECK((*r)[0].client_id == "01:02:00:00:00:00:09");
  CHECK((*r)[1].expiry == 0);
  CHECK((*r)[1].mac == "02:aa:00:00:00:0a");
  CHECK((*r)[1].hostname.empty());
  CHECK((*r)[1].client_id.empty());

  CHECK(parse_dnsmasq_leases("").value().empty());
  auto bad = parse_dnsmasq_leases("1 02:00:00:00:00:01 10.0.0.1 x\nnonsense line\n");
  REQUIRE(!bad.ok());
  CHECK(bad.error().message.find("line 2") != std::string::npos);
  CHECK(!parse_dnsmasq_leases("x 02:00:00:00:00:01 10.0.0.1 h *\n").ok());
  CHECK(!parse_dnsmasq_leases("1 02:00:00:00:00:01 10.0.0.300 h *\n").ok());
  CHECK(read_dnsmasq_leases("/nonexistent/netlab/leases").value().empty());
}
