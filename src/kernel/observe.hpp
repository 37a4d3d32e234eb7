// Reading a fresh snapshot of namespaces, links, addresses, routes and
// sysctls with netlink dumps (libnl messages, parsed here).
#pragma once

#include <string>
#include <vector>

#include "kernel/netns_store.hpp"
#include "kernel/nl_transact.hpp"
#include "netlab/kernel.hpp"
#include "netlab/kernel_state.hpp"

namespace netlab::nl {

/// See Kernel::observe.
Result<KernelState> observe(NetnsStore& store, const std::vector<std::string>& namespaces,
                            const std::vector<std::string>& sysctl_keys,
                            const ObserveOptions& options = {});

/// The netns id that `observer`'s namespace gives to the namespace open as
/// `target_fd` (RTM_GETNSID); -1 when it has none.
Reply peer_netns_id(NetnsHandle& observer, int target_fd, int& nsid);

}  // namespace netlab::nl
