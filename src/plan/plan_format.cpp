// Printing plans and operations.
#include <map>
#include <sstream>

#include "netlab/plan.hpp"

namespace netlab {

namespace {
std::string in_ns(const std::string& ns) { return ns.empty() ? "" : " (netns " + ns + ")"; }

std::string route_text(const RouteRequest& r) {
  std::string s = r.dst ? r.dst->str() : "default";
  if (r.gateway) s += " via " + r.gateway->str();
  if (!r.dev.empty()) s += " dev " + r.dev;
  return s;
}

std::string change_text(const LinkChange& c) {
  std::string s;
  auto add = [&](const std::string& x) { s += (s.empty() ? "" : ", ") + x; };
  if (c.up) add(*c.up ? "up" : "down");
  if (c.mtu) add("mtu " + std::to_string(*c.mtu));
  if (c.mac) add("mac " + *c.mac);
  if (c.master) add(c.master->empty() ? "no master" : "master " + *c.master);
  if (c.alias) add("alias '" + *c.alias + "'");
  if (c.tx_checksum) add(*c.tx_checksum ? "tx-checksum on" : "tx-checksum off");
  return s;
}

struct Describe {
  std::string operator()(const op::CreateNamespace& o) { return "create netns " + o.ns; }
  std::string operator()(const op::DeleteNamespace& o) { return "delete netns " + o.ns; }
  std::string operator()(const op::AdoptNamespace& o) { return "adopt netns " + o.ns; }
  std::string operator()(const op::ForgetNamespace& o) { return "forget netns " + o.ns; }
  std::string operator()(const op::CreateVeth& o) {
    return "create veth " + o.req.name + in_ns(o.req.ns) + " <-> " + o.req.peer_name +
           in_ns(o.req.peer_ns);
  }
  std::string operator()(const op::CreateBridge& o) {
    return "create bridge " + o.name + in_ns(o.ns);
  }
  std::string operator()(const op::CreateVlan& o) {
    return "create vlan " + o.name + in_ns(o.ns) + " on " + o.parent + " id " +
           std::to_string(o.id);
  }
  std::string operator()(const op::CreateVxlan& o) {
    return "create vxlan " + o.req.name + in_ns(o.req.ns) + " id " + std::to_string(o.req.vni) +
           " local " + o.req.local.str() + " remote " + o.req.remote.str() + " dstport " +
           std::to_string(o.req.port);
  }
  std::string operator()(const op::DeleteLink& o) { return "delete link " + o.name + in_ns(o.ns); }
  std::string operator()(const op::ChangeLink& o) {
    return "set link " + o.name + in_ns(o.ns) + " " + change_text(o.change);
  }
  std::string operator()(const op::MoveLink& o) {
    return "move link " + o.name + in_ns(o.ns) + " to " + (o.to_ns.empty() ? "root" : o.to_ns);
  }
  std::string operator()(const op::AddAddress& o) {
    return "add address " + o.address.str() + " to " + o.ifname + in_ns(o.ns);
  }
  std::string operator()(const op::DeleteAddress& o) {
    return "delete address " + o.address.str() + " from " + o.ifname + in_ns(o.ns);
  }
  std::string operator()(const op::AddRoute& o) {
    return "add route " + route_text(o.route) + in_ns(o.ns);
  }
  std::string operator()(const op::DeleteRoute& o) {
    return "delete route " + route_text(o.route) + in_ns(o.ns);
  }
  std::string operator()(const op::WriteSysctl& o) {
    return "write sysctl " + o.key + "=" + o.value + in_ns(o.ns);
  }
  std::string operator()(const op::Ovs& o) {
    const auto& t = o.txn;
    std::string s = "ovsdb transaction:";
    for (const auto& b : t.add_bridges) s += " add bridge " + b.name + ";";
    for (const auto& p : t.add_ports) s += " add port " + p.name + " to " + p.bridge + ";";
    for (const auto& v : t.set_vlans) s += " set vlan of " + v.name + ";";
    for (const auto& p : t.del_ports) s += " delete port " + p.name + " from " + p.bridge + ";";
    for (const auto& b : t.del_bridges) s += " delete bridge " + b + ";";
    return s;
  }
  std::string operator()(const op::SetQdisc& o) {
    return "set " + o.qdisc.kind + " qdisc on " + o.name + in_ns(o.ns);
  }
  std::string operator()(const op::DeleteQdisc& o) {
    return "delete root qdisc of " + o.name + in_ns(o.ns);
  }
  std::string operator()(const op::SetLoss& o) {
    return "drop " + std::to_string(o.ppm) + " ppm arriving on " + o.device + in_ns(o.ns);
  }
  std::string operator()(const op::ClearLoss& o) {
    return "stop dropping on " + o.device + in_ns(o.ns);
  }
  std::string operator()(const op::StartDaemon& o) { return "start " + o.daemon.id(); }
  std::string operator()(const op::StopDaemon& o) { return "stop " + o.daemon.id(); }
  std::string operator()(const op::ApplyNat& o) {
    return "nft: replace table ip netlab-" + o.lab + " (" + std::to_string(o.rules.size()) +
           " masquerade rules)";
  }
  std::string operator()(const op::RemoveNat& o) { return "nft: delete table ip netlab-" + o.lab; }
  std::string operator()(const op::WaitLinksGone& o) {
    std::string s = "wait until gone:";
    for (const auto& n : o.names) s += " " + n;
    return s + in_ns(o.ns);
  }
};
}  // namespace

std::string describe(const Operation& operation) { return std::visit(Describe{}, operation); }

const char* to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return "create";
    case ActionKind::Modify:
      return "modify";
    case ActionKind::Delete:
      return "delete";
    case ActionKind::Replace:
      return "replace";
  }
  return "?";
}

