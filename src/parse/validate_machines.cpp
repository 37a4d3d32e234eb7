// The rules of a lab spanning machines: machines that exist, one underlay
// address each, bridges whose ports live on the bridge's machine, one VNI
// per stitched link, and MTUs that leave room for the VXLAN header.
#include <map>

#include "model/machines.hpp"
#include "parse/suggest.hpp"
#include "parse/validator.hpp"

namespace netlab {

namespace {

std::string end_text(const Endpoint& e) { return e.owner + ":" + e.ifname; }

}  // namespace

void Validator::check_machines() {
  std::vector<std::string> names;
  for (const auto& m : t.machines) names.push_back(m.name);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;

  std::map<IpAddress, const Machine*> addresses;
  for (const auto& m : t.machines) {
    std::string c = "machine '" + m.name + "'";
    if (m.address.pos.known()) {
      if (m.address.value.family != 4) {
        error(m.address.pos, c + ": address " + m.address.value.str() +
                                 " is IPv6; the VXLAN underlay is IPv4 (an IPv4 address of the "
                                 "machine that the others reach)");
      } else if (auto [it, fresh] = addresses.emplace(m.address.value, &m); !fresh) {
        error(m.address.pos, c + ": address " + m.address.value.str() +
                                 " is also the address of machine '" + it->second->name + "' (" +
                                 at_line(it->second->address.pos) +
                                 "); each machine needs its own underlay address");
      }
    }
    if (m.vxlan_port < 1 || m.vxlan_port > 65535)
      error(m.vxlan_port_pos,
            c + ": vxlan_port " + std::to_string(m.vxlan_port) + " is out of range 1-65535");
    if (m.mtu && (m.mtu->value < 68 + kVxlanOverhead || m.mtu->value > 65535))
      error(m.mtu->pos, c + ": mtu " + std::to_string(m.mtu->value) + " is out of range " +
                            std::to_string(68 + kVxlanOverhead) +
                            "-65535 (a tunnel needs 50 bytes of it and a link at least 68)");
  }

  // Every machine: names one that exists.
  auto check_ref = [&](const std::optional<Located<std::string>>& ref, const std::string& c) {
    if (!ref || t.find_machine(ref->value)) return;
    if (t.machines.empty()) {
      error(ref->pos, c + ": machine '" + ref->value +
                          "' is not declared: the file has no machines: section (add "
                          "machines: {" +
                          ref->value + ": {address: ...}})");
    } else {
      error(ref->pos, c + ": unknown machine '" + ref->value + "'; the machines are " + list +
                          hint(ref->value, names));
    }
  };
  check_ref(t.machine, "machine");
  for (const auto& ns : t.namespaces) {
    std::string c = "namespace '" + ns.name + "'";
    check_ref(ns.machine, c);
    if (!ns.machine && t.machines.size() > 1)
      error(ns.pos, c + ": the lab spans several machines (" + list +
                        "); say which one it is on with machine: NAME");
  }
  for (const auto& b : t.bridges) {
    std::string c = "bridge '" + b.name + "'";
    check_ref(b.machine, c);
    if (!b.machine && t.machines.size() > 1)
      error(b.pos, c + ": the lab spans several machines (" + list +
                       "); say which one it is on with machine: NAME");
    // A bridge is one kernel (or OVS) object: its internal ports cannot be
    // moved into a namespace of another machine.
    std::string bm = machine_of(t, b.name);
    if (bm.empty()) continue;
    for (const auto& p : b.ports) {
      if (!p.namespace_name) continue;
      std::string pm = machine_of(t, p.namespace_name->value);
      if (!pm.empty() && pm != bm && t.find_namespace(p.namespace_name->value))
        error(p.namespace_name->pos,
              c + ", port '" + p.name + "': namespace '" + p.namespace_name->value +
                  "' is on machine '" + pm + "', the bridge on '" + bm +
                  "'; a bridge cannot span machines: put the namespace on '" + bm +
                  "', or link it to the bridge with a link (which is stitched over VXLAN)");
    }
  }

  for (const auto& link : t.links) {
    if (!is_stitched(t, link)) {
      if (link.vni && !t.machines.empty())
        error(link.vni->pos, "link " + end_text(link.a) + " - " + end_text(link.b) +
                                 ": vni applies only to a link between two machines; both ends "
                                 "are on one");
      else if (link.vni)
        error(link.vni->pos, "link " + end_text(link.a) + " - " + end_text(link.b) +
                                 ": vni applies only to a link between two machines, and the "
                                 "file declares no machines:");
      continue;
    }
    auto [ma, mb] = link_machines(t, link);
    const Machine* a = t.find_machine(ma);
    const Machine* b = t.find_machine(mb);
    std::string c = "link " + end_text(link.a) + " - " + end_text(link.b);
    if (a->vxlan_port != b->vxlan_port)
      error(link.pos, c + ": joins machines '" + ma + "' (vxlan_port " +
                          std::to_string(a->vxlan_port) + ") and '" + mb + "' (vxlan_port " +
                          std::to_string(b->vxlan_port) +
                          "); a VXLAN device listens and sends on one port: give both the same");
    // Loss without netem is a drop on the peer's ingress, which is on the
    // other machine: not planned for tunnels yet.
    if (link.conditions && !link.conditions->empty())
      error(link.conditions->pos, c + ": conditions on a link between machines are not supported "
                                      "yet; put them on a link within one machine");
    for (const Endpoint* e : {&link.a, &link.b})
      if (const InterfaceConfig* ic = config(link_end_ns(t, *e), e->ifname);
          ic && ic->conditions && !ic->conditions->empty())
        error(ic->conditions->pos, c + ": conditions on a link between machines are not "
                                       "supported yet; put them on a link within one machine");
    // The tunnel carries the ends' frames plus 50 bytes over the smaller underlay.
    int room = std::min(underlay_mtu(*a), underlay_mtu(*b)) - kVxlanOverhead;
    for (const Endpoint* e : {&link.a, &link.b}) {
      const InterfaceConfig* ic = config(link_end_ns(t, *e), e->ifname);
      if (!ic || !ic->mtu || ic->mtu->value <= room) continue;
      error(ic->mtu->pos, c + ": interface " + end_text(*e) + " has mtu " +
                              std::to_string(ic->mtu->value) + " but the VXLAN tunnel between '" +
                              ma + "' and '" + mb + "' carries at most " + std::to_string(room) +
                              " (underlay mtu " + std::to_string(room + kVxlanOverhead) + " - " +
                              std::to_string(kVxlanOverhead) +
                              " bytes of VXLAN over IPv4); lower it or raise the machines' mtu");
    }
  }
  for (auto& e : vni_collisions(t)) errors.push_back(std::move(e));
}

}  // namespace netlab
