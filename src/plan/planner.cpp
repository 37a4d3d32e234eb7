// desired + live -> plan. The planner never touches the system: it compares
// two values and says what to do, why, and how to undo it. Each resource
// family plans in its own file (families.hpp) through one PlanBuilder.
#include "plan/families.hpp"
#include "plan/plan_builder.hpp"

namespace netlab {

PlanResult make_plan(const DesiredState& desired, const LiveState& live,
                     const PlanOptions& options) {
  PlanBuilder b(desired, live, options);
  // The order matters: a family sees what the earlier ones recorded (links
  // this plan creates), and within a phase actions keep this order.
  check_capabilities(desired, live, b);
  plan_namespaces(desired, live, b);
  plan_links(desired, live, b);
  plan_ovs(desired, live, b);
  plan_stale_ovs_rows(desired, live, b);
  plan_configuration(desired, live, b);
  plan_conditions(desired, live, b);
  plan_routes(desired, live, b);
  plan_sysctls(desired, live, b);
  plan_stale_kernel_objects(desired, live, b);
  plan_daemons(desired, live, b);
  plan_nat(desired, live, b);
  return b.finish();
}

}  // namespace netlab
