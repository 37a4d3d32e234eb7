#include "check/observed.hpp"

#include <set>
#include <type_traits>
#include <variant>

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

namespace {

// The root links the assertions look up by name: the lab's own in the root
// and every host:IF they name. Links holding addresses come anyway (holders
// of a target address); a dump of the root would fill every veth end of the
// other labs on the machine.
std::vector<std::string> root_links_named(const DesiredState& desired,
                                          const std::vector<TestCase>& tests) {
  std::set<std::string> names;
  for (const auto& l : desired.links) {
    if (l.ns.empty()) names.insert(l.name);
    if (l.peer_ns.empty() && !l.peer_name.empty()) names.insert(l.peer_name);
  }
  auto add = [&](const std::optional<Endpoint>& ep) {
    if (ep && netns_of(ep->owner).empty()) names.insert(ep->ifname);
  };
  for (const auto& tc : tests)
    std::visit(
        [&](const auto& c) {
          if constexpr (std::is_same_v<std::decay_t<decltype(c)>, LeaseTest>)
            add(c.client);
          else
            add(c.to.endpoint);
        },
        tc.check);
  return {names.begin(), names.end()};
}

}  // namespace

Observed observe_lab(const DesiredState& desired, const std::vector<TestCase>& tests,
                     Kernel& kernel) {
  std::vector<std::string> names;
  for (const auto& ns : desired.namespaces) names.push_back(ns.name);
  Observed o;
  // Checks read addresses and links, never peers elsewhere (PeerLookup).
  auto st =
      kernel.observe(names, {}, {PeerLookup::ObservedOnly, true, root_links_named(desired, tests)});
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
