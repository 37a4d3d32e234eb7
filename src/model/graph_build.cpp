// build_resource_graph: a Topology as the objects to create and what each
// needs. Interfaces are placed by the rules of model/placement.hpp: first
// every interface the lab makes is mapped to the node that makes it, then
// the nodes and their edges are added by key.
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/placement.hpp"
#include "model/resource_graph.hpp"

namespace netlab {

namespace {

// "" (the root namespace) is written "host" in keys and labels.
std::string owner(const std::string& ns) { return ns.empty() ? std::string(kHostName) : ns; }
std::string where(const std::string& ns, const std::string& ifname) {
  return owner(ns) + ":" + ifname;
}

class Builder {
 public:
  explicit Builder(const Topology& t) : t_(t) {}

  ResourceGraph build() {
    place();
    for (const auto& ns : t_.namespaces)
      g_.add_node({ResourceKind::Namespace, ns_key(ns.name), "namespace " + ns.name, ns.pos});
    for (const auto& b : t_.bridges) add_bridge(b);
    for (const auto& l : t_.links) add_link(l);
    for (const auto& b : t_.bridges)
      for (const auto& p : b.ports) add_declared_port(b, p);
    for (const auto& ns : t_.namespaces)
      for (const auto& c : ns.interfaces) add_vlan(ns.name, c);
    for (const auto& c : t_.host.interfaces) add_vlan("", c);
    for (const auto& b : t_.bridges)
      for (const auto& a : b.addresses) add_address("", b.name, a);
    for (const auto& ns : t_.namespaces)
      for (const auto& c : ns.interfaces)
        for (const auto& a : c.addresses) add_address(ns.name, c.name, a);
    for (const auto& c : t_.host.interfaces)
      for (const auto& a : c.addresses) add_address("", c.name, a);
    for (const auto& ns : t_.namespaces)
      for (const auto& r : ns.routes) add_route(ns.name, r);
    for (const auto& s : t_.host.sysctls) add_sysctl("", s);
    for (const auto& ns : t_.namespaces)
      for (const auto& s : ns.sysctls) add_sysctl(ns.name, s);
    for (const auto& d : t_.dhcp) add_dhcp_server(d);
    for (const auto& ns : t_.namespaces)
      for (const auto& c : ns.interfaces) add_dhcp_client(ns.name, c);
    for (const auto& c : t_.host.interfaces) add_dhcp_client("", c);
    for (const auto& n : t_.host.nat) add_nat(n);
    return std::move(g_);
  }

 private:
  // (namespace, name), "" = root, as one hashed key: the ordered maps of
  // string pairs these were cost ~10% of building a 1000-host graph, and
  // nothing iterates them. The names of a valid topology hold no '\0' (the
  // validator refuses control characters), so the key is unambiguous; short
  // keys need no allocation.
  static std::string if_id(const std::string& ns, const std::string& name) {
    std::string id;
    id.reserve(ns.size() + 1 + name.size());
    id += ns;
    id += '\0';
    id += name;
    return id;
  }

  static std::string ns_key(const std::string& ns) { return resource_key::netns(ns); }
  static std::string bridge_key(const std::string& b) { return resource_key::bridge(b); }
  // A link is named after its first end, as written ("link:ovs1/veth-r").
  static std::string link_key(const Link& l) {
    return resource_key::link(ns_of_owner(l.a.owner), l.a.ifname);
  }
  static std::string ns_of_owner(const std::string& o) { return o == kHostName ? "" : o; }

  // The key of the node that makes interface `name` in `ns`; for one the lab
  // does not make, a key that is no node (so an edge to it dangles).
  std::string iface_key(const std::string& ns, const std::string& name) const {
    auto it = ifaces_.find(if_id(ns, name));
    return it != ifaces_.end() ? it->second : "interface:" + owner(ns) + "/" + name;
  }
  bool lab_interface(const std::string& ns, const std::string& name) const {
    return ifaces_.count(if_id(ns, name)) > 0;
  }
  // The first definition wins: a second one is a validation error, and the
  // duplicate node it makes is reported by check().
  void place_one(const std::string& ns, const std::string& name, std::string key) {
    ifaces_.emplace(if_id(ns, name), std::move(key));
  }

