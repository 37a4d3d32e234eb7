// OVS bridges and ports: created when missing; a port replaced when OVS
// cannot have opened its device (gone, made again by this plan, in error);
// retagged; rows made outside netlab adopted with --adopt; the lab's rows no
// longer in the topology deleted. All of it is one OVS transaction per step.
#include <algorithm>
#include <set>

#include "plan/families.hpp"

namespace netlab {

namespace {

// " vlan 100", " trunks 1,2", "": a port's VLAN setting, for objects.
std::string vlan_text(const std::optional<int>& tag, const std::vector<int>& trunks) {
  if (tag) return " vlan " + std::to_string(*tag);
  if (!trunks.empty()) {
    std::string s = " trunks ";
    for (std::size_t i = 0; i < trunks.size(); ++i) s += (i ? "," : "") + std::to_string(trunks[i]);
    return s;
  }
  return "";
}

// "vlan 100", "trunks 1,2", "untagged": a port's VLAN setting, for reasons.
std::string vlan_state(const std::optional<int>& tag, const std::vector<int>& trunks) {
  std::string s = vlan_text(tag, trunks);
  return s.empty() ? "untagged" : s.substr(1);
}

// An OVS row in the way that is not the lab's: made by hand (--adopt may
// take it over) or another lab's (never taken).
void foreign_ovs_row(PlanBuilder& b, const std::string& what, const std::string& owner,
                     const std::string& remove, const SourcePos& pos) {
  b.error(ErrorKind::Conflict,
          what + " but " +
              (owner.empty() ? "was not created by lab '" + b.lab() + "'"
                             : "belongs to lab '" + owner + "'") +
              "; remove it (" + remove + ")" +
              (owner.empty() ? " or run with --adopt to take it over" : ""),
          pos);
}

Action ovs_action(ActionKind kind, const std::string& resource, const std::string& object,
                  const std::string& reason, Phase phase, ObjectRef subject) {
  Action a;
  a.kind = kind;
  a.resource = resource;
  a.object = object;
  a.reason = reason;
  a.phase = phase;
  a.subjects = {std::move(subject)};
  return a;
}

// One transaction each way: what the action does and what undoes it.
void set_txns(Action& a, const std::string& lab, OvsTransaction t, OvsTransaction u) {
  t.lab = u.lab = lab;
  a.ops = {op::Ovs{std::move(t)}};
  a.undo = {op::Ovs{std::move(u)}};
}

// --adopt of an OVS bridge (with its own internal port) or port made
// outside netlab: its row gets the lab's mark in the apply's transaction.
void adopt_ovs(PlanBuilder& b, const std::string& name, const SourcePos& pos, bool bridge,
               bool port) {
  Action a = ovs_action(ActionKind::Modify, bridge ? "ovs bridge" : "ovs port", name, kAdoptReason,
                        Phase::Ovs, bridge ? ovs_bridge_ref(name) : ovs_port_ref(name));
  a.pos = pos;
  OvsTransaction t, u;
  if (bridge) {
    t.adopt_bridges.push_back(name);
    u.disown_bridges.push_back(name);
  }
  if (port) {
    t.adopt_ports.push_back(name);
    u.disown_ports.push_back(name);
  }
  set_txns(a, b.lab(), std::move(t), std::move(u));
  b.add(std::move(a));
}

void plan_bridge(const OvsState& ovs, const DesiredOvsBridge& want, PlanBuilder& b) {
  const OvsBridgeState* have = ovs.find_bridge(want.name);
  if (have && !b.marked(*have)) {
    if (have->owner().empty() && b.options().adopt) {
      // Its own internal port (same name) comes along: without it the
      // bridge could never be deleted as the lab's.
      const OvsPortState* own = have->find_port(want.name);
      adopt_ovs(b, want.name, want.pos, true, own && own->owner().empty());
      return;
    }
    foreign_ovs_row(b, "OVS bridge '" + want.name + "' exists", have->owner(),
                    "ovs-vsctl del-br " + want.name, want.pos);
    return;
  }
  if (have) return;
  std::string dp = want.datapath == Datapath::System   ? "system"
                   : want.datapath == Datapath::Netdev ? "netdev"
                                                       : b.options().ovs_datapath_auto;
  Action a = ovs_action(ActionKind::Create, "ovs bridge", want.name, "missing; datapath " + dp,
                        Phase::Ovs, ovs_bridge_ref(want.name));
  a.pos = want.pos;
  OvsTransaction t, u;
  t.add_bridges.push_back({want.name, dp});
  u.del_bridges.push_back(want.name);
  set_txns(a, b.lab(), std::move(t), std::move(u));
  b.add(std::move(a));
}

// Why OVS must make the port anew, or "" when the port it has will do.
std::string port_recreate_reason(const DesiredOvsPort& p, const OvsBridgeState& hb,
                                 const OvsPortState& have, const PlanBuilder& b) {
  if (hb.name != p.bridge) return "on bridge " + hb.name + ", wanted " + p.bridge;
  if ((have.type == "internal") != p.internal)
    return p.internal ? "not an internal port" : "is an internal port";
  // Its device went away (with its namespace): OVS must make it anew.
  if (p.internal && !b.live_link(p.ns, p.name) && !b.live_link("", p.name))
    return "its interface " + p.name + " is gone";
  // The veth end is made (again) by this plan: OVS must open the new device.
  if (!p.internal && b.link_is_created("", p.name))
    return "its interface " + p.name + (b.live_link("", p.name) ? " is made again" : " is gone");
  if (!have.error.empty()) return "interface error: " + have.error;
  if (have.ofport < 0) return "interface not open";
  return "";
}

void plan_port(const OvsState& ovs, const DesiredOvsPort& p, PlanBuilder& b) {
  const OvsBridgeState* hb = ovs.bridge_of_port(p.name);
  const OvsPortState* have = hb ? hb->find_port(p.name) : nullptr;
  if (have && !b.marked(*have)) {
    if (!have->owner().empty() || !b.options().adopt) {
      foreign_ovs_row(b, "OVS port '" + p.name + "' exists on bridge '" + hb->name + "'",
                      have->owner(), "ovs-vsctl del-port " + p.name, p.pos);
      return;
    }
    // Marked first in the one transaction; then repaired like the lab's.
    adopt_ovs(b, p.name, p.pos, false, true);
  }
  std::string reason = have ? port_recreate_reason(p, *hb, *have, b) : "missing";
  if (!reason.empty()) {
    Action a = ovs_action(have ? ActionKind::Replace : ActionKind::Create,
                          p.internal ? "ovs internal port" : "ovs port",
                          p.name + " on " + p.bridge + vlan_text(p.tag, p.trunks), reason,
                          Phase::Ovs, ovs_port_ref(p.name));
    a.pos = p.pos;
    if (have) {
      // Remove the old row in the delete step, add the new one after: in
      // one transaction vswitchd would keep the port as it is (it matches
      // ports by name) and not open the new device. Two halves, one replace.
      Action d = a;
      d.half = ReplaceHalf::Destroy;
      d.phase = Phase::OvsDelete;
      OvsTransaction dt, du;
      dt.del_ports.push_back({hb->name, p.name});
      du.add_ports.push_back({hb->name, p.name, have->type == "internal", have->tag, have->trunks});
      set_txns(d, b.lab(), std::move(dt), std::move(du));
      b.add(std::move(d));
      a.half = ReplaceHalf::Create;
    }
    OvsTransaction t, u;
    t.add_ports.push_back({p.bridge, p.name, p.internal, p.tag, p.trunks});
    u.del_ports.push_back({p.bridge, p.name});
    set_txns(a, b.lab(), std::move(t), std::move(u));
    b.add(std::move(a));
    // OVS makes the device of an internal port in the root namespace.
    if (p.internal) b.creates_link("", p.name);
    return;
  }
  std::vector<int> trunks = have->trunks;
  std::sort(trunks.begin(), trunks.end());
  if (have->tag == p.tag && trunks == p.trunks) return;
  Action a = ovs_action(ActionKind::Modify, "ovs port", p.name + " on " + p.bridge,
                        vlan_state(have->tag, trunks) + " -> " + vlan_state(p.tag, p.trunks),
                        Phase::Ovs, ovs_port_ref(p.name));
  a.pos = p.pos;
  OvsTransaction t, u;
  t.set_vlans.push_back({p.name, p.tag, p.trunks});
  u.set_vlans.push_back({p.name, have->tag, trunks});
  set_txns(a, b.lab(), std::move(t), std::move(u));
  b.add(std::move(a));
}

}  // namespace

void plan_ovs(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  if (!live.ovs) {
    if (!d.ovs_bridges.empty() || !d.ovs_ports.empty()) {
      b.error(ErrorKind::Ovs, "the topology needs Open vSwitch, but its state could not be read",
              d.ovs_bridges.empty() ? SourcePos{} : d.ovs_bridges.front().pos);
    }
    return;
  }
  for (const auto& want : d.ovs_bridges) plan_bridge(*live.ovs, want, b);
  for (const auto& p : d.ovs_ports) plan_port(*live.ovs, p, b);
}

void plan_stale_ovs_rows(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  if (!live.ovs) return;
  std::set<std::string> wanted_bridges, wanted_ports;
  for (const auto& w : d.ovs_bridges) wanted_bridges.insert(w.name);
  for (const auto& w : d.ovs_ports) wanted_ports.insert(w.name);
  const char* stale = "owned but no longer in topology";
  for (const auto& br : live.ovs->bridges) {
    // A bridge of the lab that holds someone else's port stays (deleting it
    // would take their port along); only the lab's own ports go.
    bool holds_foreign = std::any_of(br.ports.begin(), br.ports.end(), [&](const OvsPortState& p) {
      return p.name != br.name && !b.marked(p);
    });
    if (b.marked(br) && !wanted_bridges.count(br.name) && !holds_foreign) {
      Action a = ovs_action(ActionKind::Delete, "ovs bridge", br.name, stale, Phase::OvsDelete,
                            ovs_bridge_ref(br.name));
      OvsTransaction t, u;
      t.del_bridges.push_back(br.name);
      u.add_bridges.push_back({br.name, br.datapath_type.empty() ? "system" : br.datapath_type});
      for (const auto& p : br.ports) {
        if (p.name == br.name) continue;  // the bridge's own port comes with it
        u.add_ports.push_back({br.name, p.name, p.type == "internal", p.tag, p.trunks});
      }
      set_txns(a, b.lab(), std::move(t), std::move(u));
      b.add(std::move(a));
      continue;
    }
    for (const auto& p : br.ports) {
      if (p.name == br.name) continue;  // a bridge's own port lives and dies with it
      if (!b.marked(p) || wanted_ports.count(p.name)) continue;
      Action a = ovs_action(ActionKind::Delete, "ovs port", p.name + " on " + br.name, stale,
                            Phase::OvsDelete, ovs_port_ref(p.name));
      OvsTransaction t, u;
      t.del_ports.push_back({br.name, p.name});
      u.add_ports.push_back({br.name, p.name, p.type == "internal", p.tag, p.trunks});
      set_txns(a, b.lab(), std::move(t), std::move(u));
      b.add(std::move(a));
    }
  }
}

}  // namespace netlab
