// render_dot / render_mermaid: structure of the picture, escaping, and that
// Graphviz itself accepts the DOT (dot -Tsvg).
#include "model/render.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/system.hpp"

using namespace netlab;

namespace {

IpPrefix pfx(const char* s) { return *IpPrefix::parse(s); }
IpAddress addr(const char* s) { return *IpAddress::parse(s); }

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

Link link(Endpoint a, Endpoint b, int vlan = 0, std::vector<int> trunks = {}) {
  Link l;
  l.a = std::move(a);
  l.b = std::move(b);
  if (vlan) l.options.vlan = Located<int>{vlan, {}};
  for (int t : trunks) l.options.trunks.push_back({t, {}});
  return l;
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

/// Demo 03: VLAN multitenancy with two DHCP servers.
Topology demo03() {
  Topology t;
  t.name = "demo03";
  t.namespaces = {ns("red", {iface("eth0-r", {}, true)}), ns("blue", {iface("eth0-b", {}, true)}),
                  ns("dhcp-r", {iface("tap-r", {"10.20.30.2/24"})}),
                  ns("dhcp-b", {iface("tap-b", {"10.20.30.2/24"})})};
  Bridge b;
  b.name = "ovs1";
  b.kind = BridgeKind::Ovs;
  b.datapath = Datapath::Auto;
  b.ports = {internal_port("tap-r", "dhcp-r", 100), internal_port("tap-b", "dhcp-b", 200)};
  t.bridges = {b};
  t.links = {link(ep("red", "eth0-r"), ep("ovs1", "veth-r"), 100),
             link(ep("blue", "eth0-b"), ep("ovs1", "veth-b"), 200)};
  t.dhcp = {dhcp("dhcp-r", "tap-r"), dhcp("dhcp-b", "tap-b")};
  return t;
}

/// The guide's routed example: routes, forwarding, NAT.
Topology routed_nat() {
  Topology t;
  t.name = "routed-nat";
  Namespace app = ns("app", {iface("eth0", {"10.77.0.2/24"})});
  Route r;
  r.is_default = true;
  r.via = addr("10.77.0.1");
  app.routes.push_back(r);
  t.namespaces = {app, ns("internet", {iface("eth0", {"198.51.100.2/24"})})};
  t.links = {link(ep("app", "eth0"), ep("host", "nl-app")),
             link(ep("internet", "eth0"), ep("host", "nl-inet"))};
  t.host.sysctls = {{"net.ipv4.ip_forward", "1", {}}};
  t.host.interfaces = {iface("nl-app", {"10.77.0.1/24"}), iface("nl-inet", {"198.51.100.1/24"})};
  for (const char* out : {"nl-inet", "eth0"}) {
    NatRule n;
    n.source = pfx("10.77.0.0/24");
    n.out = out;
    t.host.nat.push_back(n);
  }
  return t;
}

/// Two OVS bridges joined by a trunk, a Linux bridge with an address, a vlan sub-interface.
Topology trunks_and_subifs() {
  Topology t;
  t.name = "trunks";
  InterfaceConfig sub = iface("eth1.10", {"10.10.0.1/24"});
  sub.vlan = VlanSubInterface{};
  sub.vlan->parent = "eth1";
  sub.vlan->id = 10;
  InterfaceConfig eth1 = iface("eth1", {"172.31.255.2/30", "fd00::2/64"});
  eth1.mtu = Located<int>{1400, {}};
  eth1.mac = Located<std::string>{"02:00:00:00:00:01", {}};
  t.namespaces = {ns("r1", {eth1, sub})};
  Bridge o1, o2, br0;
  o1.name = "ovs1";
  o1.kind = BridgeKind::Ovs;
  o2.name = "ovs2";
  o2.kind = BridgeKind::Ovs;
  o2.datapath = Datapath::Netdev;
  br0.name = "br0";
  br0.kind = BridgeKind::Linux;
  br0.addresses = {{pfx("10.9.0.1/24"), {}}};
  t.bridges = {o1, o2, br0};
  t.links = {link(ep("ovs1", "trunk1"), ep("ovs2", "trunk2"), 0, {100, 200}),
             link(ep("r1", "eth1"), ep("br0", "br0-r1"))};
  return t;
}

/// Names full of characters that need quoting in DOT, HTML labels and Mermaid.
Topology awkward_names() {
  Topology t;
  t.name = "a\"b<c>&d";
  t.namespaces = {ns("end", {iface("x\"y", {"10.0.0.1/24"})}), ns("a\\b", {iface("p<q>&#1", {})}),
                  ns("eth0_r", {iface("e|`1", {})}), ns("eth0-r", {})};
  t.links = {link(ep("end", "x\"y"), ep("a\\b", "p<q>&#1")),
             link(ep("eth0_r", "e|`1"), ep("unknown-owner", "z"))};
  return t;
}

/// Runs `dot -Tsvg` on `text`; returns its exit code.
int run_dot(const std::string& text) {
  char path[] = "/tmp/netlab-render-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream f(path);
    f << text;
  }
  auto out = netlab::testing::run({"dot", "-Tsvg", "-o", "/dev/null", path});
  std::remove(path);
  return out.exit_code;
}

/// The body of `subgraph "cluster..." { ... }` whose label holds `label_text`.
std::string cluster_with_label(const std::string& dot, const std::string& label_text) {
  std::size_t pos = 0;
  while ((pos = dot.find("  subgraph \"cluster", pos)) != std::string::npos) {
    std::size_t end = dot.find("\n  }\n", pos);
    std::string body = dot.substr(pos, end - pos);
    std::size_t nl = body.find('\n');
    if (body.find(label_text, nl) < body.find('\n', nl + 1)) return body;
    pos = end;
  }
  return "";
}

/// The statement (one line) that declares node `node_id` (quoted).
std::string node_line(const std::string& dot, const std::string& node_id) {
  std::size_t pos = dot.find("    " + node_id + " [");
  if (pos == std::string::npos) return "";
  return dot.substr(pos, dot.find('\n', pos) - pos);
}

bool has_edge(const std::string& dot, const std::string& a, const std::string& b) {
  return dot.find(a + " -- " + b + " [") != std::string::npos ||
         dot.find(b + " -- " + a + " [") != std::string::npos;
}

std::string edge_line(const std::string& dot, const std::string& a, const std::string& b) {
  for (auto key : {a + " -- " + b + " [", b + " -- " + a + " ["}) {
    std::size_t pos = dot.find(key);
    if (pos != std::string::npos) return dot.substr(pos, dot.find('\n', pos) - pos);
  }
  return "";
}

}  // namespace