const char* symbol(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return "+";
    case ActionKind::Modify:
      return "~";
    case ActionKind::Delete:
      return "-";
    case ActionKind::Replace:
      return "-/+";
  }
  return "?";
}

std::size_t Plan::count(ActionKind kind) const {
  std::size_t n = 0;
  for (const auto& a : actions) n += a.kind == kind && a.shown();
  return n;
}

std::string Plan::summary() const {
  std::size_t add = count(ActionKind::Create) + count(ActionKind::Replace);
  std::size_t change = count(ActionKind::Modify);
  std::size_t destroy = count(ActionKind::Delete) + count(ActionKind::Replace);
  return "Plan: " + std::to_string(add) + " to add, " + std::to_string(change) + " to change, " +
         std::to_string(destroy) + " to destroy.";
}

namespace {
std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A modify of a sysctl sets a setting back (down restores the host's
// values); a modify of anything else changes an object. Decided by what the
// action acts on, not by how it is displayed.
bool acts_on_setting(const Action& a) {
  return !a.subjects.empty() && a.subjects.front().kind == ObjectRef::Kind::Sysctl;
}
}  // namespace

std::string removal_summary(const Plan& plan) {
  std::size_t removed = plan.count(ActionKind::Delete) + plan.count(ActionKind::Replace);
  std::size_t restored = 0, changed = 0, added = plan.count(ActionKind::Create);
  for (const auto& a : plan.actions) {
    if (a.kind != ActionKind::Modify) continue;
    (acts_on_setting(a) ? restored : changed) += 1;
  }
  std::string s = plural(removed, "object", "objects") + " removed";
  if (restored) s += ", " + plural(restored, "setting", "settings") + " restored";
  if (changed) s += ", " + plural(changed, "object", "objects") + " changed";
  if (added) s += ", " + plural(added, "object", "objects") + " added";
  return s;
}

std::string format_action(const Action& a) {
  std::string s = std::string(symbol(a.kind)) + " " + a.resource + " " + a.object;
  if (!a.reason.empty()) s += " (" + a.reason + ")";
  return s;
}

std::string format_plan(const Plan& plan) {
  if (plan.empty()) return "No changes. Lab " + plan.lab + " matches the topology.\n";
  // Group by namespace (root first), keeping plan order inside a group.
  std::map<std::string, std::vector<const Action*>> groups;
  for (const auto& a : plan.actions)
    if (a.shown()) groups[a.ns].push_back(&a);
  std::ostringstream out;
  for (const auto& [ns, actions] : groups) {
    out << (ns.empty() ? "root namespace" : "namespace " + ns) << ":\n";
    for (const Action* a : actions) {
      std::string sym = symbol(a->kind);
      out << "  " << sym << std::string(4 - sym.size(), ' ') << a->resource << " " << a->object;
      if (!a->reason.empty()) out << "  (" << a->reason << ")";
      out << "\n";
    }
  }
  out << plan.summary() << "\n";
  return out.str();
}

}  // namespace netlab
