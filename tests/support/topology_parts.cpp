#include "support/topology_parts.hpp"

#include <utility>

namespace netlab::testing {

// Named members rather than a braced list: a list that stops early trips
// -Wmissing-field-initializers.
Namespace namespace_with(const std::string& name, std::vector<InterfaceConfig> interfaces) {
  Namespace ns;
  ns.name = name;
  ns.interfaces = std::move(interfaces);
  return ns;
}

Link link_between(const std::string& a, const std::string& ifa, const std::string& b,
                  const std::string& ifb) {
  Link l;
  l.a = {a, ifa, {}};
  l.b = {b, ifb, {}};
  return l;
}

}  // namespace netlab::testing
