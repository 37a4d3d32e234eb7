// ResourceGraph (dependencies, cycles, dangling references, determinism)
// and build_resource_graph on topologies written in code (the model tests do
// not link the YAML parser): the four files of topologies/ and a few more.
#include "model/resource_graph.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace netlab;

namespace {

IpPrefix pfx(const char* s) { return *IpPrefix::parse(s); }
IpAddress addr(const char* s) { return *IpAddress::parse(s); }
SourcePos at(int line) { return {"t.yaml", line, 3}; }

InterfaceConfig iface(const std::string& name, std::vector<const char*> addrs, bool dhcp = false) {
  InterfaceConfig c;
  c.name = name;
  c.dhcp = dhcp;
  for (auto* a : addrs) c.addresses.push_back({pfx(a), {}});
  return c;
}

Namespace ns(const std::string& name, std::vector<InterfaceConfig> ifs = {}) {
  Namespace n;
  n.name = name;
  n.interfaces = std::move(ifs);
  return n;
}

Endpoint ep(const std::string& owner, const std::string& ifname) { return {owner, ifname, {}}; }

Link link(Endpoint a, Endpoint b, int vlan = 0) {
  Link l;
  l.a = std::move(a);
  l.b = std::move(b);
  if (vlan) l.options.vlan = Located<int>{vlan, {}};
  return l;
}

Bridge bridge(const std::string& name, BridgeKind kind) {
  Bridge b;
  b.name = name;
  b.kind = kind;
  return b;
}

BridgePort internal_port(const std::string& name, const std::string& in_ns, int vlan) {
  BridgePort p;
  p.name = name;
  p.internal = true;
  p.namespace_name = Located<std::string>{in_ns, {}};
  p.options.vlan = Located<int>{vlan, {}};
  return p;
}

DhcpServer dhcp(const std::string& in_ns, const std::string& ifname) {
  DhcpServer d;
  d.namespace_name = in_ns;
  d.interface = ifname;
  d.range_start = addr("10.20.30.10");
  d.range_end = addr("10.20.30.100");
  return d;
}

Route route_via(const char* via, const char* to = nullptr) {
  Route r;
  r.is_default = to == nullptr;
  if (to) r.to = pfx(to).network();
  r.via = addr(via);
  return r;
}

Topology demo01() {
  Topology t;
  t.name = "demo01";
  t.namespaces = {ns("red"), ns("blue")};
  return t;
}

Topology demo02() {
  Topology t;
  t.name = "demo02";
  t.namespaces = {ns("red", {iface("eth0-r", {"10.0.0.1/24"})}),
                  ns("blue", {iface("eth0-b", {"10.0.0.2/24"})})};
  t.bridges = {bridge("ovs1", BridgeKind::Ovs)};
  t.links = {link(ep("red", "eth0-r"), ep("ovs1", "veth-r")),
             link(ep("blue", "eth0-b"), ep("ovs1", "veth-b"))};
  return t;
}

Topology demo03() {
  Topology t;
  t.name = "demo03";
  t.namespaces = {ns("red", {iface("eth0-r", {}, true)}), ns("blue", {iface("eth0-b", {}, true)}),
                  ns("dhcp-r", {iface("tap-r", {"10.20.30.2/24"})}),
                  ns("dhcp-b", {iface("tap-b", {"10.20.30.2/24"})})};
  Bridge b = bridge("ovs1", BridgeKind::Ovs);
  b.ports = {internal_port("tap-r", "dhcp-r", 100), internal_port("tap-b", "dhcp-b", 200)};
  t.bridges = {b};
  t.links = {link(ep("red", "eth0-r"), ep("ovs1", "veth-r"), 100),
             link(ep("blue", "eth0-b"), ep("ovs1", "veth-b"), 200)};
  t.dhcp = {dhcp("dhcp-r", "tap-r"), dhcp("dhcp-b", "tap-b")};
  return t;
}

Topology routed_nat() {
  Topology t;
  t.name = "routed-nat";
  Namespace app = ns("app", {iface("eth0", {"10.77.0.2/24"})});
  app.routes.push_back(route_via("10.77.0.1"));
  t.namespaces = {app, ns("internet", {iface("eth0", {"198.51.100.2/24"})})};
  t.links = {link(ep("app", "eth0"), ep("host", "nl-app")),
             link(ep("internet", "eth0"), ep("host", "nl-inet"))};
  t.host.sysctls = {{"net.ipv4.ip_forward", "1", {}}};
  t.host.interfaces = {iface("nl-app", {"10.77.0.1/24"}), iface("nl-inet", {"198.51.100.1/24"})};
  NatRule n;
  n.source = pfx("10.77.0.0/24");
  n.out = "nl-inet";
  t.host.nat = {n};
  return t;
}

std::vector<std::string> node_keys(const ResourceGraph& g) {
  std::vector<std::string> keys;
  for (const auto& n : g.nodes()) keys.push_back(n.key);
  return keys;
}

std::set<std::string> key_set(const ResourceGraph& g) {
  auto keys = node_keys(g);
  return {keys.begin(), keys.end()};
}

// Whether `from` needs `to`, directly or through other nodes.
bool needs(const ResourceGraph& g, const std::string& from, const std::string& to) {
  auto start = g.find(from);
  auto goal = g.find(to);
  INFO(from << " needs " << to);
  REQUIRE(start);
  REQUIRE(goal);
  std::vector<std::size_t> stack{*start};
  std::set<std::size_t> seen;
  while (!stack.empty()) {
    std::size_t i = stack.back();
    stack.pop_back();
    for (std::size_t d : g.dependencies(i)) {
      if (d == *goal) return true;
      if (seen.insert(d).second) stack.push_back(d);
    }
  }
  return false;
}

bool has_edge(const ResourceGraph& g, const std::string& from, const std::string& to) {
  for (const auto& e : g.edges())
    if (e.from == from && e.to == to) return true;
  return false;
}

/// No cycle, no dangling reference, no key defined twice.
void require_valid(const ResourceGraph& g) {
  auto errors = g.check();
  INFO((errors.empty() ? std::string() : errors.front().str()));
  REQUIRE(errors.empty());
}

ResourceGraph abc(std::vector<std::pair<const char*, const char*>> edges) {
  ResourceGraph g;
  int line = 1;
  for (const char* k : {"a", "b", "c", "d"})
    g.add_node({ResourceKind::Namespace, k, std::string("node ") + k, at(line++)});
  for (auto [f, t] : edges) g.add_edge(f, t);
  return g;
}

}  // namespace

