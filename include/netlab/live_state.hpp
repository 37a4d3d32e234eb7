// Observed state of a whole lab (LiveState: kernel, OVS, state directory,
// daemons, NAT), in one fresh snapshot: what plans compare with the desired
// state. The kernel's part is in kernel_state.hpp.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "netlab/daemon_spec.hpp"
#include "netlab/kernel_state.hpp"
#include "netlab/loss.hpp"
#include "netlab/nat.hpp"
#include "netlab/ovs.hpp"

namespace netlab {

/// Everything observed for one lab, in one fresh snapshot.
struct LiveState {
  KernelState kernel;
  std::optional<OvsState> ovs;  ///< nullopt when the lab needs no OVS and it was not read
  std::set<std::string> owned_namespaces;                 ///< recorded in the lab's state directory
  std::map<std::string, std::string> saved_host_sysctls;  ///< values before the lab changed them
  std::map<std::string, DaemonState> daemons;  ///< recorded in the state directory, by id
  std::optional<NatTableState> nat;            ///< the lab's nftables table (nullopt: not read)
  /// The lab's netdev loss tables, by namespace ("" = root), where they
  /// exist (nullopt: not read).
  std::optional<std::map<std::string, LossTableState>> loss;
};

}  // namespace netlab
