// One observation of the live lab, shared by every assertion of a run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netlab/desired_state.hpp"
#include "netlab/kernel.hpp"
#include "netlab/live_state.hpp"
#include "netlab/topology.hpp"

namespace netlab::check {

/// The kernel state of the lab's namespaces (and the root namespace), or why
/// it could not be read. Read-only once made, so threads may share it.
struct Observed {
  std::optional<KernelState> state;
  std::string error;  ///< set when `state` is empty

  /// The link `ifname` in `ns` ("" = root), or nullptr (also when unobserved).
  const LinkState* find_link(const std::string& ns, const std::string& ifname) const;
  /// Namespaces ("" = root) with a link holding `address`, in name order.
  std::vector<std::string> holders_of(const IpAddress& address) const;
  /// The links of `ns` holding `address`, in name order (empty when unobserved).
  std::vector<const LinkState*> links_holding(const std::string& ns,
                                              const IpAddress& address) const;
};

/// Observes every namespace of the lab and, of the root namespace, the
/// lab's links, the links `tests` name there (host:IF) and every link that
/// holds an address (ObserveOptions::root_links): not the other root links.
Observed observe_lab(const DesiredState& desired, const std::vector<TestCase>& tests,
                     Kernel& kernel);

/// The namespace an endpoint owner names: "" for "host", else the owner.
std::string netns_of(const std::string& owner);
/// "netns red" or "the root namespace", for messages.
std::string where(const std::string& ns);

}  // namespace netlab::check
