// The dependencies of a plan's actions: the one order an apply follows.
#pragma once

#include <vector>

#include "netlab/plan.hpp"

namespace netlab {

/// Fills each action's `deps` with the indices of the earlier actions it
/// needs, derived from what its operations create, change, require and
/// destroy (resources named as in the resource graph: "netns:red",
/// "link:red/eth0-r", ...), never from `phase`. `actions` are in plan order,
/// which must already be a topological order: every dependency points to an
/// earlier action, so the order stays valid and the plan's text unchanged.
/// Pure: no I/O. The rules are written at the top of dependencies.cpp.
void derive_dependencies(std::vector<Action>& actions);

}  // namespace netlab
