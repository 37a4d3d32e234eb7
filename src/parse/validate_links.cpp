// Links and bridges: endpoints resolve, names are valid, port options make sense.
#include "parse/names.hpp"
#include "parse/suggest.hpp"
#include "parse/validator.hpp"

namespace netlab {

void Validator::check_links() {
  std::vector<std::string> owners = namespace_names();
  for (const auto& b : t.bridges) owners.push_back(b.name);
  owners.push_back(kHostName);
  for (const auto& link : t.links) {
    bool resolved = true, any_bridge = false;
    for (const Endpoint* e : {&link.a, &link.b}) {
      std::string c = "link end '" + e->owner + ":" + e->ifname + "'";
      auto kind = t.endpoint_kind(e->owner);
      if (!kind) {
        resolved = false;
        if (!gaps.names)
          error(e->pos, c + ": there is no namespace or bridge named '" + e->owner + "'" +
                            hint(e->owner, owners));
      } else if (*kind == EndpointKind::Bridge) {
        any_bridge = true;
      }
      if (auto p = ifname_problem(e->ifname)) {
        error(e->pos, c + ": interface name '" + e->ifname + "' " + *p);
      }
    }
    std::string c =
        "link " + link.a.owner + ":" + link.a.ifname + " <-> " + link.b.owner + ":" + link.b.ifname;
    check_port_options(link.options, c);
    if (resolved && !any_bridge && !link.options.empty()) {
      SourcePos pos = link.options.vlan ? link.options.vlan->pos : link.options.trunks_pos;
      error(pos, c + ": vlan and trunks set bridge port options, and neither end is a bridge; "
                     "drop them or connect one end to a bridge");
    }
  }
}

void Validator::check_bridges() {
  std::vector<std::string> nss = namespace_names();
  for (const auto& b : t.bridges) {
    std::string bc = "bridge '" + b.name + "'";
    if (b.kind == BridgeKind::Linux && b.datapath_pos.known()) {
      error(b.datapath_pos,
            bc + ": datapath applies to ovs bridges only; drop it or set kind: ovs");
    }
    if (b.kind == BridgeKind::Linux) {
      // The kernel's BR_MAX_PORTS: the 1025th port fails with EXFULL in the
      // middle of an up (rolled back, but late); say so before anything runs.
      std::size_t ports = b.ports.size();
      for (const auto& [end, owner] : bridge_ends) ports += owner == b.name;
      if (ports > kLinuxBridgeMaxPorts) {
        error(b.pos, bc + ": " + std::to_string(ports) + " ports; a Linux bridge takes at most " +
                         std::to_string(kLinuxBridgeMaxPorts) +
                         " (the kernel's BR_MAX_PORTS): spread the links over several bridges, "
                         "or use kind: ovs");
      }
    }
    for (const auto& p : b.ports) {
      std::string c = bc + ", port '" + p.name + "'";
      if (auto problem = ifname_problem(p.name)) {
        error(p.pos, c + ": interface name '" + p.name + "' " + *problem);
      }
      if (is_link_end_of(b.name, p.name)) {
        error(p.pos, c + ": '" + b.name + ":" + p.name +
                         "' is also a link end; a link end is a port already — set vlan/trunks "
                         "on the link instead of declaring the port");
      }
      if (p.internal && b.kind != BridgeKind::Ovs) {
        error(p.pos, c + ": internal ports exist only on ovs bridges; set kind: ovs on the bridge");
      }
      if (p.namespace_name) {
        const auto& ns = p.namespace_name->value;
        if (!p.internal) {
          error(p.namespace_name->pos,
                c + ": namespace: moves an internal port into a namespace; add internal: true "
                    "or drop namespace:");
        } else if (ns == kHostName) {
          error(p.namespace_name->pos,
                c + ": ports stay in the root namespace unless moved; drop namespace: host");
        } else if (!t.find_namespace(ns) && !gaps.names) {
          error(p.namespace_name->pos,
                c + ": there is no namespace named '" + ns + "'" + hint(ns, nss));
        }
      }
      check_port_options(p.options, c);
    }
  }
}

}  // namespace netlab
