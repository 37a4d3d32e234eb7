// Names: the lab, namespaces, bridges; and names used twice where they must be unique.
#include <algorithm>

#include "parse/names.hpp"
#include "parse/validator.hpp"

namespace netlab {

void Validator::check_names() {
  if (auto p = lab_name_problem(t.name)) {
    if (t.name_pos.known()) {
      error(t.name_pos, "lab name '" + t.name + "' " + *p);
    } else {
      error(SourcePos{t.file, 1, 1},
            "lab name '" + t.name + "' " + *p +
                "; the file has no name: key, so its file name names the lab — add name: with "
                "a-z, 0-9 and '-', at most 24 characters");
    }
  }
  FirstSeen seen;
  for (const auto& ns : t.namespaces) {
    if (ns.name == kHostName) {
      error(ns.pos,
            "namespace name 'host' is reserved for the root namespace (host:IF in links); pick "
            "another name");
    } else if (auto p = netns_problem(ns.name)) {
      error(ns.pos, "namespace name '" + ns.name + "' " + *p);
    }
    auto [it, fresh] = seen.emplace(ns.name, &ns.pos);
    if (!fresh) {
      error(ns.pos,
            "namespace '" + ns.name + "' is defined twice (first at " + at_line(*it->second) + ")");
    }
  }
  FirstSeen bridges;
  for (const auto& b : t.bridges) {
    if (b.name == kHostName) {
      error(b.pos, "bridge name 'host' is reserved for the root namespace; pick another name");
    } else if (auto p = ifname_problem(b.name)) {
      error(b.pos, "bridge name '" + b.name + "' " + *p);
    } else if (b.name.rfind(kProbeBridgePrefix, 0) == 0) {
      error(b.pos, "bridge name '" + b.name + "' is reserved: netlab names its OVS datapath " +
                       "probe bridges " + kProbeBridgePrefix + "<pid>; pick another name");
    }
    if (const Namespace* ns = t.find_namespace(b.name)) {
      error(b.pos, "bridge '" + b.name + "' has the name of namespace '" + ns->name + "' (" +
                       at_line(ns->pos) + "), so an endpoint '" + b.name +
                       ":IF' would be ambiguous; rename one");
    }
    auto [it, fresh] = bridges.emplace(b.name, &b.pos);
    if (!fresh) {
      error(b.pos,
            "bridge '" + b.name + "' is defined twice (first at " + at_line(*it->second) + ")");
    }
  }
}

namespace {

// Views of the validator's placements and the topology's ports: the uses
// of a big lab are sorted, and moving copies of names and positions cost.
struct RootUse {
  std::string_view name;
  const SourcePos* pos;
  std::string what;
};

}  // namespace

void Validator::check_root_names() {
  // Everything that takes a name in the root namespace (or, for OVS, in the
  // switch's global port table): bridges, veth ends at bridges and at host,
  // internal ports left in root, declared ports, vlan sub-interfaces of host.
  std::vector<RootUse> uses;
  for (const auto* p : by_ns[""]) {
    std::string what;
    switch (p->source) {
      case InterfacePlacement::Source::Bridge:
        what = "a bridge";
        break;
      case InterfacePlacement::Source::VethEnd:
        what = bridge_ends.count(p->name) ? "a link end" : "a host link end";
        break;
      case InterfacePlacement::Source::OvsInternalPort: {
        // A declared port that is also a link end has its own error (check_bridges).
        auto it = bridge_ends.find(p->name);
        if (it != bridge_ends.end() && is_link_end_of(it->second, p->name)) continue;
        what = "an internal port";
        break;
      }
      case InterfacePlacement::Source::VlanSub:
        what = "a vlan sub-interface";
        break;
    }
    uses.push_back({p->name, &p->pos, std::move(what)});
  }
  for (const auto& b : t.bridges) {
    for (const auto& port : b.ports) {
      // Internal ports are placed already; a port that is also a link end is
      // reported by check_bridges with a more specific message.
      if (port.internal || is_link_end_of(b.name, port.name)) continue;
      uses.push_back({port.name, &port.pos, "a port of bridge '" + b.name + "'"});
    }
  }
  std::stable_sort(uses.begin(), uses.end(),
                   [](const RootUse& a, const RootUse& b) { return *a.pos < *b.pos; });
  std::unordered_map<std::string_view, const RootUse*> first;
  for (const auto& u : uses) {
    auto [it, fresh] = first.emplace(u.name, &u);
    if (fresh) continue;
    error(*u.pos, "name '" + std::string(u.name) + "' is used twice in the root namespace (" +
                      u.what + " here, " + it->second->what + " at " + at_line(*it->second->pos) +
                      "); root-namespace interface and bridge names must be unique");
  }
}

void Validator::check_namespace_duplicates() {
  for (const auto& [ns, list] : by_ns) {
    if (ns.empty() || list.size() < 2) continue;  // one interface is never twice
    std::unordered_map<std::string_view, const InterfacePlacement*> first;
    std::vector<const InterfacePlacement*> sorted(list.begin(), list.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto* a, const auto* b) { return a->pos < b->pos; });
    for (const auto* p : sorted) {
      auto [it, fresh] = first.emplace(p->name, p);
      if (!fresh) {
        error(p->pos, "interface '" + p->name + "' is defined twice in namespace '" + ns +
                          "' (first at " + at_line(it->second->pos) + ")");
      }
    }
  }
}

}  // namespace netlab
