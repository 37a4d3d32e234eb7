// A sysctl key that a network namespace does not have (opening it: ENOENT).
// Some (net.ipv4.tcp_low_latency, the route cache's) exist only in the host's
// initial network namespace, and netlab's root namespace need not be that
// one: in a container, or on a machine simulated as a namespace
// (tests/scripts/lib/sim_machines.sh), host.sysctls land in a namespace
// without them. Observe reports such keys (NamespaceState::missing_sysctls),
// plan refuses them before anything changes, and apply, when a write fails
// that way all the same, says it in the same words.
#pragma once

#include <string>

namespace netlab {

/// What is wrong and what to do, for key `key` that namespace `ns` ("" =
/// the one netlab runs in) does not have.
std::string missing_sysctl_problem(const std::string& ns, const std::string& key);

/// Whether `key`, absent now, may exist once an apply has run, so that only
/// an apply can tell: a key of one interface (net.ipv4.conf.IF.*, and the
/// ipv6, neigh and mpls forms), which appears with the interface; and a key
/// of connection tracking (net.netfilter.*, net.nf_conntrack_max), which
/// appears when nf_conntrack is loaded, as the lab's NAT or an OVS datapath
/// may do.
bool sysctl_may_appear(const std::string& key);

}  // namespace netlab
