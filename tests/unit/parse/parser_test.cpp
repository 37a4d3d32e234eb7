// YAML -> Topology: every key of the format lands in the model, with positions.
#include <catch2/catch.hpp>

#include "parse/parse.hpp"

using namespace netlab;

namespace Catch {
template <>
struct StringMaker<SourcePos> {
  static std::string convert(const SourcePos& p) { return p.str(); }
};
}  // namespace Catch

namespace {

// The example of topology-format.md, verbatim.
const char* kFormatExample = R"(name: demo03
namespaces:
  red:
    interfaces:
      eth0-r: {dhcp: true}
  blue:
    interfaces:
      eth0-b: {dhcp: true}
  dhcp-r:
    interfaces:
      tap-r: {addresses: [10.20.30.2/24]}
  r1:
    interfaces:
      eth1:
        addresses: [172.31.255.2/30, fd00::2/64]
        mtu: 1400
        mac: 02:00:00:00:00:01
      eth1.10:
        vlan: {parent: eth1, id: 10}
        addresses: [10.10.0.1/24]
    routes:
      - {to: default, via: 172.31.255.1}
      - {to: 192.168.0.0/16, dev: eth1.10}
    sysctls: {net.ipv4.ip_forward: 1}
bridges:
  ovs1:
    kind: ovs
    datapath: auto
    ports:
      tap-r: {internal: true, namespace: dhcp-r, vlan: 100}
  ovs2:
    kind: ovs
  br0:
    kind: linux
    addresses: [10.9.0.1/24]
links:
  - endpoints: [red:eth0-r, ovs1:veth-r]
    vlan: 100
  - endpoints: [blue:eth0-b, ovs1:veth-b]
    vlan: 200
  - endpoints: [ovs1:trunk1, ovs2:trunk2]
    trunks: [100, 200]
  - [r1:eth1, host:r1-up]
dhcp:
  - namespace: dhcp-r
    interface: tap-r
    range: [10.20.30.10, 10.20.30.100]
    lease_time: 1h
    router: 10.20.30.1
    dns: [10.20.30.2]
    hosts: [{mac: 02:00:00:00:00:09, address: 10.20.30.50}]
host:
  sysctls: {net.ipv4.ip_forward: 1}
  interfaces:
    r1-up: {addresses: [172.31.255.1/30]}
  nat:
    - {source: 172.31.255.0/30, out: eth0}
tests:
  - ping: {from: red, to: dhcp-r:tap-r}
  - ping: {from: red, to: blue:eth0-b, expect: fail}
  - ping: {from: r1, to: 172.31.255.1, count: 3}
  - lease: {client: red:eth0-r, server: dhcp-r}
  - tcp: {from: red, to: dhcp-r:tap-r, port: 8080}
)";

std::string errors_of(const LoadResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e.str() + "\n";
  return s;
}

}  // namespace

