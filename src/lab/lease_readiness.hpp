// DHCP leases as part of readiness: `up` returns only when every DHCP client
// of the topology holds its lease, also when the plan was empty (a client
// started by an earlier, interrupted `up` may still be waiting for one).
#pragma once

#include <string>
#include <vector>

#include "netlab/desired_state.hpp"
#include "netlab/error.hpp"
#include "netlab/plan.hpp"

namespace netlab {

/// A DHCP client of the topology whose interface does not hold a lease yet.
struct UnleasedClient {
  std::string id;        ///< the daemon's id in the lab's records
  std::string ns, link;  ///< where the lease is wanted
  std::string state;     ///< "no lease recorded", "leased 10.0.0.5/24 but ...", "not running: ..."
  bool running = false;  ///< the client process runs (a stopped one will never get it)
  std::string log_file;  ///< the client's log, quoted in errors
  SourcePos pos;         ///< the interface in the topology
};

/// The clients of `desired` whose lease file records no lease, or whose
/// interface in `live` does not hold the leased address. A client whose
/// namespace `live` did not observe counts as holding its lease.
std::vector<UnleasedClient> unleased_clients(const DesiredState& desired, const LiveState& live);

/// Namespaces of the unleased clients, without repeats.
std::vector<std::string> namespaces_of(const std::vector<UnleasedClient>& unleased);

/// An error for clients still without a lease after `seconds`, or for a
/// client that stopped: names each client, what it holds, its log, and what to do.
Error lease_timeout_error(const std::vector<UnleasedClient>& unleased, double seconds);

}  // namespace netlab
