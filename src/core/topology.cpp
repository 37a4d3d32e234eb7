#include "netlab/topology.hpp"

namespace netlab {

std::string Target::str() const {
  if (endpoint) return endpoint->owner + ":" + endpoint->ifname;
  if (address) return address->str();
  return "?";
}

const Namespace* Topology::find_namespace(const std::string& n) const {
  for (const auto& ns : namespaces)
    if (ns.name == n) return &ns;
  return nullptr;
}

const Bridge* Topology::find_bridge(const std::string& n) const {
  for (const auto& b : bridges)
    if (b.name == n) return &b;
  return nullptr;
}

std::optional<EndpointKind> Topology::endpoint_kind(const std::string& owner) const {
  if (owner == kHostName) return EndpointKind::Host;
  if (find_namespace(owner)) return EndpointKind::Namespace;
  if (find_bridge(owner)) return EndpointKind::Bridge;
  return std::nullopt;
}

}  // namespace netlab