TEST_CASE("the format document's example parses into the model", "[parse]") {
  auto r = parse_topology(kFormatExample, "demo.yaml");
  INFO(errors_of(r));
  REQUIRE(r.ok());
  const Topology& t = *r.topology;
  CHECK(t.name == "demo03");
  CHECK(t.name_pos == SourcePos{"demo.yaml", 1, 7});
  CHECK(t.file == "demo.yaml");

  REQUIRE(t.namespaces.size() == 4);
  const Namespace& r1 = t.namespaces[3];
  CHECK(r1.name == "r1");
  CHECK(r1.pos == SourcePos{"demo.yaml", 12, 3});
  REQUIRE(r1.interfaces.size() == 2);
  const InterfaceConfig& eth1 = r1.interfaces[0];
  CHECK(eth1.pos == SourcePos{"demo.yaml", 14, 7});
  REQUIRE(eth1.addresses.size() == 2);
  CHECK(eth1.addresses[0].value.str() == "172.31.255.2/30");
  CHECK(eth1.addresses[0].pos == SourcePos{"demo.yaml", 15, 21});
  CHECK(eth1.addresses[1].value.family() == 6);
  CHECK(eth1.addresses[1].value.str() == "fd00::2/64");
  CHECK(eth1.mtu->value == 1400);
  CHECK(eth1.mtu->pos == SourcePos{"demo.yaml", 16, 14});
  CHECK(eth1.mac->value == "02:00:00:00:00:01");
  CHECK_FALSE(eth1.dhcp);
  const InterfaceConfig& sub = r1.interfaces[1];
  REQUIRE(sub.vlan);
  CHECK(sub.vlan->parent == "eth1");
  CHECK(sub.vlan->id == 10);
  CHECK(sub.vlan->id_pos == SourcePos{"demo.yaml", 19, 34});
  REQUIRE(r1.routes.size() == 2);
  CHECK(r1.routes[0].is_default);
  CHECK(r1.routes[0].family == 4);
  CHECK(r1.routes[0].via->str() == "172.31.255.1");
  CHECK_FALSE(r1.routes[0].dev);
  CHECK_FALSE(r1.routes[1].is_default);
  CHECK(r1.routes[1].to->str() == "192.168.0.0/16");
  CHECK(*r1.routes[1].dev == "eth1.10");
  REQUIRE(r1.sysctls.size() == 1);
  CHECK(r1.sysctls[0].key == "net.ipv4.ip_forward");
  CHECK(r1.sysctls[0].value == "1");
  CHECK(t.namespaces[0].interfaces[0].dhcp);

  REQUIRE(t.bridges.size() == 3);
  CHECK(t.bridges[0].kind == BridgeKind::Ovs);
  CHECK(t.bridges[0].datapath == Datapath::Auto);
  CHECK(t.bridges[0].datapath_pos.known());
  CHECK_FALSE(t.bridges[1].datapath_pos.known());
  CHECK(t.bridges[2].kind == BridgeKind::Linux);
  CHECK(t.bridges[2].addresses.at(0).value.str() == "10.9.0.1/24");
  const BridgePort& tap = t.bridges[0].ports.at(0);
  CHECK(tap.name == "tap-r");
  CHECK(tap.internal);
  CHECK(tap.namespace_name->value == "dhcp-r");
  CHECK(tap.options.vlan->value == 100);
  CHECK(tap.options.trunks.empty());

  REQUIRE(t.links.size() == 4);
  CHECK(t.links[0].a.owner == "red");
  CHECK(t.links[0].a.ifname == "eth0-r");
  CHECK(t.links[0].a.pos == SourcePos{"demo.yaml", 37, 17});
  CHECK(t.links[0].options.vlan->value == 100);
  CHECK(t.links[2].options.trunks.size() == 2);
  CHECK(t.links[2].options.trunks[1].value == 200);
  CHECK_FALSE(t.links[2].options.vlan);
  CHECK(t.links[3].a.owner == "r1");
  CHECK(t.links[3].b.owner == "host");
  CHECK(t.links[3].b.ifname == "r1-up");
  CHECK(t.links[3].options.empty());

  REQUIRE(t.dhcp.size() == 1);
  const DhcpServer& d = t.dhcp[0];
  CHECK(d.namespace_name == "dhcp-r");
  CHECK(d.interface == "tap-r");
  CHECK(d.range_start.str() == "10.20.30.10");
  CHECK(d.range_end.str() == "10.20.30.100");
  CHECK(d.lease_seconds->value == 3600);
  CHECK(d.router->value.str() == "10.20.30.1");
  CHECK(d.dns.at(0).value.str() == "10.20.30.2");
  CHECK(d.hosts.at(0).mac == "02:00:00:00:00:09");
  CHECK(d.hosts.at(0).address.str() == "10.20.30.50");

  CHECK(t.host.sysctls.at(0).value == "1");
  CHECK(t.host.interfaces.at(0).name == "r1-up");
  REQUIRE(t.host.nat.size() == 1);
  CHECK(t.host.nat[0].source.str() == "172.31.255.0/30");
  CHECK(t.host.nat[0].out == "eth0");

  REQUIRE(t.tests.size() == 5);
  const auto& p0 = std::get<PingTest>(t.tests[0].check);
  CHECK(p0.from == "red");
  CHECK(p0.to.endpoint->owner == "dhcp-r");
  CHECK(p0.to.endpoint->ifname == "tap-r");
  CHECK(p0.expect == Expect::Success);
  CHECK(p0.count == 1);
  CHECK(std::get<PingTest>(t.tests[1].check).expect == Expect::Fail);
  const auto& p2 = std::get<PingTest>(t.tests[2].check);
  CHECK(p2.to.address->str() == "172.31.255.1");
  CHECK(p2.count == 3);
  const auto& l = std::get<LeaseTest>(t.tests[3].check);
  CHECK(l.client.owner == "red");
  CHECK(l.server == "dhcp-r");
  CHECK(std::get<TcpTest>(t.tests[4].check).port == 8080);
}

