// Resolving an assertion's `to:` (NS:IF or a literal address) to an address.
#pragma once

#include <string>
#include <vector>

#include "check/observed.hpp"
#include "netlab/desired_state.hpp"
#include "netlab/error.hpp"
#include "netlab/topology.hpp"

namespace netlab::check {

struct ResolvedTarget {
  IpAddress address;
  /// Namespaces ("" = root) that hold the address, where a tcp listener goes:
  /// the endpoint's own namespace, or for a literal address every lab
  /// namespace holding it (none when it is outside the lab).
  std::vector<std::string> holders;
  /// "dhcp-r:tap-r (10.20.30.2)" for an endpoint, "10.20.30.2" for a literal.
  std::string label;
};

/// What the assertions read of a lab: the file (its assertions, which names
/// are bridges) and the desired model built from it (which interface has
/// which addresses, where): the facts every other stage reads too.
struct Model {
  const Topology& topology;
  const DesiredState& desired;
};

/// NS:IF -> its first static IPv4 address (else its first static address);
/// for `dhcp: true` (or an interface without static addresses) the address it
/// holds now according to `observed` (IPv4 first). A literal address is taken
/// as is. Fails with a message saying why, e.g. "blue:eth0-b holds no address
/// (no DHCP lease?)".
Result<ResolvedTarget> resolve_target(const Model& model, const Target& target,
                                      const Observed& observed);

/// Picks the address a check should use from a list: the first IPv4, else the first.
std::optional<IpAddress> preferred_address(const std::vector<IpPrefix>& addresses);

}  // namespace netlab::check
