// The lab's DHCP daemons: whether their programs are installed, and what
// runs of the ones the lab recorded. (The daemons the topology asks for are
// part of the desired model: DesiredState::daemons.)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "netlab/daemon_spec.hpp"
#include "netlab/desired_state.hpp"
#include "netlab/processes.hpp"
#include "netlab/state_dir.hpp"

namespace netlab {

/// One error per daemon of `desired` whose program is not in PATH, naming
/// the package to install. Checked before anything changes.
std::vector<Error> missing_programs(const DesiredState& desired);

/// Refuses a desired state with services unless `allowed` (--allow-services):
/// the error names the first service and the flag.
Status check_services_allowed(const DesiredState& desired, bool allowed);

/// Waits until every service of `desired` runs and is ready (each bounded
/// by its own timeout, from now). Errors: a service not running or not
/// ready, named with the last lines of its log.
Status wait_services_ready(const DesiredState& desired, const StateDir& state,
                           Processes& processes);

/// The recorded daemons with their liveness (pid file, namespace, command
/// line). Errors: the record of the lab's daemons is unreadable.
Result<std::map<std::string, DaemonState>> observe_daemons(const StateDir& state,
                                                           Processes& processes);

}  // namespace netlab
