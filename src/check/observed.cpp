#include "check/observed.hpp"

namespace netlab::check {

const LinkState* Observed::find_link(const std::string& ns, const std::string& ifname) const {
  return state ? state->find_link(ns, ifname) : nullptr;
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
  const NamespaceState* n = state ? state->find_ns(ns) : nullptr;
  if (!n) return out;
  for (const auto& [name, link] : n->links)
    for (const auto& a : link.addresses)
      if (a.address == address) {
        out.push_back(&link);
        break;
      }
  return out;
}

Observed observe_lab(const DesiredState& desired, Kernel& kernel) {
  std::vector<std::string> names;
  for (const auto& ns : desired.namespaces) names.push_back(ns.name);
  Observed o;
  // Checks read addresses and links, never peers elsewhere (PeerLookup).
  auto st = kernel.observe(names, {}, {PeerLookup::ObservedOnly, true, std::nullopt});
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