TEST_CASE("resource graph: dependencies resolve edges by key") {
  auto g = abc({{"a", "c"}});
  REQUIRE(g.check().empty());
  REQUIRE(g.dependencies(*g.find("a")) == std::vector<std::size_t>{2});
  REQUIRE(g.dependencies(*g.find("b")).empty());
}

TEST_CASE("resource graph: repeated edges count once") {
  auto g = abc({{"d", "a"}, {"d", "a"}, {"c", "d"}});
  REQUIRE(g.edges().size() == 2);
  REQUIRE(g.dependencies(*g.find("d")) == std::vector<std::size_t>{0});
  REQUIRE(needs(g, "c", "a"));
}

TEST_CASE("resource graph: repeated edges count once from a node with many edges") {
  // A few edges are compared one by one, many are hashed (a DHCP client needs
  // every server): repeats before, at and past that point, of early and late edges.
  ResourceGraph g;
  g.add_node({ResourceKind::DhcpClient, "client", "client", {}});
  std::vector<std::size_t> want;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 40; ++i) {
      const std::string s = "server" + std::to_string(i);
      if (round == 0) want.push_back(g.add_node({ResourceKind::DhcpServer, s, s, {}}));
      g.add_edge("client", s);
      if (round == 0 && i % 7 == 0) g.add_edge("client", "server0");
    }
  }
  CHECK(g.edges().size() == 40);
  CHECK(g.dependencies(0) == want);
  CHECK(g.check().empty());
}

TEST_CASE("resource graph: keys name resources as plans do") {
  CHECK(resource_key::netns("red") == "netns:red");
  CHECK(resource_key::link("", "vr") == "link:host/vr");
  CHECK(resource_key::link("red", "eth0-r") == "link:red/eth0-r");
  CHECK(resource_key::address("red", "eth0", "10.0.0.1/24") == "address:red/eth0/10.0.0.1/24");
  CHECK(resource_key::port("ovs1", "veth-r") == "port:ovs1/veth-r");
  CHECK(resource_key::sysctl("", "net.ipv4.ip_forward") == "sysctl:host/net.ipv4.ip_forward");
}

TEST_CASE("resource graph: edges may name nodes added later") {
  ResourceGraph g;
  g.add_edge("route", "addr");
  g.add_node({ResourceKind::Route, "route", "", {}});
  g.add_node({ResourceKind::Address, "addr", "", {}});
  REQUIRE(g.check().empty());
  REQUIRE(g.dependencies(*g.find("route")) == std::vector<std::size_t>{1});
}

