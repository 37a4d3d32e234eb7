#include "plan/plan_builder.hpp"

#include <algorithm>
#include <map>

#include "plan/dependencies.hpp"

namespace netlab {

std::string where(const std::string& ns) { return ns.empty() ? "root namespace" : "netns " + ns; }
std::string in_where(const std::string& ns) {
  return ns.empty() ? "in the root namespace" : "in netns " + ns;
}

ObjectRef ns_ref(const std::string& ns) { return {ObjectRef::Kind::Namespace, ns, ns}; }
ObjectRef link_ref(const std::string& ns, const std::string& name) {
  return {ObjectRef::Kind::Link, ns, name};
}
ObjectRef ovs_bridge_ref(const std::string& name) { return {ObjectRef::Kind::OvsBridge, "", name}; }
ObjectRef ovs_port_ref(const std::string& name) { return {ObjectRef::Kind::OvsPort, "", name}; }

LinkChange up_change() {
  LinkChange c;
  c.up = true;
  return c;
}

PlanBuilder::PlanBuilder(const DesiredState& desired, const LiveState& live,
                         const PlanOptions& options)
    : desired_(desired), live_(live), options_(options), alias_(owner_alias(desired.lab)) {}

void PlanBuilder::add(Action action) { actions_.push_back(std::move(action)); }

void PlanBuilder::error(ErrorKind kind, const std::string& message, const SourcePos& pos) {
  errors_.push_back(Error{kind, message, pos, 0});
}

PlanResult PlanBuilder::finish() {
  PlanResult result;
  result.errors = std::move(errors_);
  sort_by_position(result.errors);
  // Plan order: by phase, keeping the order of planning within a phase. It
  // is what `plan` shows, and a topological order of the dependencies,
  // which alone decide the order an apply runs the actions in.
  // Among the deletes, the root namespace's go first: the executor starts
  // ready actions lowest index first, and a Linux bridge deleted before the
  // namespaces that hold its ports' peers releases all its ports at once,
  // where each namespace deleted first would detach its port on its own
  // (measured, 1000 hosts on one bridge: down's apply 1.6 s with the
  // bridge last, 1.2 s with it first).
  auto rank = [](const Action& a) {
    return std::pair(a.phase, a.phase == Phase::Delete && !a.ns.empty());
  };
  std::stable_sort(actions_.begin(), actions_.end(),
                   [&](const Action& a, const Action& b) { return rank(a) < rank(b); });
  result.plan.lab = desired_.lab;
  result.plan.actions = std::move(actions_);
  actions_.clear();
  derive_dependencies(result.plan.actions);
  return result;
}

const OvsPortState* PlanBuilder::ovs_port_of_lab(const std::string& name) const {
  if (!live_.ovs) return nullptr;
  const OvsBridgeState* b = live_.ovs->bridge_of_port(name);
  const OvsPortState* p = b ? b->find_port(name) : nullptr;
  return p && marked(*p) ? p : nullptr;
}

bool PlanBuilder::may_manage(const DesiredLink& want, const LinkState& have) const {
  if (marked(have) || want.kind == LinkKind::Loopback) return true;
  if (want.kind == LinkKind::OvsInternal && have.alias.empty() && ovs_port_of_lab(want.name))
    return true;
  // --adopt takes over what is nobody's, never another lab's object.
  if (options_.adopt && have.owner().empty()) return true;
  return unmarked_but_ours(want, have);
}

bool PlanBuilder::unmarked_but_ours(const DesiredLink& want, const LinkState& have) const {
  if (!have.alias.empty()) return false;
  // The other end of a veth whose peer is in a namespace the lab owns: both
  // ends of a pair are made in one request.
  if (have.kind == LinkKind::Veth && have.peer_known && live_.owned_namespaces.count(have.peer_ns))
    return true;
  // Any link inside a namespace the lab owns.
  return !want.ns.empty() && live_.owned_namespaces.count(want.ns) > 0;
}

void PlanBuilder::creates_link(const std::string& ns, const std::string& name) {
  created_.insert({ns, name});
}

bool PlanBuilder::link_is_created(const std::string& ns, const std::string& name) const {
  return created_.count({ns, name}) > 0;
}

bool PlanBuilder::deletes_link(const std::string& ns, const std::string& name) {
  return deleted_.insert({ns, name}).second;
}

}  // namespace netlab
