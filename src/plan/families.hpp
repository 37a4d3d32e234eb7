// The planners of the resource families, one file each. Each is a function
// of the desired and the live state of its family, emitting actions (and
// errors) through the builder; make_plan (planner.cpp) calls them in this order.
// Later families see what earlier ones recorded in the builder (a link this
// plan creates is planned as absent by the configuration and reopened by OVS).
#pragma once

#include <string>

#include "netlab/live_state.hpp"
#include "plan/plan_builder.hpp"

namespace netlab {

/// Features of the topology this kernel lacks (802.1Q): errors only.
void check_capabilities(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// Namespaces of the topology: create, repair an interrupted create, adopt.
void plan_namespaces(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// veth pairs, Linux bridges, VLANs: create or replace (conflicts for links not the lab's).
void plan_links(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// OVS bridges and ports of the topology: create, replace, adopt, retag.
void plan_ovs(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// OVS rows of the lab no longer in the topology.
void plan_stale_ovs_rows(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// Per link: setup of internal ports, attributes and the mark, bridge ports, addresses.
void plan_configuration(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// Static routes of the lab's namespaces.
void plan_routes(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// sysctls, and host sysctls set back to their value from before the lab.
void plan_sysctls(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// Namespaces and links of the lab no longer in the topology.
void plan_stale_kernel_objects(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// DHCP servers and clients.
void plan_daemons(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// Link conditions: root qdiscs and the drops of the netdev loss tables.
void plan_conditions(const DesiredState& d, const LiveState& live, PlanBuilder& b);
/// The lab's nftables table.
void plan_nat(const DesiredState& d, const LiveState& live, PlanBuilder& b);

/// Deletes the live link `have` of `ns` (and a veth's peer with it), once per
/// plan however many families ask. Shared by links (a leftover in the way)
/// and stale objects.
void delete_link(PlanBuilder& b, const std::string& ns, const LinkState& have,
                 const std::string& why);

}  // namespace netlab