TEST_CASE("resource graph: a cycle is an error listing the cycle in order") {
  auto g = abc({{"b", "c"}, {"c", "a"}, {"a", "b"}, {"d", "a"}});
  auto errors = g.check();
  REQUIRE(errors.size() == 1);  // d only waits behind the cycle: not a cycle itself
  CHECK(errors[0].kind == ErrorKind::InvalidTopology);
  CHECK(errors[0].message == "dependency cycle: a -> b -> c -> a");
  CHECK(errors[0].where == at(1));
  CHECK(errors[0].str() == "t.yaml:1:3: dependency cycle: a -> b -> c -> a");
}

TEST_CASE("resource graph: the cycle message starts at the node added first") {
  auto g = abc({{"c", "b"}, {"b", "c"}, {"d", "c"}});
  auto errors = g.check();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "dependency cycle: b -> c -> b");
  CHECK(errors[0].where == at(2));
}

TEST_CASE("resource graph: a self-dependency and two separate cycles") {
  auto self = abc({{"c", "c"}});
  REQUIRE(self.check().size() == 1);
  CHECK(self.check()[0].message == "dependency cycle: c -> c");

  auto two = abc({{"a", "b"}, {"b", "a"}, {"c", "d"}, {"d", "c"}});
  auto errors = two.check();
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].message == "dependency cycle: a -> b -> a");
  CHECK(errors[1].message == "dependency cycle: c -> d -> c");
}

TEST_CASE("resource graph: a dangling reference names both ends, at the dependent") {
  auto g = abc({{"a", "b"}, {"c", "nowhere"}});
  auto errors = g.check();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].kind == ErrorKind::InvalidTopology);
  CHECK(errors[0].message == "c needs nowhere, which is not defined");
  CHECK(errors[0].where == at(3));

  ResourceGraph from_nothing;
  from_nothing.add_edge("ghost", "also-ghost");
  REQUIRE(from_nothing.check().size() == 1);
  CHECK(from_nothing.check()[0].message ==
        "undefined resource ghost needs also-ghost, which is not defined");
}

TEST_CASE("resource graph: a key defined twice is an error at the second definition") {
  auto g = abc({});
  std::size_t i = g.add_node({ResourceKind::Link, "b", "again", at(9)});
  CHECK(i == 4);
  CHECK(g.find("b") == std::size_t{1});
  auto errors = g.check();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "resource b is defined twice (first at t.yaml:2:3)");
  CHECK(errors[0].where == at(9));
}

TEST_CASE("resource graph: kinds have stable names") {
  CHECK(std::string(to_string(ResourceKind::Namespace)) == "namespace");
  CHECK(std::string(to_string(ResourceKind::OvsBridge)) == "ovs-bridge");
  CHECK(std::string(to_string(ResourceKind::DhcpClient)) == "dhcp-client");
  CHECK(std::string(to_string(ResourceKind::NatRule)) == "nat-rule");
}

TEST_CASE("build_resource_graph: namespace, link, address, route, sysctl in order") {
  Topology t;
  t.name = "small";
  Namespace r1 = ns("r1", {iface("eth1", {"172.31.255.2/30"})});
  r1.pos = at(3);
  r1.routes = {route_via("172.31.255.1"), route_via("172.31.255.1", "192.168.1.7/16")};
  r1.routes[1].dev = "eth1";
  r1.sysctls = {{"net.ipv4.ip_forward", "1", at(8)}};
  t.namespaces = {r1};
  t.links = {link(ep("r1", "eth1"), ep("host", "r1-up"))};
  t.host.interfaces = {iface("r1-up", {"172.31.255.1/30"})};

  auto g = build_resource_graph(t);
  require_valid(g);
  REQUIRE(key_set(g) == std::set<std::string>{
                            "netns:r1",
                            "link:r1/eth1",
                            "address:r1/eth1/172.31.255.2/30",
                            "address:host/r1-up/172.31.255.1/30",
                            "route:r1/default",
                            "route:r1/192.168.0.0/16",
                            "sysctl:r1/net.ipv4.ip_forward",
                        });
  CHECK(has_edge(g, "link:r1/eth1", "netns:r1"));
  CHECK(has_edge(g, "address:host/r1-up/172.31.255.1/30", "link:r1/eth1"));
  CHECK(has_edge(g, "route:r1/default", "netns:r1"));
  CHECK(has_edge(g, "route:r1/default", "address:r1/eth1/172.31.255.2/30"));
  CHECK(has_edge(g, "route:r1/192.168.0.0/16", "link:r1/eth1"));
  CHECK(has_edge(g, "sysctl:r1/net.ipv4.ip_forward", "netns:r1"));
  const auto& ns_node = g.node(*g.find("netns:r1"));
  CHECK(ns_node.kind == ResourceKind::Namespace);
  CHECK(ns_node.label == "namespace r1");
  CHECK(ns_node.pos == at(3));
  CHECK(g.node(*g.find("route:r1/default")).label == "route default via 172.31.255.1 in r1");
  CHECK(g.node(*g.find("link:r1/eth1")).label == "veth r1:eth1 <-> host:r1-up");
}

