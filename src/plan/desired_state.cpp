// Topology -> DesiredState: where every interface lives, what it carries,
// the daemons and their files.
#include "netlab/desired_state.hpp"

#include <algorithm>
#include <cstdio>

#include "model/placement.hpp"
#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"
#include "netlab/nat.hpp"

namespace netlab {

namespace {

// A stitched end's MAC, from its VNI and side, so that a share rebuilt on
// one machine keeps the address the other machine's neighbour table holds
// (a kernel-chosen one left it stale and the first ping after a rebuild
// failed). Locally administered: 02:4e ('N'), the VNI, 0a or 0b.
std::string stitched_mac(std::uint32_t vni, bool side_a) {
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:4e:%02x:%02x:%02x:%s", (vni >> 16) & 0xff, (vni >> 8) & 0xff,
                vni & 0xff, side_a ? "0a" : "0b");
  return mac;
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
  if (cfg->state_up) link.up = cfg->state_up->value;
  if (cfg->conditions && !cfg->conditions->empty()) link.conditions = cfg->conditions;
}

std::vector<int> sorted_trunks(const PortOptions& o) {
  std::vector<int> v;
  for (const auto& t : o.trunks) v.push_back(t.value);
  std::sort(v.begin(), v.end());
  return v;
}

// The first static IPv4 address of interface `ifname` in `ns`.
std::optional<IpPrefix> static_ipv4(const DesiredState& d, const std::string& ns,
                                    const std::string& ifname) {
  if (const DesiredLink* l = d.find_link(ns, ifname))
    for (const auto& a : l->addresses)
      if (a.family() == 4) return a;
  return std::nullopt;
}

// The DHCP servers and clients of `t` as daemons with their files in
// `state_dir`; a server's own address comes from the model's interfaces.
Status add_daemons(DesiredState& d, const Topology& t, const std::string& state_dir) {
  for (const auto& server : t.dhcp) {
    auto inst =
        make_dnsmasq(server, state_dir, static_ipv4(d, server.namespace_name, server.interface));
    if (!inst.ok()) {
      Error e = inst.error();
      if (!e.where.known()) e.where = server.pos;
      return e;
    }
    d.daemons.push_back(DaemonSpec{*inst, server.pos});
  }
  for (const auto& ns : t.namespaces) {
    for (const auto& c : ns.interfaces) {
      if (!c.dhcp) continue;
      auto inst = make_dhclient(state_dir, ns.name, c.name);
      if (!inst.ok()) return inst.error();
      d.daemons.push_back(DaemonSpec{*inst, c.pos});
    }
  }
  // Services last: plan order among them is file order, `after` adds edges.
  for (const auto& ns : t.namespaces)
    for (const auto& s : ns.services)
      d.daemons.push_back(DaemonSpec{make_service(s, ns.name, state_dir), s.pos});
  return {};
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

std::vector<std::string> DesiredState::holders_of(const IpAddress& address) const {
  std::vector<std::string> out;
  for (const auto& ns : namespace_names()) {
    bool holds = false;
    for (const auto& l : links)
      if (l.ns == ns)
        for (const auto& a : l.addresses) holds |= a.address == address;
    if (holds) out.push_back(ns);
  }
  return out;
}

std::string DesiredState::nat_table() const {
  return std::string(kNatFamily) + " " + nat_table_name(lab);
}

DesiredState empty_desired_state(const std::string& lab) {
  DesiredState d;
  d.lab = lab;
  return d;
}

DesiredState desired_network(const Topology& t) {
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
      std::string ns = internal_port_ns(p);
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
      // A link to another machine: only this machine's end, a VXLAN device.
      if (link.stitch && link.stitch->local_is_a != (i == 0)) continue;
      DesiredLink l;
      l.ns = link_end_ns(t, e);
      l.name = e.ifname;
      l.kind = LinkKind::Veth;
      l.peer_name = other.ifname;
      l.peer_ns = link_end_ns(t, other);
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
      if (link.conditions && !link.conditions->empty()) l.conditions = link.conditions;
      if (link.stitch) {
        const Stitch& s = *link.stitch;
        l.kind = LinkKind::Vxlan;
        l.peer_name.clear();
        l.peer_ns.clear();
        l.tx_checksum_off = false;
        l.vxlan = VxlanRequest{l.ns, l.name, s.vni, s.local, s.remote, s.port, ""};
        if (!l.mtu) l.mtu = s.mtu;
        if (!l.mac) l.mac = stitched_mac(s.vni, s.local_is_a);
      }
      d.links.push_back(l);
    }
  }

  // VLAN sub-interfaces, routes, sysctls.
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

Result<DesiredState> desired_state(const Topology& t, const std::string& state_dir) {
  DesiredState d = desired_network(t);
  if (auto st = add_daemons(d, t, state_dir); !st.ok()) return st.error();
  return d;
}

}  // namespace netlab
