#include "check/observed.hpp"

namespace netlab::check {

namespace {

/// The observed namespace `ns` ("" = root), or nullptr.
const NamespaceState* namespace_state(const Observed& o, const std::string& ns) {
  if (!o.state) return nullptr;
  if (ns.empty()) return &o.state->root;
  auto it = o.state->namespaces.find(ns);
  return it == o.state->namespaces.end() ? nullptr : &it->second;
}

}  // namespace

const LinkState* Observed::find_link(const std::string& ns, const std::string& ifname) const {
  const NamespaceState* n = namespace_state(*this, ns);
  return n ? n->find_link(ifname) : nullptr;
}

std::vector<std::string> Observed::holders_of(const IpAddress& address) const {
  std::vector<std::string> out;
  if (!state) return out;
  if (!links_holding("", address).empty()) out.push_back("");
  for (const auto& [name, n] : state->namespaces)
    if (!links_holding(name, address).empty()) out.push_back(name);
  return out;
}

std::vector<const LinkState*> Observed::links_holding(const std::string& ns,
                                                      const IpAddress& address) const {
  std::vector<const LinkState*> out;
  const NamespaceState* n = namespace_state(*this, ns);
  if (!n) return out;
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