TEST_CASE("the lab name defaults to the file stem", "[parse]") {
  auto r = parse_topology("namespaces: {red: {}}\n", "/some/dir/my-lab.yaml");
  REQUIRE(r.ok());
  CHECK(r.topology->name == "my-lab");
}

TEST_CASE("lease_time forms", "[parse]") {
  CHECK(parse_topology("name: x\n", "x.yaml").ok());
  auto lease = [](const std::string& v) -> std::optional<int> {
    std::string text = R"(namespaces:
  d: {interfaces: {t: {addresses: [10.0.0.1/24]}}}
bridges:
  o: {kind: ovs, ports: {t: {internal: true, namespace: d}}}
dhcp:
  - {namespace: d, interface: t, range: [10.0.0.10, 10.0.0.20], lease_time: )" +
                       v + "}\n";
    auto r = parse_topology(text, "x.yaml");
    if (!r.ok()) return std::nullopt;
    return r.topology->dhcp.at(0).lease_seconds->value;
  };
  CHECK(lease("1h") == 3600);
  CHECK(lease("30m") == 1800);
  CHECK(lease("2d") == 172800);
  CHECK(lease("1w") == 604800);
  CHECK(lease("1h30m") == 5400);
  CHECK(lease("7200") == 7200);
  CHECK(lease("infinite") == kInfiniteLease);
  CHECK_FALSE(lease("45s"));  // below dnsmasq's 2-minute minimum
  CHECK_FALSE(lease("1h30"));
  CHECK_FALSE(lease("h"));
  CHECK_FALSE(lease("-5"));
  CHECK_FALSE(lease("99999999999d"));
}

TEST_CASE("scalars in sysctls are stringified as written", "[parse]") {
  auto r = parse_topology(
      "host: {sysctls: {net.ipv4.ip_forward: 1, net.ipv4.x: true, net.a.b: 0x10}}\n", "x.yaml");
  REQUIRE(r.ok());
  const auto& s = r.topology->host.sysctls;
  REQUIRE(s.size() == 3);
  CHECK(s[0].value == "1");
  CHECK(s[1].value == "true");
  CHECK(s[2].value == "0x10");
}

TEST_CASE("routes store the network form and an IPv6 default takes its family from via",
          "[parse]") {
  auto r = parse_topology(R"(namespaces:
  a:
    routes:
      - {to: 10.1.2.3/16, dev: lo}
      - {to: default, via: "fd00::1"}
)",
                          "x.yaml");
  INFO(errors_of(r));
  REQUIRE(r.ok());
  const auto& routes = r.topology->namespaces[0].routes;
  CHECK(routes[0].to->str() == "10.1.0.0/16");
  CHECK(routes[1].is_default);
  CHECK(routes[1].family == 6);
}

TEST_CASE("all errors of a file come in one run, sorted by position", "[parse]") {
  auto r = parse_topology(R"(namespaces:
  red:
    interfaces:
      eth0: {mtu: 10, adresses: []}
links:
  - [red:eth0, nowhere:x]
bogus: 1
)",
                          "f.yaml");
  INFO(errors_of(r));
  REQUIRE(r.errors.size() == 4);
  // The validator's mtu error sorts before the parser's unknown key on the same line.
  CHECK(r.errors[0].where == SourcePos{"f.yaml", 4, 19});
  CHECK(r.errors[0].message ==
        "namespace 'red', interface 'eth0': mtu 10 is out of range 68-65535");
  CHECK(r.errors[1].where == SourcePos{"f.yaml", 4, 23});
  CHECK(r.errors[1].message ==
        "namespace 'red', interface 'eth0': unknown key 'adresses'; did you mean 'addresses'?");
  CHECK(r.errors[2].where == SourcePos{"f.yaml", 6, 16});
  CHECK(r.errors[2].message.find("no namespace or bridge named 'nowhere'") != std::string::npos);
  CHECK(r.errors[3].where == SourcePos{"f.yaml", 7, 1});
  CHECK(r.errors[3].str() ==
        "f.yaml:7:1: unknown key 'bogus'; expected one of: name, machines, machine, namespaces, "
        "bridges, links, dhcp, host, tests");
}

