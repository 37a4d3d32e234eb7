// Namespaces of the topology: created when missing, made again after an
// interrupted create, adopted with --adopt; anyone else's is a conflict.
#include <unordered_set>

#include "plan/families.hpp"

namespace netlab {

namespace {

// A namespace create brings its lo up: the action makes both.
Action namespace_action(const DesiredNamespace& n, ActionKind kind, const std::string& reason) {
  Action a;
  a.kind = kind;
  a.resource = "namespace";
  a.ns = n.name;
  a.object = n.name;
  a.reason = reason;
  a.pos = n.pos;
  a.phase = Phase::Namespaces;
  a.subjects = {ns_ref(n.name), link_ref(n.name, "lo")};
  return a;
}

}  // namespace

void plan_namespaces(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  // All of /run/netns, not only the namespaces observed.
  std::unordered_set<std::string> listed(live.kernel.all_namespaces.begin(),
                                         live.kernel.all_namespaces.end());
  for (const auto& n : d.namespaces) {
    const bool ours = live.owned_namespaces.count(n.name) > 0;
    if (!listed.count(n.name)) {
      Action a = namespace_action(n, ActionKind::Create, "missing");
      a.ops = {op::CreateNamespace{n.name}, op::ChangeLink{n.name, "lo", up_change()}};
      a.undo = {op::DeleteNamespace{n.name}};
      b.add(std::move(a));
    } else if (ours && !b.ns_exists(n.name)) {
      // Listed under /run/netns but no namespace: a create that was
      // interrupted (kill -9) between the file and its bind mount.
      Action a =
          namespace_action(n, ActionKind::Replace,
                           "/run/netns/" + n.name + " is not a namespace: an interrupted create");
      a.ops = {op::DeleteNamespace{n.name}, op::CreateNamespace{n.name},
               op::ChangeLink{n.name, "lo", up_change()}};
      a.undo = {op::DeleteNamespace{n.name}};
      b.add(std::move(a));
    } else if (!ours && !b.options().adopt) {
      b.error(ErrorKind::Conflict,
              "namespace '" + n.name + "' exists but was not created by lab '" + d.lab +
                  "'; remove it (ip netns del " + n.name + ") or run with --adopt to take it over",
              n.pos);
    } else if (!ours) {
      // --adopt: the namespace becomes the lab's for good, recorded as if
      // netlab had made it; undone by forgetting the record, never by a delete.
      Action a = namespace_action(n, ActionKind::Modify, kAdoptReason);
      a.subjects = {ns_ref(n.name)};
      a.ops = {op::AdoptNamespace{n.name}};
      a.undo = {op::ForgetNamespace{n.name}};
      b.add(std::move(a));
    }
  }
}

}  // namespace netlab
