// interfaces:, routes: and sysctls: of namespaces and host.
#include "parse/names.hpp"
#include "parse/suggest.hpp"
#include "parse/sysctl_keys.hpp"
#include "parse/validator.hpp"

namespace netlab {

void Validator::check_interfaces() {
  auto check_list = [&](const std::string& ns, const std::vector<InterfaceConfig>& list) {
    std::string where = ns.empty() ? "host" : "namespace '" + ns + "'";
    FirstSeen seen;
    for (const auto& ic : list) {
      std::string c = where + ", interface '" + ic.name + "'";
      if (auto p = ifname_problem(ic.name)) {
        error(ic.pos, where + ": interface name '" + ic.name + "' " + *p);
      }
      auto [it, fresh] = seen.emplace(ic.name, &ic.pos);
      if (!fresh) {
        error(ic.pos, c + ": configured twice (first at " + at_line(*it->second) + ")");
      }
      const InterfacePlacement* pl = placed(ns, ic.name);
      if (!pl && !gaps.placement) {
        std::string msg;
        if (ns.empty()) {
          msg = c +
                ": not created by this lab; host interfaces must be host link ends "
                "(host:" +
                ic.name +
                " in links), bridges, internal OVS ports or vlan: "
                "sub-interfaces";
        } else {
          msg = c + ": nothing creates it in this namespace; it must be a link end (" + ns + ":" +
                ic.name + " in links), an internal OVS port with namespace: " + ns +
                ", or a vlan: sub-interface";
        }
        error(ic.pos, msg + hint(ic.name, placed_names(ns)));
      } else if (pl && ns.empty() && pl->source == InterfacePlacement::Source::VethEnd &&
                 bridge_ends.count(ic.name)) {
        error(ic.pos, c + ": it is a port of bridge '" + bridge_ends.at(ic.name) +
                          "', and a bridge port carries no L3 settings; configure the bridge "
                          "or an internal port instead");
      }
      if (ic.dhcp && ns.empty()) {
        // A DHCP client in the root namespace would rewrite the host's routes
        // and resolv.conf: a topology shapes the lab, never the host.
        error(ic.pos, c + ": dhcp: true is refused on a host interface, because a DHCP client in "
                          "the root namespace would rewrite the host's routes and DNS; put the "
                          "interface in a namespace (NS:IF in links) or give it addresses:");
      } else if (ic.dhcp && !ic.addresses.empty()) {
        error(ic.pos, c + ": dhcp: true and static addresses exclude each other; drop one");
      }
      if (ic.mtu && (ic.mtu->value < 68 || ic.mtu->value > 65535)) {
        error(ic.mtu->pos,
              c + ": mtu " + std::to_string(ic.mtu->value) + " is out of range 68-65535");
      }
      if (ic.mac && !parse_mac(ic.mac->value)) {
        error(ic.mac->pos, c + ": mac '" + ic.mac->value + "' is not a MAC address");
      }
      if (ic.vlan) {
        check_vlan_id(ic.vlan->id, ic.vlan->id_pos.known() ? ic.vlan->id_pos : ic.vlan->pos, c);
        SourcePos ppos = ic.vlan->parent_pos.known() ? ic.vlan->parent_pos : ic.vlan->pos;
        if (ic.vlan->parent == ic.name) {
          error(ppos, c + ": a vlan sub-interface cannot be its own parent");
        } else if (!placed(ns, ic.vlan->parent) && !gaps.placement) {
          error(ppos, c + ": vlan parent '" + ic.vlan->parent + "' is not an interface of " +
                          (ns.empty() ? std::string("this lab in the root namespace")
                                      : "namespace '" + ns + "'") +
                          hint(ic.vlan->parent, placed_names(ns)));
        }
      }
    }
  };
  for (const auto& ns : t.namespaces) check_list(ns.name, ns.interfaces);
  check_list("", t.host.interfaces);
}

void Validator::check_routes_and_sysctls() {
  auto check_sysctls = [&](const std::string& where, const std::vector<Sysctl>& list,
                           bool in_namespace) {
    for (const auto& s : list) {
      if (auto p = sysctl_key_problem(s.key, in_namespace)) {
        error(s.pos, where + ": sysctl '" + s.key + "' " + *p);
      }
      if (s.value.find('\n') != std::string::npos) {
        error(s.pos, where + ": sysctl '" + s.key + "' has a value spanning several lines");
      }
    }
  };
  for (const auto& ns : t.namespaces) {
    std::string where = "namespace '" + ns.name + "'";
    for (const auto& r : ns.routes) {
      std::string c = where + ", route to " + (r.is_default ? "default" : r.to ? r.to->str() : "?");
      if (!r.via && !r.dev) {
        error(r.pos, c + ": give via (a gateway address) or dev (an interface), or both");
      }
      if (r.via && r.to && r.via->family != r.to->family()) {
        error(r.via_pos.known() ? r.via_pos : r.pos,
              c + ": via " + r.via->str() + " is IPv" + std::to_string(r.via->family) +
                  " but the destination is IPv" + std::to_string(r.to->family()));
      }
      if (r.dev && *r.dev != "lo" && !placed(ns.name, *r.dev) && !gaps.placement) {
        error(r.dev_pos.known() ? r.dev_pos : r.pos,
              c + ": dev '" + *r.dev + "' is not an interface of namespace '" + ns.name + "'" +
                  hint(*r.dev, placed_names(ns.name)));
      }
    }
    check_sysctls(where, ns.sysctls, true);
  }
  check_sysctls("host", t.host.sysctls, false);
}

}  // namespace netlab
