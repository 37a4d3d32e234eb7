// `status`: each object of the desired model with its live state, the drift
// the planner finds shown on the rows of the objects it acts on, and what
// stops `up` (the planner's errors). Status decides nothing of its own: the
// rows come from the desired model, the drift and errors from the plan.
#pragma once

#include "netlab/desired_state.hpp"
#include "netlab/lab.hpp"
#include "netlab/plan.hpp"

namespace netlab {

/// Adds to `report` (lab, file and `exists` already set) a row per object of
/// `desired` with its state in `live`, the actions of `planned.plan` as
/// drift on their rows (or on a row of their own for an object `desired`
/// does not list), and `planned.errors`. Works whether or not the planner
/// keeps the actions it could plan when it reports errors.
void fill_status_report(StatusReport& report, const DesiredState& desired, const LiveState& live,
                        const PlanResult& planned);

}  // namespace netlab