TEST_CASE("build_resource_graph: demo 03, DHCP servers after their address, clients last") {
  auto g = build_resource_graph(demo03());
  require_valid(g);
  REQUIRE(g.size() == 4 + 1 + 2 + 2 + 2 + 2 + 2 + 2);  // ns, bridge, links, ports, ...
  for (const char* side : {"r", "b"}) {
    std::string s = side;
    std::string tap = "internal-port:ovs1/tap-" + s;
    std::string address = "address:dhcp-" + s + "/tap-" + s + "/10.20.30.2/24";
    std::string server = "dhcp-server:dhcp-" + s + "/tap-" + s;
    std::string port = "port:ovs1/veth-" + s;
    std::string lnk = std::string("link:") + (s == "r" ? "red/eth0-r" : "blue/eth0-b");
    std::string client = std::string("dhcp-client:") + (s == "r" ? "red/eth0-r" : "blue/eth0-b");
    CHECK(needs(g, tap, "bridge:ovs1"));
    CHECK(needs(g, tap, "netns:dhcp-" + s));
    CHECK(needs(g, address, tap));
    CHECK(needs(g, server, address));
    CHECK(needs(g, port, lnk));
    CHECK(needs(g, lnk, "bridge:ovs1"));
    CHECK(needs(g, client, lnk));
    CHECK(needs(g, client, "dhcp-server:dhcp-r/tap-r"));
    CHECK(needs(g, client, "dhcp-server:dhcp-b/tap-b"));
    CHECK(has_edge(g, port, "bridge:ovs1"));
    CHECK(has_edge(g, port, lnk));
    CHECK(has_edge(g, server, address));
  }
  CHECK(g.node(*g.find("bridge:ovs1")).kind == ResourceKind::OvsBridge);
  CHECK(g.node(*g.find("internal-port:ovs1/tap-r")).label ==
        "internal port tap-r on ovs1 in dhcp-r");
  CHECK(g.node(*g.find("dhcp-client:red/eth0-r")).kind == ResourceKind::DhcpClient);
}

TEST_CASE("build_resource_graph: the four topologies of topologies/ have valid orders") {
  SECTION("netns-demo-01") {
    auto g = build_resource_graph(demo01());
    require_valid(g);
    CHECK(node_keys(g) == std::vector<std::string>{"netns:red", "netns:blue"});
  }
  SECTION("netns-demo-02") {
    auto g = build_resource_graph(demo02());
    require_valid(g);
    CHECK(g.size() == 2 + 1 + 2 + 2 + 2);
    CHECK(key_set(g) == std::set<std::string>{
                            "netns:red",
                            "netns:blue",
                            "bridge:ovs1",
                            "link:red/eth0-r",
                            "port:ovs1/veth-r",
                            "link:blue/eth0-b",
                            "port:ovs1/veth-b",
                            "address:red/eth0-r/10.0.0.1/24",
                            "address:blue/eth0-b/10.0.0.2/24",
                        });
  }
  SECTION("netns-demo-03") { require_valid(build_resource_graph(demo03())); }
  SECTION("routed-nat") {
    auto g = build_resource_graph(routed_nat());
    require_valid(g);
    CHECK(g.size() == 2 + 2 + 4 + 1 + 1 + 1);
    CHECK(has_edge(g, "nat:nl-inet/10.77.0.0/24", "link:internet/eth0"));
    CHECK(has_edge(g, "route:app/default", "address:app/eth0/10.77.0.2/24"));
    CHECK(needs(g, "nat:nl-inet/10.77.0.0/24", "link:internet/eth0"));
    CHECK(needs(g, "route:app/default", "address:app/eth0/10.77.0.2/24"));
    CHECK(g.contains("sysctl:host/net.ipv4.ip_forward"));
    CHECK(g.dependencies(*g.find("sysctl:host/net.ipv4.ip_forward")).empty());
  }
}

