// Reading the Open_vSwitch database into an OvsState: one transaction of
// three selects (Bridge, Port, Interface).
#pragma once

#include "netlab/ovs.hpp"
#include "ovs/ovsdb_value.hpp"

namespace netlab::ovs {

inline constexpr const char* kDatabase = "Open_vSwitch";

/// The params of the `transact` that reads the state: ["Open_vSwitch", select
/// Bridge, select Port, select Interface].
Json observe_params();
/// Builds the state from the result of observe_params()'s transaction.
/// Bridges and their ports are sorted by name; a port's type, ofport and
/// error come from its first Interface; an unassigned ofport reads as -1.
Result<OvsState> parse_observe_result(const Json& result);

}  // namespace netlab::ovs
