// Where every interface of a topology lives, derived from links, ports and
// vlan sub-interfaces (interfaces: sections only configure them).
#include "model/placement.hpp"

namespace netlab {

std::string link_end_ns(const Topology& t, const Endpoint& e) {
  auto kind = t.endpoint_kind(e.owner);
  return (!kind || *kind == EndpointKind::Namespace) ? e.owner : "";
}

std::string internal_port_ns(const BridgePort& p) {
  std::string ns = p.namespace_name ? p.namespace_name->value : "";
  return ns == kHostName ? "" : ns;
}

std::vector<InterfacePlacement> place_interfaces(const Topology& t) {
  using Src = InterfacePlacement::Source;
  std::vector<InterfacePlacement> out;
  for (const auto& b : t.bridges) out.push_back({"", b.name, Src::Bridge, b.pos});
  for (const auto& link : t.links) {
    for (const Endpoint* e : {&link.a, &link.b}) {
      if (!t.endpoint_kind(e->owner)) continue;  // unresolved: the validator reports it
      out.push_back({link_end_ns(t, *e), e->ifname, Src::VethEnd, e->pos});
    }
  }
  for (const auto& b : t.bridges) {
    // Placed even on a Linux bridge (which the validator rejects), so that
    // one mistake gives one error.
    for (const auto& p : b.ports) {
      if (!p.internal) continue;  // a non-internal declared port is an existing interface
      out.push_back({internal_port_ns(p), p.name, Src::OvsInternalPort, p.pos});
    }
  }
  for (const auto& ns : t.namespaces) {
    for (const auto& ic : ns.interfaces)
      if (ic.vlan) out.push_back({ns.name, ic.name, Src::VlanSub, ic.pos});
  }
  for (const auto& ic : t.host.interfaces)
    if (ic.vlan) out.push_back({"", ic.name, Src::VlanSub, ic.pos});
  return out;
}

}  // namespace netlab
