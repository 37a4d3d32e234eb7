#include "model/render_scene.hpp"

#include <string>

#include "model/placement.hpp"

namespace netlab::render_detail {

namespace {

std::string join_ints(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

std::string lease_text(int seconds) {
  if (seconds == kInfiniteLease) return "infinite";
  if (seconds <= 0) return std::to_string(seconds) + "s";
  if (seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

class Builder {
 public:
  explicit Builder(const Topology& t) : t_(t) {}

  Scene build() {
    for (const auto& ns : t_.namespaces) add_namespace(ns);
    scene_.namespaces.push_back({"", sysctl_lines(t_.host.sysctls)});
    for (const auto& b : t_.bridges) add_bridge(b);
    for (const auto& l : t_.links) add_link(l);
    // Settings: static addresses etc. of interfaces (and ones that come from
    // nowhere, drawn anyway so the picture shows what the file says).
    for (const auto& ns : t_.namespaces)
      for (const auto& c : ns.interfaces) apply_config(ns.name, c);
    for (const auto& c : t_.host.interfaces) apply_config("", c);
    for (const auto& d : t_.dhcp) add_dhcp(d);
    for (const auto& n : t_.host.nat) add_nat(n);
    return std::move(scene_);
  }

 private:
  int intern(const std::string& ns, const std::string& name) {
    int i = scene_.find(ns, name);
    if (i >= 0) return i;
    SceneInterface s;
    s.ns = ns;
    s.name = name;
    scene_.interfaces.push_back(std::move(s));
    return static_cast<int>(scene_.interfaces.size()) - 1;
  }

  static std::vector<std::string> sysctl_lines(const std::vector<Sysctl>& sysctls) {
    std::vector<std::string> out;
    for (const auto& s : sysctls) out.push_back(s.key + " = " + s.value);
    return out;
  }

  void add_namespace(const Namespace& ns) {
    SceneNamespace s{ns.name, {}};
    for (const auto& r : ns.routes) {
      std::string line = r.is_default ? "default" : (r.to ? r.to->str() : "?");
      if (r.via) line += " via " + r.via->str();
      if (r.dev) line += " dev " + *r.dev;
      s.notes.push_back("route " + line);
    }
    for (auto& l : sysctl_lines(ns.sysctls)) s.notes.push_back(std::move(l));
    scene_.namespaces.push_back(std::move(s));
  }

  void apply_options(SceneInterface& i, const PortOptions& o) {
    if (o.vlan) i.access_vlan = o.vlan->value;
    for (const auto& t : o.trunks) i.trunks.push_back(t.value);
  }

  void add_bridge(const Bridge& b) {
    SceneBridge s{&b, {}};
    if (b.kind == BridgeKind::Ovs) {
      s.lines.push_back("Open vSwitch bridge");
      s.lines.push_back(std::string("datapath ") + (b.datapath == Datapath::Auto     ? "auto"
                                                    : b.datapath == Datapath::System ? "system"
                                                                                     : "netdev"));
    } else {
      s.lines.push_back("Linux bridge");
    }
    for (const auto& a : b.addresses) s.lines.push_back(a.value.str());
    scene_.bridges.push_back(std::move(s));
    for (const auto& p : b.ports) {
      int i = intern(p.internal ? internal_port_ns(p) : "", p.name);
      auto& si = scene_.interfaces[i];
      si.bridge = b.name;
      si.internal = p.internal;
      apply_options(si, p.options);
    }
  }

  int endpoint(const Endpoint& e, const PortOptions& o) {
    auto kind = t_.endpoint_kind(e.owner);
    if (kind == EndpointKind::Host) return intern("", e.ifname);
    if (kind == EndpointKind::Bridge) {
      int i = intern("", e.ifname);
      auto& si = scene_.interfaces[i];
      si.bridge = e.owner;
      apply_options(si, o);
      return i;
    }
    return intern(link_end_ns(t_, e), e.ifname);
  }

  void add_link(const Link& l) {
    int a = endpoint(l.a, l.options);
    int b = endpoint(l.b, l.options);
    scene_.links.push_back({a, b});
  }

  void apply_config(const std::string& ns, const InterfaceConfig& c) {
    int i = intern(ns, c.name);
    auto& si = scene_.interfaces[i];
    if (c.vlan) {
      si.vlan_parent = c.vlan->parent;
      si.vlan_id = c.vlan->id;
      intern(ns, c.vlan->parent);  // may reallocate: do not use si after this
    }
    auto& s = scene_.interfaces[i];
    if (c.dhcp) s.lines.push_back("DHCP");
    for (const auto& a : c.addresses) s.lines.push_back(a.value.str());
    if (c.mtu) s.lines.push_back("mtu " + std::to_string(c.mtu->value));
    if (c.mac) s.lines.push_back("mac " + c.mac->value);
  }

  void add_dhcp(const DhcpServer& d) {
    std::string ns = d.namespace_name == kHostName ? "" : d.namespace_name;
    SceneNote n;
    n.interface = intern(ns, d.interface);
    n.title = "dnsmasq (DHCP server)";
    n.lines.push_back("range " + d.range_start.str() + " - " + d.range_end.str());
    if (d.netmask) n.lines.push_back("netmask " + d.netmask->value.str());
    if (d.lease_seconds) n.lines.push_back("lease " + lease_text(d.lease_seconds->value));
    if (d.router) n.lines.push_back("router " + d.router->value.str());
    if (!d.dns.empty()) {
      std::string dns;
      for (const auto& a : d.dns) dns += (dns.empty() ? "" : ", ") + a.value.str();
      n.lines.push_back("dns " + dns);
    }
    for (const auto& h : d.hosts) n.lines.push_back(h.mac + " -> " + h.address.str());
    scene_.notes.push_back(std::move(n));
  }

  void add_nat(const NatRule& r) {
    bool known = scene_.find("", r.out) >= 0;
    SceneNote n;
    n.interface = intern("", r.out);
    if (!known) scene_.interfaces[n.interface].unresolved = true;
    n.title = "NAT masquerade";
    n.lines.push_back("from " + r.source.str());
    n.lines.push_back("out " + r.out);
    scene_.notes.push_back(std::move(n));
  }

  const Topology& t_;
  Scene scene_;
};

}  // namespace

std::string SceneInterface::port_tag() const {
  if (access_vlan > 0) return "VLAN " + std::to_string(access_vlan);
  if (!trunks.empty()) return "trunks " + join_ints(trunks);
  return "";
}

int Scene::find(const std::string& ns, const std::string& name) const {
  for (std::size_t i = 0; i < interfaces.size(); ++i)
    if (interfaces[i].ns == ns && interfaces[i].name == name) return static_cast<int>(i);
  return -1;
}

Scene build_scene(const Topology& topology) { return Builder(topology).build(); }

}  // namespace netlab::render_detail
