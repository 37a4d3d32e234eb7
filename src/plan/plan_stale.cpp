// Kernel objects of the lab no longer in the topology: its namespaces (with
// everything in them), its marked links elsewhere, and a wait for the veth
// ends that vanish with a deleted namespace. OVS rows: plan_ovs.cpp.
#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/text.hpp"
#include "plan/families.hpp"

namespace netlab {

void plan_stale_kernel_objects(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  std::set<std::string> wanted_ns;
  for (const auto& n : d.namespaces) wanted_ns.insert(n.name);
  std::set<std::string> dying;  // namespaces this plan deletes
  std::unordered_set<std::string> listed(live.kernel.all_namespaces.begin(),
                                         live.kernel.all_namespaces.end());
  for (const auto& ns : live.owned_namespaces)
    if (!wanted_ns.count(ns) && listed.count(ns)) dying.insert(ns);
  // A vxlan device in a deleted namespace is torn down asynchronously, and
  // until then its VNI stays taken in the root namespace that holds its
  // socket: an `up` right after `down` failed with EEXIST. Deleted first,
  // by name, it is gone when the namespace goes.
  for (const auto& ns : dying) {
    auto it = live.kernel.namespaces.find(ns);
    if (it == live.kernel.namespaces.end()) continue;
    for (const auto& [name, have] : it->second.links)
      if (have.kind == LinkKind::Vxlan && b.marked(have))
        delete_link(b, ns, have, "goes with its namespace; its VNI is freed first");
  }
  for (const auto& ns : live.owned_namespaces) {
    if (!dying.count(ns)) continue;
    Action a;
    a.kind = ActionKind::Delete;
    a.resource = "namespace";
    a.ns = ns;
    a.object = ns;
    a.reason = "owned but no longer in topology";
    a.phase = Phase::Delete;
    a.subjects = {ns_ref(ns)};
    a.ops = {op::DeleteNamespace{ns}};
    a.undo = {op::CreateNamespace{ns}, op::ChangeLink{ns, "lo", up_change()}};
    b.add(std::move(a));
  }
  // Links of the lab in the namespaces we can see, not in the topology.
  std::vector<std::string> gone_in_root;
  auto scan = [&](const std::string& ns, const NamespaceState& s) {
    if (dying.count(ns)) return;  // they go with their namespace
    for (const auto& [name, have] : s.links) {
      if (!b.marked(have) || d.find_link(ns, name)) continue;
      if (have.kind == LinkKind::Veth && have.peer_known && dying.count(have.peer_ns)) {
        gone_in_root.push_back(name);  // goes away with its peer's namespace
        continue;
      }
      // The device of the lab's internal port goes when OVS removes the port.
      const OvsPortState* port = b.ovs_port_of_lab(name);
      if (port && port->type == "internal") continue;
      delete_link(b, ns, have, "owned but no longer in topology");
    }
  };
  scan("", live.kernel.root);
  for (const auto& [ns, s] : live.kernel.namespaces) scan(ns, s);
  // The peers of veths in deleted namespaces vanish asynchronously: wait for
  // them so that a create right after does not trip over them.
  if (!dying.empty()) {
    for (const auto& [name, have] : live.kernel.root.links) {
      if (have.kind == LinkKind::Veth && have.peer_known && dying.count(have.peer_ns) &&
          std::find(gone_in_root.begin(), gone_in_root.end(), name) == gone_in_root.end() &&
          (b.marked(have) || d.find_link("", name))) {
        gone_in_root.push_back(name);
      }
    }
  }
  if (gone_in_root.empty()) return;
  std::sort(gone_in_root.begin(), gone_in_root.end());
  Action a;
  a.kind = ActionKind::Delete;
  a.resource = "veth ends";
  a.object = join(gone_in_root);
  a.reason = "go away with their namespaces";
  a.phase = Phase::Settle;
  for (const auto& name : gone_in_root) a.subjects.push_back(link_ref("", name));
  a.ops = {op::WaitLinksGone{"", gone_in_root}};
  b.add(std::move(a));
}

}  // namespace netlab
