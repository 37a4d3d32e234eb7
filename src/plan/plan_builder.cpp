#include "plan/plan_builder.hpp"

#include <algorithm>
#include <map>

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

std::string ns_key(const std::string& ns) { return "ns:" + ns; }
std::string link_key(const std::string& ns, const std::string& name) {
  return "link:" + ns + "/" + name;
}
std::string ovs_bridge_key(const std::string& name) { return "ovs-bridge:" + name; }
std::string ovs_port_key(const std::string& name) { return "ovs-port:" + name; }

LinkChange up_change() {
  LinkChange c;
  c.up = true;
  return c;
}

PlanBuilder::PlanBuilder(const DesiredState& desired, const LiveState& live,
                         const PlanOptions& options)
    : desired_(desired), live_(live), options_(options), alias_(owner_alias(desired.lab)) {}

void PlanBuilder::add(Action action, std::vector<std::string> provides,
                      std::vector<std::string> needs) {
  actions_.push_back({std::move(action), std::move(provides), std::move(needs)});
}

void PlanBuilder::error(ErrorKind kind, const std::string& message, const SourcePos& pos) {
  errors_.push_back(Error{kind, message, pos, 0});
}

PlanResult PlanBuilder::finish() {
  PlanResult result;
  result.errors = std::move(errors_);
  sort_by_position(result.errors);
  // Execution order: by phase, keeping plan order within a phase.
  std::stable_sort(actions_.begin(), actions_.end(), [](const Pending& a, const Pending& b) {
    return a.action.phase < b.action.phase;
  });
  result.plan.lab = desired_.lab;
  std::map<std::string, std::size_t> provider;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    Action a = std::move(actions_[i].action);
    for (const auto& need : actions_[i].needs) {
      auto it = provider.find(need);
      if (it != provider.end()) a.deps.push_back(it->second);
    }
    std::sort(a.deps.begin(), a.deps.end());
    a.deps.erase(std::unique(a.deps.begin(), a.deps.end()), a.deps.end());
    for (const auto& p : actions_[i].provides) provider.emplace(p, i);
    result.plan.actions.push_back(std::move(a));
  }
  actions_.clear();
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
  created_.insert(link_key(ns, name));
}

bool PlanBuilder::link_is_created(const std::string& ns, const std::string& name) const {
  return created_.count(link_key(ns, name)) > 0;
}

bool PlanBuilder::deletes_link(const std::string& ns, const std::string& name) {
  return deleted_.insert(link_key(ns, name)).second;
}

}  // namespace netlab