TEST_CASE("dot: every namespace is a cluster holding its interfaces", "[render]") {
  auto t = demo03();
  auto dot = render_dot(t);
  for (const auto& n : t.namespaces) {
    auto body = cluster_with_label(dot, "<B>namespace " + n.name + "</B>");
    INFO(n.name);
    REQUIRE_FALSE(body.empty());
    for (const auto& i : n.interfaces)
      CHECK(body.find("\"if:" + n.name + "/" + i.name + "\" [") != std::string::npos);
  }
  auto host = cluster_with_label(dot, "<B>host</B> (root namespace)");
  REQUIRE_FALSE(host.empty());
  CHECK(host.find("\"br:ovs1\" [") != std::string::npos);
  CHECK(host.find("\"if:/veth-r\" [") != std::string::npos);
  CHECK(host.find("\"if:/veth-b\" [") != std::string::npos);
  // The internal ports live in the servers' namespaces, not in the root.
  CHECK(host.find("tap-r") == std::string::npos);
  CHECK(cluster_with_label(dot, "namespace dhcp-r").find("\"if:dhcp-r/tap-r\"") !=
        std::string::npos);
}

TEST_CASE("dot: interfaces show their addresses or DHCP", "[render]") {
  auto dot = render_dot(demo03());
  CHECK(node_line(dot, "\"if:red/eth0-r\"").find("DHCP") != std::string::npos);
  CHECK(node_line(dot, "\"if:dhcp-r/tap-r\"").find("10.20.30.2/24") != std::string::npos);
  auto r1 = render_dot(trunks_and_subifs());
  auto eth1 = node_line(r1, "\"if:r1/eth1\"");
  CHECK(eth1.find("172.31.255.2/30") != std::string::npos);
  CHECK(eth1.find("fd00::2/64") != std::string::npos);
  CHECK(eth1.find("mtu 1400") != std::string::npos);
  CHECK(eth1.find("02:00:00:00:00:01") != std::string::npos);
}

TEST_CASE("dot: every link is an edge between its two interfaces", "[render]") {
  for (const auto& t : {demo03(), routed_nat(), trunks_and_subifs()}) {
    auto dot = render_dot(t);
    for (const auto& l : t.links) {
      auto side = [&](const Endpoint& e) {
        auto k = t.endpoint_kind(e.owner);
        std::string n = (k == EndpointKind::Namespace) ? e.owner : "";
        return "\"if:" + n + "/" + e.ifname + "\"";
      };
      INFO(t.name << ": " << l.a.owner << ":" << l.a.ifname << " -- " << l.b.owner << ":"
                  << l.b.ifname);
      CHECK(has_edge(dot, side(l.a), side(l.b)));
      CHECK(edge_line(dot, side(l.a), side(l.b)).find("veth pair") != std::string::npos);
    }
  }
}