TEST_CASE("a duplicate key is found in a small map and in a large one, against the first",
          "[parse]") {
  // Up to 8 keys are scanned, more are hashed: a duplicate on either side of
  // that line, and one of a key that came before the index was built.
  std::string text = "namespaces:\n";
  for (int i = 0; i < 12; ++i) text += "  n" + std::to_string(i) + ": {}\n";  // lines 2-13
  text += "  n1: {}\n";                                                       // line 14: of line 3
  text += "  n11: {}\n";                                                      // line 15: of line 13
  text += "  n1: {}\n";  // line 16: of line 3 again
  text += "host: {sysctls: {net.ipv4.ip_forward: 1, net.ipv4.ip_forward: 0}}\n";  // small
  auto r = parse_topology(text, "f.yaml");
  INFO(errors_of(r));
  REQUIRE(r.errors.size() == 4);
  CHECK(r.errors[0].str() ==
        "f.yaml:14:3: duplicate key 'n1' (first at line 3); remove or rename one of them");
  CHECK(r.errors[1].str() ==
        "f.yaml:15:3: duplicate key 'n11' (first at line 13); remove or rename one of them");
  CHECK(r.errors[2].str() ==
        "f.yaml:16:3: duplicate key 'n1' (first at line 3); remove or rename one of them");
  CHECK(r.errors[3].str() ==
        "f.yaml:17:42: duplicate key 'net.ipv4.ip_forward' (first at line 17); remove or rename "
        "one of them");
}

TEST_CASE("hostile input never crashes or hangs", "[parse]") {
  const std::vector<std::string> inputs = {
      "",
      "\n\n\n",
      "---\n...\n",
      "[",
      "{",
      "]]]]",
      "&a [*a]",
      "a: *undefined",
      "? [a, b]\n: c\n",
      "namespaces: {? [x]: {}}",
      "\t\t\t",
      "links: [[a, b, c, d]]",
      "links: [[a:b]]",
      "tests: [{ping: {}}, {tcp: []}, {lease: 1}, [], 5]",
      "namespaces: {red: {interfaces: {e: {vlan: 5}}}}",
      "dhcp: [{}, 1, {range: 5}]",
      "host: {nat: [1, {}], interfaces: [], sysctls: {a: [1]}}",
      "bridges: {b: {ports: {p: 1}, kind: [], datapath: {}}}",
      std::string(1000, '{'),
      std::string(100000, '-'),
      "name: " + std::string(100000, 'x'),
      "mtu: 1e999999",
  };
  for (const auto& in : inputs) {
    INFO(in.substr(0, 60));
    auto r = parse_topology(in, "h.yaml");
    CHECK_FALSE(r.ok());
    for (const auto& e : r.errors) CHECK(e.where.file == "h.yaml");
  }
  // Random bytes.
  std::uint32_t seed = 12345;
  for (int i = 0; i < 200; ++i) {
    std::string junk;
    for (int k = 0; k < 200; ++k) {
      seed = seed * 1103515245u + 12345u;
      const char alphabet[] = "ab:-[]{}, \n\t&*!|>'\"#?%@`0123456789./";
      junk += alphabet[(seed >> 16) % (sizeof alphabet - 1)];
    }
    auto r = parse_topology(junk, "j.yaml");
    CHECK_FALSE(r.ok());
  }
  SUCCEED("no crash");
}

TEST_CASE("an unreadable file is one error naming it", "[parse]") {
  auto r = load_topology("/nonexistent/dir/topo.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("/nonexistent/dir/topo.yaml") != std::string::npos);
  CHECK(r.errors[0].kind == ErrorKind::InvalidTopology);
}

TEST_CASE("a Linux bridge takes 1024 ports, not 1025 (BR_MAX_PORTS)", "[parse][bridges]") {
  auto with_ports = [](int n) {
    std::string text = "name: big\nbridges:\n  br0: {kind: linux}\nnamespaces:\n";
    for (int i = 0; i < n; ++i) text += "  n" + std::to_string(i) + ": {}\n";
    text += "links:\n";
    for (int i = 0; i < n; ++i)
      text += "  - [n" + std::to_string(i) + ":e0, br0:p" + std::to_string(i) + "]\n";
    return parse_topology(text, "big.yaml");
  };
  CHECK(with_ports(1024).ok());
  auto over = with_ports(1025);
  REQUIRE_FALSE(over.ok());
  REQUIRE(over.errors.size() == 1);
  CHECK(over.errors[0].where.line == 3);
  CHECK_THAT(over.errors[0].message, Catch::Contains("1025 ports"));
}
