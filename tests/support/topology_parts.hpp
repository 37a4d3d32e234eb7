// Pieces of a hand-built Topology for tests that describe objects they made
// themselves (or that do not link the parser): one namespace, one link.
#pragma once

#include <string>
#include <vector>

#include "netlab/topology.hpp"

namespace netlab::testing {

/// A namespace with these interfaces and nothing else.
Namespace namespace_with(const std::string& name, std::vector<InterfaceConfig> interfaces);

/// The link between a:ifa and b:ifb, with no options.
Link link_between(const std::string& a, const std::string& ifa, const std::string& b,
                  const std::string& ifb);

}  // namespace netlab::testing
