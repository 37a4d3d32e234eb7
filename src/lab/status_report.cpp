#include "lab/status_report.hpp"

#include <variant>

#include "netlab/dhcp_client.hpp"
#include "netlab/nat.hpp"
#include "plan/conditions.hpp"

namespace netlab {

namespace {

// "up 10.0.0.1/24 (dhcp), master br0"; `want` (may be null) says what to point out.
std::string link_state(const LinkState* have, const DesiredLink* want) {
  if (!have) return "missing";
  std::string s = have->up ? "up" : "down";
  for (const auto& a : have->addresses) s += " " + a.str();
  if (want && want->dhcp) s += have->addresses.empty() ? " (no lease)" : " (dhcp)";
  if (want && !want->master.empty())
    s += have->master.empty() ? ", no master" : ", master " + have->master;
  // A link to another machine: the tunnel as the kernel has it.
  if (have->kind == LinkKind::Vxlan)
    s += ", vni " + std::to_string(have->vxlan_id) + " remote " +
         (have->vxlan_remote ? have->vxlan_remote->str() : std::string("none")) + " dstport " +
         std::to_string(have->vxlan_port);
  return s;
}

const char* kOvsNotRead = "not read: Open vSwitch is not running";

std::string ovs_port_state(const LiveState& live, const std::string& name,
                           const DesiredOvsPort* want) {
  if (!live.ovs) return kOvsNotRead;
  const OvsBridgeState* b = live.ovs->bridge_of_port(name);
  const OvsPortState* have = b ? b->find_port(name) : nullptr;
  if (!have) return "missing";
  std::string s = have->tag ? "vlan " + std::to_string(*have->tag) : "untagged";
  if (!have->trunks.empty()) {
    s = "trunks";
    for (int t : have->trunks) s += " " + std::to_string(t);
  }
  if (want && b->name != want->bridge) s += ", on bridge " + b->name;
  // The port's device: a veth end in the root namespace, or an internal
  // port in its namespace (or still in the root namespace).
  bool device = want ? live.kernel.find_link("", name) ||
                           (want->internal && live.kernel.find_link(want->ns, name))
                     : true;
  if (!device)
    s += ", its interface is gone";
  else if (!have->error.empty())
    s += ", error: " + have->error;
  else if (have->ofport < 0)
    s += ", interface not open";
  return s;
}

std::string ovs_bridge_state(const LiveState& live, const std::string& name) {
  if (!live.ovs) return kOvsNotRead;
  const OvsBridgeState* b = live.ovs->find_bridge(name);
  if (!b) return "missing";
  return "datapath " + (b->datapath_type.empty() ? std::string("system") : b->datapath_type);
}

std::string route_state(const LiveState& live, const std::string& ns, const RouteRequest& want) {
  const NamespaceState* n = live.kernel.find_ns(ns);
  if (!n) return "missing";
  for (const auto& r : n->routes)
    if (route_matches(want, r)) return "present";
  return "missing";
}

std::string sysctl_state(const LiveState& live, const std::string& ns, const std::string& key) {
  const NamespaceState* n = live.kernel.find_ns(ns);
  if (!n) return "missing";
  auto it = n->sysctls.find(key);
  return it == n->sysctls.end() ? "not read" : it->second;
}

std::string service_state(const LiveState& live, const std::string& id) {
  auto it = live.daemons.find(id);
  if (it == live.daemons.end()) return "not started";
  const DaemonState& st = it->second;
  if (!st.running) {
    if (st.pid == 0) return "not started";
    return "exited" +
           (st.exit_code ? " with exit code " + std::to_string(*st.exit_code)
                         : std::string(" (exit code unknown: netlab was not its parent)")) +
           ", pid " + std::to_string(st.pid) + " gone";
  }
  std::string s = "running, pid " + std::to_string(st.pid);
  if (st.ready && !*st.ready) s += ", not ready";
  return s;
}

std::string daemon_state(const LiveState& live, const std::string& id, const DaemonSpec* want) {
  if (id.rfind("service ", 0) == 0) return service_state(live, id);
  auto it = live.daemons.find(id);
  if (it == live.daemons.end() || !it->second.running) return "not running";
  std::string s = "pid " + std::to_string(it->second.pid);
  const DaemonSpec& spec = want ? *want : it->second.spec;
  if (const auto* c = std::get_if<DhclientInstance>(&spec.instance)) {
    auto lease = leased_address(*c);
    if (lease.ok() && lease->has_value()) s += ", lease " + (*lease)->address.str();
  }
  return s;
}

std::string nat_state(const LiveState& live) {
  if (!live.nat) return "not read";
  if (!live.nat->exists) return "missing";
  std::string s;
  for (const auto& r : live.nat->rules)
    s += (s.empty() ? "masquerade " : ", ") + r.source.str() + " -> " + r.out;
  if (!live.nat->chain_ok) s += (s.empty() ? "" : ", ") + std::string("chain postrouting is wrong");
  if (!live.nat->other_rules.empty())
    s += (s.empty() ? "" : ", ") + std::to_string(live.nat->other_rules.size()) + " other rule" +
         (live.nat->other_rules.size() == 1 ? "" : "s");
  return s.empty() ? "no rules" : s;
}

// What shapes the egress of end `l` now: the lab's root qdisc on it and the
// drop on its peer's ingress, "rate 10mbit, loss 1%", or "none".
std::string live_conditions(const LiveState& live, const DesiredLink& l) {
  const LinkState* have = live.kernel.find_link(l.ns, l.name);
  if (!have) return "missing";
  RealisedConditions now;
  if (have->qdisc) now.qdisc = have->qdisc;
  if (live.loss) {
    auto t = live.loss->find(l.peer_ns);
    if (t != live.loss->end())
      if (const LossChainState* c = t->second.find(l.peer_name)) now.peer_loss = c->ppm;
  } else if (l.conditions && l.conditions->loss) {
    return conditions_text(now) + " (loss not read)";
  }
  return conditions_text(now);
}

// The state of an object the topology does not list (the plan deletes it,
// or restores it as it was before the lab).
std::string unlisted_state(const LiveState& live, const ObjectRef& ref) {
  switch (ref.kind) {
    case ObjectRef::Kind::Namespace:
      return live.kernel.find_ns(ref.ns) ? "present" : "missing";
    case ObjectRef::Kind::Link:
      return link_state(live.kernel.find_link(ref.ns, ref.name), nullptr);
    case ObjectRef::Kind::OvsBridge:
      return ovs_bridge_state(live, ref.name);
    case ObjectRef::Kind::OvsPort:
      return ovs_port_state(live, ref.name, nullptr);
    case ObjectRef::Kind::Route:
      return "present";
    case ObjectRef::Kind::Sysctl:
      return sysctl_state(live, ref.ns, ref.name);
    case ObjectRef::Kind::Daemon:
      return daemon_state(live, ref.name, nullptr);
    case ObjectRef::Kind::NatTable:
      return nat_state(live);
    case ObjectRef::Kind::Conditions:
      return "present";
  }
  return "";
}

}  // namespace

void fill_status_report(StatusReport& report, const DesiredState& desired, const LiveState& live,
                        const PlanResult& planned) {
  // One row per object: first what the topology lists, in its order.
  std::vector<ObjectRef> refs;
  auto row = [&](ObjectRef ref, std::string resource, std::string object, std::string state) {
    refs.push_back(std::move(ref));
    report.entries.push_back(
        {std::move(resource), refs.back().ns, std::move(object), std::move(state), ""});
  };
  using K = ObjectRef::Kind;
  for (const auto& n : desired.namespaces)
    row({K::Namespace, n.name, n.name}, "namespace", n.name,
        live.kernel.namespaces.count(n.name) ? "present" : "missing");
  for (const auto& l : desired.links)
    row({K::Link, l.ns, l.name}, to_string(l.kind), l.name,
        link_state(live.kernel.find_link(l.ns, l.name), &l));
  for (const auto& b : desired.ovs_bridges)
    row({K::OvsBridge, "", b.name}, "ovs bridge", b.name, ovs_bridge_state(live, b.name));
  for (const auto& p : desired.ovs_ports)
    row({K::OvsPort, "", p.name}, "ovs port", p.name + " on " + p.bridge,
        ovs_port_state(live, p.name, &p));
  for (const auto& r : desired.routes)
    row({K::Route, r.ns, route_name(r.route)}, "route", route_name(r.route),
        route_state(live, r.ns, r.route));
  for (const auto& s : desired.sysctls)
    row({K::Sysctl, s.ns, s.key}, "sysctl", s.key, sysctl_state(live, s.ns, s.key));
  for (const auto& d : desired.daemons) {
    if (const auto* s = std::get_if<ServiceInstance>(&d.instance)) {
      row({K::Daemon, d.ns(), d.id()}, "service", s->name, daemon_state(live, d.id(), &d));
      continue;
    }
    row({K::Daemon, d.ns(), d.id()}, d.is_server() ? "dhcp server" : "dhcp client", d.interface(),
        daemon_state(live, d.id(), &d));
  }
  for (const auto& l : desired.links)
    if (l.conditions)
      row({K::Conditions, l.ns, l.name}, "conditions", l.name, live_conditions(live, l));
  const std::string table = desired.nat_table();
  if (!desired.nat.empty() || (live.nat && live.nat->exists))
    row({K::NatTable, "", table}, "nat table", table, nat_state(live));

  // Drift is what `up` would do: the planner decides, status only shows it,
  // each action on the rows of the objects it acts on (a veth pair: both
  // ends), or on a row of its own for an object the topology does not list.
  for (const auto& a : planned.plan.actions) {
    if (!a.shown()) continue;  // the create half of the replace stands for it
    const std::string text = format_action(a);
    bool placed = false;
    for (const auto& subject : a.subjects) {
      for (std::size_t i = 0; i < refs.size(); ++i) {
        if (!(refs[i] == subject)) continue;
        std::string& drift = report.entries[i].drift;
        drift += (drift.empty() ? "" : "; ") + text;
        placed = true;
      }
    }
    if (placed) continue;
    ObjectRef ref = a.subjects.empty() ? ObjectRef{K::Namespace, a.ns, a.object} : a.subjects[0];
    std::string object = ref.kind == K::Sysctl ? ref.name : a.object;
    std::string state = a.subjects.size() == 1 ? unlisted_state(live, ref) : "present";
    row(ref, a.resource, object, state);
    report.entries.back().ns = a.ns;
    report.entries.back().drift = text;
  }
  for (const auto& e : report.entries) report.drifted += !e.drift.empty();
  // What stops `up` (a conflict with an object of no lab, a feature this
  // kernel lacks): shown, not dropped, so that status never says "no drift"
  // about a lab that `up` cannot bring to its topology.
  report.errors.insert(report.errors.end(), planned.errors.begin(), planned.errors.end());
}

}  // namespace netlab
