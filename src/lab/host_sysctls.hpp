// Host sysctls that several labs of one state root set: which value from
// before the first of them to record, and which lab restores it. A policy
// across labs, kept apart from the one lab's lifecycle (lab.cpp).
#pragma once

#include <string>

#include "netlab/desired_state.hpp"
#include "netlab/error.hpp"
#include "netlab/kernel.hpp"
#include "netlab/state_dir.hpp"

namespace netlab {

/// Records, in `state`, the value from before of every host sysctl of
/// `desired` that the lab has not recorded yet: the value `kernel` reads now,
/// or the one another lab of `state_root` recorded when it holds the sysctl
/// too. Under the state root's lock.
Status remember_host_sysctls(const DesiredState& desired, StateDir& state, Kernel& kernel,
                             const std::string& state_root);

/// Before a down: forgets the host sysctls another lab of `state_root` also
/// holds, so that the last lab to go down restores them. Under the state
/// root's lock; when the lock cannot be had, the lab restores all it recorded.
void hand_over_host_sysctls(StateDir& state, const std::string& state_root);

}  // namespace netlab