  void place() {
    for (const auto& b : t_.bridges) place_one("", b.name, bridge_key(b.name));
    for (const auto& l : t_.links) {
      // An owner that is nothing is taken as a namespace: its edge dangles
      // and check() says so.
      place_one(link_end_ns(t_, l.a), l.a.ifname, link_key(l));
      place_one(link_end_ns(t_, l.b), l.b.ifname, link_key(l));
    }
    for (const auto& b : t_.bridges)
      for (const auto& p : b.ports)
        if (p.internal)
          place_one(internal_port_ns(p), p.name, resource_key::internal_port(b.name, p.name));
    for (const auto& ns : t_.namespaces)
      for (const auto& c : ns.interfaces)
        if (c.vlan) place_one(ns.name, c.name, vlan_key(ns.name, c.name));
    for (const auto& c : t_.host.interfaces)
      if (c.vlan) place_one("", c.name, vlan_key("", c.name));
  }

  static std::string vlan_key(const std::string& ns, const std::string& name) {
    return resource_key::vlan(ns, name);
  }

  // Routes and NAT rules may legitimately repeat a key (the validator does
  // not forbid it); they get "#2", "#3"... so that they stay distinct nodes.
  std::string unique(const std::string& key) {
    if (!g_.contains(key)) return key;
    for (int n = 2;; ++n) {
      std::string k = key + "#" + std::to_string(n);
      if (!g_.contains(k)) return k;
    }
  }

  void add_bridge(const Bridge& b) {
    bool ovs = b.kind == BridgeKind::Ovs;
    g_.add_node({ovs ? ResourceKind::OvsBridge : ResourceKind::LinuxBridge, bridge_key(b.name),
                 (ovs ? "OVS bridge " : "Linux bridge ") + b.name, b.pos});
  }

  void add_link(const Link& l) {
    std::string key = link_key(l);
    g_.add_node({ResourceKind::Link, key,
                 "veth " + l.a.owner + ":" + l.a.ifname + " <-> " + l.b.owner + ":" + l.b.ifname,
                 l.pos});
    for (const Endpoint* e : {&l.a, &l.b}) {
      auto kind = t_.endpoint_kind(e->owner);
      if (kind == EndpointKind::Host) continue;
      if (kind == EndpointKind::Bridge) {
        g_.add_edge(key, bridge_key(e->owner));
      } else {
        g_.add_edge(key, ns_key(e->owner));
      }
    }
    for (const Endpoint* e : {&l.a, &l.b}) {
      if (t_.endpoint_kind(e->owner) != EndpointKind::Bridge) continue;
      std::string port = resource_key::port(e->owner, e->ifname);
      g_.add_node(
          {ResourceKind::BridgePort, port, "port " + e->ifname + " on " + e->owner, e->pos});
      g_.add_edge(port, bridge_key(e->owner));
      g_.add_edge(port, key);
    }
  }

  void add_declared_port(const Bridge& b, const BridgePort& p) {
    if (p.internal) {
      std::string ns = internal_port_ns(p);
      std::string key = resource_key::internal_port(b.name, p.name);
      std::string label = "internal port " + p.name + " on " + b.name;
      if (!ns.empty()) label += " in " + ns;
      g_.add_node({ResourceKind::InternalPort, key, label, p.pos});
      g_.add_edge(key, bridge_key(b.name));
      if (!ns.empty()) g_.add_edge(key, ns_key(ns));
      return;
    }
    // An existing interface (e.g. the machine's eth1), unless the lab makes it.
    std::string key = resource_key::port(b.name, p.name);
    g_.add_node({ResourceKind::BridgePort, key, "port " + p.name + " on " + b.name, p.pos});
    g_.add_edge(key, bridge_key(b.name));
    if (lab_interface("", p.name)) g_.add_edge(key, iface_key("", p.name));
  }

  void add_vlan(const std::string& ns, const InterfaceConfig& c) {
    if (!c.vlan) return;
    std::string key = vlan_key(ns, c.name);
    g_.add_node(
        {ResourceKind::VlanInterface, key,
         "vlan " + std::to_string(c.vlan->id) + " " + where(ns, c.name) + " on " + c.vlan->parent,
         c.pos});
    if (!ns.empty()) g_.add_edge(key, ns_key(ns));
    g_.add_edge(key, iface_key(ns, c.vlan->parent));
  }

