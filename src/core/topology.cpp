#include "netlab/topology.hpp"

namespace netlab {

std::string Target::str() const {
  if (endpoint) return endpoint->owner + ":" + endpoint->ifname;
  if (address) return address->str();
  return "?";
}

// The keys by reference: NameIndex compares the key with an element's on
// every hit, and a copy of the name there would cost more than the lookup.
const Namespace* Topology::find_namespace(const std::string& n) const {
  return namespace_index_.find(namespaces, n,
                               [](const Namespace& x) -> const std::string& { return x.name; });
}

const Bridge* Topology::find_bridge(const std::string& n) const {
  return bridge_index_.find(bridges, n,
                            [](const Bridge& x) -> const std::string& { return x.name; });
}

void Topology::names_changed() {
  namespace_index_.invalidate();
  bridge_index_.invalidate();
}

const Machine* Topology::find_machine(const std::string& n) const {
  for (const auto& m : machines)
    if (m.name == n) return &m;
  return nullptr;
}

std::optional<EndpointKind> Topology::endpoint_kind(const std::string& owner) const {
  if (owner == kHostName) return EndpointKind::Host;
  if (find_namespace(owner)) return EndpointKind::Namespace;
  if (find_bridge(owner)) return EndpointKind::Bridge;
  return std::nullopt;
}

}  // namespace netlab
