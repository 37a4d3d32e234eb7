#include "check/observed.hpp"

namespace netlab::check {

const LinkState* Observed::find_link(const std::string& ns, const std::string& ifname) const {
  if (!state) return nullptr;
  if (ns.empty()) return state->root.find_link(ifname);
  auto it = state->namespaces.find(ns);
  return it == state->namespaces.end() ? nullptr : it->second.find_link(ifname);
}

std::vector<std::string> Observed::holders_of(const IpAddress& address) const {
  std::vector<std::string> out;
  if (!state) return out;
  auto holds = [&](const NamespaceState& n) {
    for (const auto& [name, link] : n.links)
      for (const auto& a : link.addresses)
        if (a.address == address) return true;
    return false;
  };
  if (holds(state->root)) out.push_back("");
  for (const auto& [name, n] : state->namespaces)
    if (holds(n)) out.push_back(name);
  return out;
}

std::vector<const LinkState*> Observed::links_holding(const std::string& ns,
                                                      const IpAddress& address) const {
  std::vector<const LinkState*> out;
  if (!state) return out;
  const NamespaceState* n = &state->root;
  if (!ns.empty()) {
    auto it = state->namespaces.find(ns);
    if (it == state->namespaces.end()) return out;
    n = &it->second;
  }
  for (const auto& [name, link] : n->links)
    for (const auto& a : link.addresses)
      if (a.address == address) {
        out.push_back(&link);
        break;
      }
  return out;
}

Observed observe_lab(const Topology& topology, Kernel& kernel) {
  std::vector<std::string> names;
  for (const auto& ns : topology.namespaces) names.push_back(ns.name);
  Observed o;
  auto st = kernel.observe(names, {});
  if (st.ok()) {
    o.state = std::move(*st);
  } else {
    o.error = st.error().str();
  }
  return o;
}

std::string netns_of(const std::string& owner) { return owner == kHostName ? "" : owner; }

std::string where(const std::string& ns) {
  return ns.empty() ? "the root namespace" : "netns " + ns;
}

}  // namespace netlab::check
