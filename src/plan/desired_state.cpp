// Topology -> DesiredState: where every interface lives and what it carries.
#include "netlab/desired_state.hpp"

#include <algorithm>

namespace netlab {

namespace {

std::string ns_of(const Topology& t, const std::string& owner) {
  auto kind = t.endpoint_kind(owner);
  return kind == EndpointKind::Namespace ? owner : "";
}

const InterfaceConfig* find_config(const std::vector<InterfaceConfig>& list,
                                   const std::string& name) {
  for (const auto& c : list)
    if (c.name == name) return &c;
  return nullptr;
}

void apply_config(DesiredLink& link, const InterfaceConfig* cfg) {
  if (!cfg) return;
  for (const auto& a : cfg->addresses) link.addresses.push_back(a.value);
  if (cfg->mtu) link.mtu = cfg->mtu->value;
  if (cfg->mac) link.mac = cfg->mac->value;
  link.dhcp = cfg->dhcp;
}

std::vector<int> sorted_trunks(const PortOptions& o) {
  std::vector<int> v;
  for (const auto& t : o.trunks) v.push_back(t.value);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

const DesiredLink* DesiredState::find_link(const std::string& ns, const std::string& name) const {
  // Interface names cannot contain '/', so "ns/name" is unambiguous.
  return link_index_.find(links, ns + "/" + name,
                          [](const DesiredLink& l) { return l.ns + "/" + l.name; });
}

std::vector<std::string> DesiredState::namespace_names() const {
  std::vector<std::string> v{""};
  for (const auto& n : namespaces) v.push_back(n.name);
  return v;
}

DesiredState empty_desired_state(const std::string& lab) {
  DesiredState d;
  d.lab = lab;
  return d;
}

DesiredState desired_state(const Topology& t) {
  DesiredState d;
  d.lab = t.name;
  auto configs_of = [&](const std::string& ns) -> const std::vector<InterfaceConfig>& {
    if (ns.empty()) return t.host.interfaces;
    return t.find_namespace(ns)->interfaces;
  };

  for (const auto& ns : t.namespaces) {
    d.namespaces.push_back({ns.name, ns.pos});
    DesiredLink lo;
    lo.ns = ns.name;
    lo.name = "lo";
    lo.kind = LinkKind::Loopback;
    lo.pos = ns.pos;
    d.links.push_back(lo);
  }

  for (const auto& b : t.bridges) {
    if (b.kind == BridgeKind::Linux) {
      DesiredLink l;
      l.name = b.name;
      l.kind = LinkKind::Bridge;
      l.pos = b.pos;
      for (const auto& a : b.addresses) l.addresses.push_back(a.value);
      d.links.push_back(l);
    } else {
      d.ovs_bridges.push_back({b.name, b.datapath, b.pos});
      if (!b.addresses.empty()) {
        // The bridge's own internal port carries its addresses.
        DesiredLink l;
        l.name = b.name;
        l.kind = LinkKind::OvsInternal;
        l.pos = b.pos;
        for (const auto& a : b.addresses) l.addresses.push_back(a.value);
        d.links.push_back(l);
      }
    }
    for (const auto& p : b.ports) {
      std::string ns = p.namespace_name ? p.namespace_name->value : "";
      if (b.kind == BridgeKind::Ovs) {
        DesiredOvsPort port{b.name, p.name, p.internal, ns, std::nullopt, sorted_trunks(p.options),
                            p.pos};
        if (p.options.vlan) port.tag = p.options.vlan->value;
        d.ovs_ports.push_back(port);
      }
      if (p.internal) {
        DesiredLink l;
        l.ns = ns;
        l.name = p.name;
        l.kind = LinkKind::OvsInternal;
        l.pos = p.pos;
        apply_config(l, find_config(configs_of(ns), p.name));
        d.links.push_back(l);
      }
    }
  }

  for (const auto& link : t.links) {
    const Endpoint* ends[2] = {&link.a, &link.b};
    for (int i = 0; i < 2; ++i) {
      const Endpoint& e = *ends[i];
      const Endpoint& other = *ends[1 - i];
      DesiredLink l;
      l.ns = ns_of(t, e.owner);
      l.name = e.ifname;
      l.kind = LinkKind::Veth;
      l.peer_name = other.ifname;
      l.peer_ns = ns_of(t, other.owner);
      l.primary = i == 0;
      l.pos = e.pos;
      if (const Bridge* ob = t.find_bridge(other.owner); ob && ob->kind == BridgeKind::Ovs)
        l.tx_checksum_off = true;
      if (const Bridge* b = t.find_bridge(e.owner)) {
        if (b->kind == BridgeKind::Linux) {
          l.master = b->name;
        } else {
          DesiredOvsPort port{
              b->name, e.ifname, false, "", std::nullopt, sorted_trunks(link.options), e.pos};
          if (link.options.vlan) port.tag = link.options.vlan->value;
          d.ovs_ports.push_back(port);
        }
      } else {
        apply_config(l, find_config(configs_of(l.ns), e.ifname));
      }
      d.links.push_back(l);
    }
  }

  // VLAN sub-interfaces, routes, sysctls, DHCP clients.
  auto per_namespace = [&](const std::string& ns, const std::vector<InterfaceConfig>& ifs) {
    for (const auto& c : ifs) {
      if (c.vlan) {
        DesiredLink l;
        l.ns = ns;
        l.name = c.name;
        l.kind = LinkKind::Vlan;
        l.vlan_parent = c.vlan->parent;
        l.vlan_id = c.vlan->id;
        l.pos = c.pos;
        apply_config(l, &c);
        d.links.push_back(l);
      }
      if (c.dhcp) {
        d.dhcp_clients.push_back(c);
        d.dhcp_client_ns.push_back(ns);
      }
    }
  };
  for (const auto& ns : t.namespaces) {
    per_namespace(ns.name, ns.interfaces);
    for (const auto& r : ns.routes) {
      RouteRequest rr;
      rr.family = r.family;
      rr.dst = r.to;
      rr.gateway = r.via;
      rr.dev = r.dev.value_or("");
      d.routes.push_back({ns.name, rr, r.pos});
    }
    for (const auto& s : ns.sysctls) d.sysctls.push_back({ns.name, s.key, s.value, s.pos});
  }
  per_namespace("", t.host.interfaces);
  for (const auto& s : t.host.sysctls) d.sysctls.push_back({"", s.key, s.value, s.pos});
  d.dhcp_servers = t.dhcp;
  d.nat = t.host.nat;
  return d;
}

}  // namespace netlab