TEST_CASE("dot: bridges are nodes with kind and datapath; ports carry VLAN tags", "[render]") {
  auto dot = render_dot(demo03());
  auto br = node_line(dot, "\"br:ovs1\"");
  CHECK(br.find("Open vSwitch bridge") != std::string::npos);
  CHECK(br.find("datapath auto") != std::string::npos);
  CHECK(node_line(dot, "\"if:/veth-r\"").find("VLAN 100") != std::string::npos);
  CHECK(node_line(dot, "\"if:/veth-b\"").find("VLAN 200") != std::string::npos);
  CHECK(edge_line(dot, "\"if:/veth-r\"", "\"br:ovs1\"").find("label=\"port\"") !=
        std::string::npos);
  // Each VLAN has its own colour, on the port and on the link into it.
  auto color = [](const std::string& line) {
    std::smatch m;
    std::regex_search(line, m, std::regex("color=\"(#[0-9a-f]{6})\""));
    return m.size() > 1 ? m[1].str() : std::string();
  };
  auto c100 = color(node_line(dot, "\"if:/veth-r\""));
  auto c200 = color(node_line(dot, "\"if:/veth-b\""));
  CHECK_FALSE(c100.empty());
  CHECK(c100 != c200);
  CHECK(color(edge_line(dot, "\"if:red/eth0-r\"", "\"if:/veth-r\"")) == c100);

  auto tr = render_dot(trunks_and_subifs());
  CHECK(node_line(tr, "\"br:ovs2\"").find("datapath netdev") != std::string::npos);
  auto br0 = node_line(tr, "\"br:br0\"");
  CHECK(br0.find("Linux bridge") != std::string::npos);
  CHECK(br0.find("10.9.0.1/24") != std::string::npos);
  CHECK(br0.find("datapath") == std::string::npos);
  CHECK(node_line(tr, "\"if:/trunk1\"").find("trunks 100,200") != std::string::npos);
  CHECK(node_line(tr, "\"if:/trunk2\"").find("trunks 100,200") != std::string::npos);
  CHECK(has_edge(tr, "\"if:/trunk1\"", "\"br:ovs1\""));
  CHECK(has_edge(tr, "\"if:/trunk2\"", "\"br:ovs2\""));
  CHECK(has_edge(tr, "\"if:/br0-r1\"", "\"br:br0\""));
}

TEST_CASE("dot: internal ports, vlan sub-interfaces, DHCP servers and NAT", "[render]") {
  auto dot = render_dot(demo03());
  auto tap = node_line(dot, "\"if:dhcp-r/tap-r\"");
  CHECK(tap.find("internal port of ovs1") != std::string::npos);
  CHECK(tap.find("VLAN 100") != std::string::npos);
  auto e = edge_line(dot, "\"br:ovs1\"", "\"if:dhcp-r/tap-r\"");
  CHECK(e.find("internal port") != std::string::npos);
  CHECK(e.find("style=dashed") != std::string::npos);
  // The DHCP server is a note in the server's namespace, tied to its interface.
  auto server_ns = cluster_with_label(dot, "namespace dhcp-r");
  CHECK(server_ns.find("dnsmasq") != std::string::npos);
  CHECK(server_ns.find("range 10.20.30.10 - 10.20.30.100") != std::string::npos);
  CHECK(has_edge(dot, "\"if:dhcp-r/tap-r\"", "\"note:0\""));
  CHECK(has_edge(dot, "\"if:dhcp-b/tap-b\"", "\"note:1\""));

  auto tr = render_dot(trunks_and_subifs());
  CHECK(edge_line(tr, "\"if:r1/eth1\"", "\"if:r1/eth1.10\"").find("802.1Q tag 10") !=
        std::string::npos);

  auto nat = render_dot(routed_nat());
  auto host = cluster_with_label(nat, "<B>host</B> (root namespace)");
  CHECK(host.find("NAT masquerade") != std::string::npos);
  CHECK(host.find("from 10.77.0.0/24") != std::string::npos);
  CHECK(host.find("net.ipv4.ip_forward = 1") != std::string::npos);
  CHECK(has_edge(nat, "\"if:/nl-inet\"", "\"note:0\""));
  // `out: eth0` is the machine's own interface: drawn dashed, not made by the lab.
  CHECK(node_line(nat, "\"if:/eth0\"").find("dashed") != std::string::npos);
  CHECK(node_line(nat, "\"if:/nl-inet\"").find("dashed") == std::string::npos);
  CHECK(cluster_with_label(nat, "namespace app").find("route default via 10.77.0.1") !=
        std::string::npos);
}

