// Lab::observe: what the machine holds of a lab, read by one observer per
// backend (kernel, daemons, NAT, OVS). Each is a function of the desired
// model and the backends to its part of the LiveState, and all are listed
// in kObservers: a new backend adds its observer there.
#include <algorithm>
#include <set>

#include "lab/lab_daemons.hpp"
#include "netlab/lab.hpp"
#include "netlab/nat.hpp"

namespace netlab {

namespace {

struct ObserveContext {
  const DesiredState& desired;
  const StateDir& state;
  LabBackends& backends;
  bool need_ovs;  ///< OVS must answer (the topology has OVS objects)
};

using Observer = Status (*)(const ObserveContext&, LiveState&);

// sysctl keys to read: everything the topology sets and what the lab saved.
std::vector<std::string> sysctl_keys(const DesiredState& d,
                                     const std::map<std::string, std::string>& saved) {
  std::set<std::string> keys;
  for (const auto& s : d.sysctls) keys.insert(s.key);
  for (const auto& [k, _] : saved) keys.insert(k);
  return {keys.begin(), keys.end()};
}

// The namespaces of the topology and the ones the lab recorded, the root
// namespace, the sysctls either asks for; and what the state directory says
// the lab owns of them.
Status observe_kernel(const ObserveContext& c, LiveState& live) {
  live.owned_namespaces = c.state.namespaces();
  live.saved_host_sysctls = c.state.saved_host_sysctls();
  std::set<std::string> names(live.owned_namespaces.begin(), live.owned_namespaces.end());
  for (const auto& n : c.desired.namespaces) names.insert(n.name);
  auto kernel = c.backends.kernel->observe({names.begin(), names.end()},
                                           sysctl_keys(c.desired, live.saved_host_sysctls));
  if (!kernel.ok()) return kernel.error();
  live.kernel = std::move(*kernel);
  return {};
}

Status observe_lab_daemons(const ObserveContext& c, LiveState& live) {
  auto daemons = observe_daemons(c.state, *c.backends.processes);
  if (!daemons.ok()) return daemons.error();
  live.daemons = std::move(*daemons);
  return {};
}

// The lab's nftables table: read when the lab wants NAT or may have made one.
Status observe_lab_nat(const ObserveContext& c, LiveState& live) {
  if (c.desired.nat.empty() && !c.state.exists()) return {};
  auto nat = c.backends.nat->observe(c.desired.lab);
  if (!nat.ok()) return c.desired.nat.empty() ? Status{} : Status{nat.error()};
  live.nat = std::move(*nat);
  return {};
}

// The lab's netdev loss tables: read when an end wants loss or the lab may
// have made one, in the root namespace and the lab's.
Status observe_lab_loss(const ObserveContext& c, LiveState& live) {
  bool wants = std::any_of(c.desired.links.begin(), c.desired.links.end(),
                           [](const DesiredLink& l) { return l.conditions && l.conditions->loss; });
  if (!wants && !c.state.exists()) return {};
  std::set<std::string> names{""};
  names.insert(live.owned_namespaces.begin(), live.owned_namespaces.end());
  for (const auto& n : c.desired.namespaces) names.insert(n.name);
  auto loss = c.backends.loss->observe(c.desired.lab, {names.begin(), names.end()});
  if (!loss.ok()) return wants ? Status{loss.error()} : Status{};
  live.loss = std::move(*loss);
  return {};
}

// OVS is read when the topology needs it (and then must be running), or
// when it runs anyway, to find rows of the lab to remove.
Status observe_ovs(const ObserveContext& c, LiveState& live) {
  Status available = c.backends.ovs->check_available();
  if (c.need_ovs && !available.ok()) return available.error();
  if (!available.ok()) return {};
  auto ovs = c.backends.ovs->observe();
  if (!ovs.ok()) return ovs.error();
  live.ovs = std::move(*ovs);
  return {};
}

// In this order: the first that fails stops the observation.
constexpr Observer kObservers[] = {observe_kernel, observe_lab_daemons, observe_lab_nat,
                                   observe_lab_loss, observe_ovs};

}  // namespace

Result<LiveState> Lab::observe(const DesiredState& desired, bool need_ovs) {
  LiveState live;
  ObserveContext context{desired, *state_, backends_, need_ovs};
  for (Observer observer : kObservers)
    if (auto st = observer(context, live); !st.ok()) return st.error();
  return live;
}

}  // namespace netlab