  void add_address(const std::string& ns, const std::string& ifname, const Located<IpPrefix>& a) {
    const std::string prefix = a.value.str();
    std::string key = resource_key::address(ns, ifname, prefix);
    g_.add_node({ResourceKind::Address, key, prefix + " on " + where(ns, ifname), a.pos});
    g_.add_edge(key, iface_key(ns, ifname));
    addresses_[if_id(ns, ifname)].push_back(key);
    ns_addresses_[ns].push_back({a.value, std::move(key)});
  }

  void add_route(const std::string& ns, const Route& r) {
    std::string dest = r.is_default ? (r.family == 6 ? "default6" : "default")
                                    : (r.to ? r.to->str() : std::string("?"));
    std::string key = unique(resource_key::route(ns, dest));
    std::string label = "route " + (r.is_default ? std::string("default") : dest);
    if (r.via) label += " via " + r.via->str();
    if (r.dev) label += " dev " + *r.dev;
    g_.add_node({ResourceKind::Route, key, label + " in " + owner(ns), r.pos});
    if (!ns.empty()) g_.add_edge(key, ns_key(ns));
    if (r.dev) g_.add_edge(key, iface_key(ns, *r.dev));
    // The kernel accepts a gateway only on a connected network: the route
    // needs the address that makes `via` connected.
    if (r.via)
      for (const auto& [prefix, akey] : ns_addresses_[ns])
        if (prefix.contains(*r.via)) g_.add_edge(key, akey);
  }

  void add_sysctl(const std::string& ns, const Sysctl& s) {
    std::string key = resource_key::sysctl(ns, s.key);
    g_.add_node(
        {ResourceKind::Sysctl, key, "sysctl " + s.key + "=" + s.value + " in " + owner(ns), s.pos});
    if (!ns.empty()) g_.add_edge(key, ns_key(ns));
  }

  void add_dhcp_server(const DhcpServer& d) {
    std::string ns = ns_of_owner(d.namespace_name);
    std::string key = resource_key::dhcp_server(ns, d.interface);
    g_.add_node({ResourceKind::DhcpServer, key, "DHCP server on " + where(ns, d.interface), d.pos});
    servers_.push_back(key);
    if (!ns.empty()) g_.add_edge(key, ns_key(ns));
    auto it = addresses_.find(if_id(ns, d.interface));
    if (it == addresses_.end()) {
      g_.add_edge(key, iface_key(ns, d.interface));  // no address: invalid, but keep the order
      return;
    }
    for (const auto& a : it->second) g_.add_edge(key, a);
  }

  void add_dhcp_client(const std::string& ns, const InterfaceConfig& c) {
    if (!c.dhcp) return;
    std::string key = resource_key::dhcp_client(ns, c.name);
    g_.add_node({ResourceKind::DhcpClient, key, "DHCP client on " + where(ns, c.name), c.pos});
    g_.add_edge(key, iface_key(ns, c.name));
    // Which server answers depends on L2 segments and VLANs; waiting for all
    // of the lab's servers is simple and always enough.
    for (const auto& s : servers_) g_.add_edge(key, s);
  }

  void add_nat(const NatRule& n) {
    std::string key = unique(resource_key::nat(n.out, n.source.str()));
    g_.add_node({ResourceKind::NatRule, key, "NAT " + n.source.str() + " out " + n.out, n.pos});
    // `out` may be one of the machine's own interfaces: no edge then.
    if (lab_interface("", n.out)) g_.add_edge(key, iface_key("", n.out));
  }

  const Topology& t_;
  ResourceGraph g_;
  std::unordered_map<std::string, std::string> ifaces_;  ///< if_id -> the key that makes it
  std::unordered_map<std::string, std::vector<std::string>> addresses_;  ///< if_id -> keys
  std::unordered_map<std::string, std::vector<std::pair<IpPrefix, std::string>>> ns_addresses_;
  std::vector<std::string> servers_;
};

}  // namespace

ResourceGraph build_resource_graph(const Topology& topology) { return Builder(topology).build(); }

}  // namespace netlab