TEST_CASE("dot: an empty namespace shows its loopback", "[render]") {
  Topology t;
  t.name = "demo01";
  t.namespaces = {ns("red"), ns("blue")};
  auto dot = render_dot(t);
  CHECK(cluster_with_label(dot, "namespace red").find("\"lo:red\"") != std::string::npos);
  CHECK(dot.find("cluster_host") == std::string::npos);  // nothing of the lab in the root
  CHECK(run_dot(dot) == 0);
}

TEST_CASE("dot: names are quoted and escaped", "[render]") {
  auto dot = render_dot(awkward_names());
  CHECK(dot.find("graph \"lab a\\\"b<c>&d\" {") != std::string::npos);
  CHECK(dot.find("\"if:end/x\\\"y\" [") != std::string::npos);
  CHECK(dot.find("\"if:a\\\\b/p<q>&#1\" [") != std::string::npos);
  CHECK(dot.find("<B>p&lt;q&gt;&amp;#1</B>") != std::string::npos);
  CHECK(dot.find("<B>x&quot;y</B>") != std::string::npos);
  // An owner that resolves to nothing is drawn as a namespace rather than lost.
  CHECK_FALSE(cluster_with_label(dot, "namespace unknown-owner").empty());
  CHECK(run_dot(dot) == 0);
}

TEST_CASE("dot: graphviz accepts the output", "[render][graphviz]") {
  for (const auto& t : {demo03(), routed_nat(), trunks_and_subifs(), awkward_names(), Topology{}}) {
    INFO(t.name);
    CHECK(run_dot(render_dot(t)) == 0);
  }
}

TEST_CASE("render output is deterministic", "[render]") {
  CHECK(render_dot(demo03()) == render_dot(demo03()));
  CHECK(render_mermaid(demo03()) == render_mermaid(demo03()));
}

TEST_CASE("mermaid: subgraphs, nodes and edges", "[render][mermaid]") {
  auto m = render_mermaid(demo03());
  CHECK(m.find("flowchart LR\n") != std::string::npos);
  for (auto n : {"red", "blue", "dhcp-r", "dhcp-b"})
    CHECK(m.find("[\"namespace " + std::string(n) + "\"]") != std::string::npos);
  CHECK(m.find("subgraph root_host[\"host (root namespace)\"]") != std::string::npos);
  CHECK(m.find("if_red_eth0_r ===|\"veth pair\"| host__veth_r") != std::string::npos);
  CHECK(m.find("if_blue_eth0_b ===|\"veth pair\"| host__veth_b") != std::string::npos);
  CHECK(m.find("host__veth_r ---|\"port<br/>VLAN 100\"| br_ovs1") != std::string::npos);
  CHECK(m.find("br_ovs1 -.-|\"internal port<br/>VLAN 100\"| if_dhcp_r_tap_r") != std::string::npos);
  CHECK(m.find("Open vSwitch bridge<br/>datapath auto") != std::string::npos);
  CHECK(m.find("range 10.20.30.10 - 10.20.30.100") != std::string::npos);
}

TEST_CASE("mermaid: ids are sanitized and unique, labels escaped", "[render][mermaid]") {
  auto m = render_mermaid(awkward_names());
  // Every subgraph / node id: only [A-Za-z0-9_], never a bare keyword.
  std::regex decl(R"(^\s*(?:subgraph )?([^\s\[\(]+)[\[\(])");
  std::set<std::string> ids;
  std::istringstream in(m);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch s;
    if (line.rfind("  class", 0) == 0 || !std::regex_search(line, s, decl)) continue;
    INFO(line);
    CHECK(std::regex_match(s[1].str(), std::regex("[A-Za-z0-9_]+")));
    CHECK(s[1].str() != "end");
    CHECK(ids.insert(s[1].str()).second);
  }
  CHECK(ids.size() >= 8);
  // "eth0_r" and "eth0-r" sanitize alike: two different subgraph ids.
  CHECK(m.find("ns_eth0_r[\"namespace eth0_r\"]") != std::string::npos);
  CHECK(m.find("ns_eth0_r_2[\"namespace eth0-r\"]") != std::string::npos);
  CHECK(m.find("x#quot;y") != std::string::npos);
  CHECK(m.find("p#lt;q#gt;#amp;#35;1") != std::string::npos);
  CHECK(m.find("e#124;#96;1") != std::string::npos);
  CHECK(m.find("x\"y") == std::string::npos);
}
