// The lab's DHCP servers and clients as DaemonSpecs, and what runs of them now.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "netlab/daemon_spec.hpp"
#include "netlab/processes.hpp"
#include "netlab/state_dir.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// Daemons the topology asks for, with their files in `state_dir`.
Result<std::vector<DaemonSpec>> desired_daemons(const Topology& topology,
                                                const std::string& state_dir);

/// The recorded daemons with their liveness (pid file, namespace, command line).
std::map<std::string, DaemonState> observe_daemons(const StateDir& state, Processes& processes);

}  // namespace netlab
