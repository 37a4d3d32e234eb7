#include "parse/parse.hpp"
#include "parse/validator.hpp"

namespace netlab {

std::string at_line(const SourcePos& pos) {
  return pos.known() ? "line " + std::to_string(pos.line) : "elsewhere";
}

Validator::Validator(const Topology& topo, ParseGaps g)
    : t(topo), placements(place_interfaces(topo)), gaps(std::move(g)) {
  for (const auto& p : placements) by_ns[p.ns].push_back(&p);
  for (const auto& link : t.links) {
    for (const Endpoint* e : {&link.a, &link.b}) {
      if (t.endpoint_kind(e->owner) == EndpointKind::Bridge) bridge_ends[e->ifname] = e->owner;
    }
  }
}

void Validator::error(const SourcePos& pos, std::string message) {
  errors.push_back(Error{ErrorKind::InvalidTopology, std::move(message), pos});
}

const InterfacePlacement* Validator::placed(const std::string& ns, const std::string& name) const {
  auto it = by_ns.find(ns);
  if (it == by_ns.end()) return nullptr;
  for (const auto* p : it->second)
    if (p->name == name) return p;
  return nullptr;
}

std::vector<std::string> Validator::placed_names(const std::string& ns) const {
  std::vector<std::string> out;
  auto it = by_ns.find(ns);
  if (it != by_ns.end())
    for (const auto* p : it->second) out.push_back(p->name);
  return out;
}

const InterfaceConfig* Validator::config(const std::string& ns, const std::string& name) const {
  const std::vector<InterfaceConfig>* list = &t.host.interfaces;
  if (!ns.empty()) {
    const Namespace* n = t.find_namespace(ns);
    if (!n) return nullptr;
    list = &n->interfaces;
  }
  for (const auto& ic : *list)
    if (ic.name == name) return &ic;
  return nullptr;
}

std::vector<std::string> Validator::namespace_names() const {
  std::vector<std::string> out;
  for (const auto& ns : t.namespaces) out.push_back(ns.name);
  return out;
}

void Validator::check_vlan_id(int id, const SourcePos& pos, const std::string& context) {
  if (id < 1 || id > 4094) {
    error(pos, context + ": VLAN id " + std::to_string(id) + " is out of range 1-4094");
  }
}

void Validator::check_port_options(const PortOptions& o, const std::string& context) {
  if (o.vlan) check_vlan_id(o.vlan->value, o.vlan->pos, context);
  std::set<int> seen;
  for (const auto& tr : o.trunks) {
    check_vlan_id(tr.value, tr.pos, context);
    if (!seen.insert(tr.value).second) {
      error(tr.pos, context + ": VLAN " + std::to_string(tr.value) + " is listed twice in trunks");
    }
  }
  if (o.vlan && !o.trunks.empty()) {
    error(o.trunks_pos, context +
                            ": vlan and trunks are mutually exclusive on a port (vlan makes an "
                            "access port, trunks a trunk port); keep one");
  }
}

bool Validator::is_link_end_of(const std::string& bridge, const std::string& port) const {
  for (const auto& link : t.links) {
    for (const Endpoint* e : {&link.a, &link.b})
      if (e->owner == bridge && e->ifname == port) return true;
  }
  return false;
}

std::vector<Error> Validator::run() {
  check_names();
  check_root_names();
  check_namespace_duplicates();
  check_links();
  check_bridges();
  check_interfaces();
  check_routes_and_sysctls();
  check_dhcp();
  check_nat();
  check_tests();
  check_services();
  check_conditions();
  check_machines();
  sort_by_position(errors);
  return std::move(errors);
}

std::vector<Error> validate_topology(const Topology& topology) {
  return validate_with_gaps(topology, ParseGaps{});
}

std::vector<Error> validate_with_gaps(const Topology& topology, const ParseGaps& gaps) {
  try {
    return Validator(topology, gaps).run();
  } catch (const std::exception& e) {
    return {Error{ErrorKind::Bug, std::string("validation failed: ") + e.what(), {}}};
  }
}

}  // namespace netlab