TEST_CASE("build_resource_graph: deterministic") {
  for (const auto& t : {demo01(), demo02(), demo03(), routed_nat()}) {
    auto a = build_resource_graph(t);
    auto b = build_resource_graph(t);
    CHECK(node_keys(a) == node_keys(b));
    std::vector<std::string> ea, eb;
    for (const auto& e : a.edges()) ea.push_back(e.from + ">" + e.to);
    for (const auto& e : b.edges()) eb.push_back(e.from + ">" + e.to);
    CHECK(ea == eb);
  }
}

TEST_CASE("build_resource_graph: vlan sub-interfaces, Linux bridge, declared ports, NAT") {
  Topology t;
  t.name = "misc";
  InterfaceConfig sub = iface("eth1.10", {"10.10.0.1/24"});
  sub.vlan = VlanSubInterface{};
  sub.vlan->parent = "eth1";
  sub.vlan->id = 10;
  t.namespaces = {ns("r1", {sub, iface("eth1", {})})};
  Bridge br = bridge("br0", BridgeKind::Linux);
  br.addresses = {{pfx("10.9.0.1/24"), {}}};
  BridgePort existing;
  existing.name = "eth9";  // one of the machine's interfaces
  BridgePort own;
  own.name = "up";  // the host end of the link below
  br.ports = {existing, own};
  Bridge ovs = bridge("ovs1", BridgeKind::Ovs);
  BridgePort root_internal;
  root_internal.name = "mgmt";
  root_internal.internal = true;
  ovs.ports = {root_internal};
  t.bridges = {br, ovs};
  t.links = {link(ep("r1", "eth1"), ep("host", "up"))};
  for (const char* out : {"eth0", "up", "up"}) {
    NatRule n;
    n.source = pfx("10.10.0.0/24");
    n.out = out;
    t.host.nat.push_back(n);
  }

  auto g = build_resource_graph(t);
  require_valid(g);
  CHECK(g.node(*g.find("bridge:br0")).kind == ResourceKind::LinuxBridge);
  CHECK(has_edge(g, "vlan:r1/eth1.10", "netns:r1"));
  CHECK(has_edge(g, "vlan:r1/eth1.10", "link:r1/eth1"));
  CHECK(has_edge(g, "address:r1/eth1.10/10.10.0.1/24", "vlan:r1/eth1.10"));
  CHECK(has_edge(g, "address:host/br0/10.9.0.1/24", "bridge:br0"));
  CHECK(g.dependencies(*g.find("port:br0/eth9")) ==
        std::vector<std::size_t>{*g.find("bridge:br0")});
  CHECK(has_edge(g, "port:br0/up", "link:r1/eth1"));
  CHECK(g.dependencies(*g.find("internal-port:ovs1/mgmt")) ==
        std::vector<std::size_t>{*g.find("bridge:ovs1")});
  CHECK(g.dependencies(*g.find("nat:eth0/10.10.0.0/24")).empty());
  CHECK(has_edge(g, "nat:up/10.10.0.0/24", "link:r1/eth1"));
  CHECK(has_edge(g, "nat:up/10.10.0.0/24#2", "link:r1/eth1"));
}

TEST_CASE("build_resource_graph: references to nothing come back from check()") {
  Topology t;
  t.name = "broken";
  Namespace red = ns("red", {iface("eth9", {"10.0.0.1/24"})});
  red.interfaces[0].addresses[0].pos = at(5);
  Route r = route_via("10.0.0.254");
  r.dev = "eth7";
  r.pos = at(6);
  red.routes = {r};
  t.namespaces = {red};
  Link l = link(ep("red", "eth0"), ep("nowhere", "x"));
  l.pos = at(9);
  t.links = {l};

  auto g = build_resource_graph(t);
  auto errors = g.check();
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].message == "link:red/eth0 needs netns:nowhere, which is not defined");
  CHECK(errors[0].where == at(9));
  CHECK(errors[1].message ==
        "address:red/eth9/10.0.0.1/24 needs interface:red/eth9, which is not defined");
  CHECK(errors[1].where == at(5));
  CHECK(errors[2].message == "route:red/default needs interface:red/eth7, which is not defined");
  CHECK(errors[2].where == at(6));
}

TEST_CASE("build_resource_graph: a vlan loop is a dependency cycle") {
  Topology t;
  t.name = "loop";
  InterfaceConfig a = iface("a", {});
  a.vlan = VlanSubInterface{"b", 10, {}, {}, {}};
  InterfaceConfig b = iface("b", {});
  b.vlan = VlanSubInterface{"a", 20, {}, {}, {}};
  t.namespaces = {ns("r1", {a, b})};
  auto errors = build_resource_graph(t).check();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "dependency cycle: vlan:r1/a -> vlan:r1/b -> vlan:r1/a");
}
