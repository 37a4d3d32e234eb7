// desired + live -> plan. The planner never touches the system: it compares
// two values and says what to do, why, and how to undo it.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "core/text.hpp"
#include "netlab/plan.hpp"
#include "plan/dependencies.hpp"

namespace netlab {

namespace {

// Why an object made outside netlab is in the plan with --adopt (Terraform's
// `import`): from this run on it is the lab's, as if netlab had made it.
constexpr const char* kAdoptReason =
    "adopt: made outside netlab; the lab owns it from now on, and down removes it";

constexpr int kRtprotStatic = 4;

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

LinkChange master_change(const std::string& master) {
  LinkChange c;
  c.master = master;
  return c;
}

bool same_route(const RouteRequest& want, const RouteState& have) {
  if (want.family != have.family) return false;
  if (want.dst.has_value() != have.dst.has_value()) return false;
  if (want.dst && want.dst->network() != have.dst->network()) return false;
  if (want.gateway != have.gateway) return false;
  if (!want.dev.empty() && want.dev != have.dev) return false;
  return true;
}

RouteRequest to_request(const RouteState& r) {
  RouteRequest q;
  q.family = r.family;
  q.dst = r.dst;
  q.gateway = r.gateway;
  q.dev = r.dev;
  return q;
}

class Planner {
 public:
  Planner(const DesiredState& d, const LiveState& l, const PlanOptions& o)
      : desired_(d), live_(l), options_(o), alias_(owner_alias(d.lab)) {}

  PlanResult run() {
    check_capabilities();
    plan_namespaces();
    plan_links();
    plan_ovs();
    plan_configuration();
    plan_stale_kernel_objects();
    plan_daemons();
    plan_nat();
    PlanResult result;
    result.errors = std::move(errors_);
    sort_by_position(result.errors);
    if (!result.errors.empty()) return result;
    // Plan order: by phase, keeping the order of planning within a phase. It
    // is what `plan` shows, and a topological order of the dependencies,
    // which alone decide the order an apply runs the actions in.
    std::stable_sort(actions_.begin(), actions_.end(), [](const Pending& a, const Pending& b) {
      return a.action.phase < b.action.phase;
    });
    result.plan.lab = desired_.lab;
    for (auto& p : actions_) result.plan.actions.push_back(std::move(p.action));
    derive_dependencies(result.plan.actions);
    return result;
  }

 private:
  struct Pending {
    Action action;
    std::vector<std::string> provides, needs;
  };

  static std::string ns_key(const std::string& ns) { return "ns:" + ns; }
  static std::string link_key(const std::string& ns, const std::string& n) {
    return "link:" + ns + "/" + n;
  }

  Action& add(Action a, std::vector<std::string> provides = {},
              std::vector<std::string> needs = {}) {
    actions_.push_back({std::move(a), std::move(provides), std::move(needs)});
    return actions_.back().action;
  }

  void error(ErrorKind kind, const std::string& msg, const SourcePos& pos) {
    errors_.push_back(Error{kind, msg, pos, 0});
  }

  bool ns_exists(const std::string& ns) const {
    if (ns.empty()) return true;
    return live_.kernel.namespaces.count(ns) > 0;
  }
  const NamespaceState* live_ns(const std::string& ns) const {
    if (ns.empty()) return &live_.kernel.root;
    auto it = live_.kernel.namespaces.find(ns);
    return it == live_.kernel.namespaces.end() ? nullptr : &it->second;
  }
  const LinkState* live_link(const std::string& ns, const std::string& name) const {
    const NamespaceState* s = live_ns(ns);
    return s ? s->find_link(name) : nullptr;
  }
  bool owned(const LinkState& l) const { return l.alias == alias_; }
  bool ns_owned(const std::string& ns) const {
    return live_.owned_namespaces.count(ns) > 0 || options_.adopt;
  }

  void check_capabilities() {
    const auto& caps = options_.capabilities;
    for (const auto& l : desired_.links) {
      if (l.kind == LinkKind::Vlan && !caps.vlan_8021q) {
        error(ErrorKind::Unsupported,
              "interface '" + l.name + "': this kernel has no 802.1Q VLAN support " +
                  "(CONFIG_VLAN_8021Q); use an OVS port with vlan: " + std::to_string(l.vlan_id) +
                  " instead",
              l.pos);
      }
    }
  }

  // ---- namespaces -------------------------------------------------------
  void plan_namespaces() {
    std::unordered_set<std::string> live(live_.kernel.all_namespaces.begin(),
                                         live_.kernel.all_namespaces.end());
    for (const auto& n : desired_.namespaces) {
      bool exists = live.count(n.name) != 0;
      if (!exists) {
        Action a;
        a.kind = ActionKind::Create;
        a.resource = "namespace";
        a.ns = n.name;
        a.object = n.name;
        a.reason = "missing";
        a.pos = n.pos;
        a.phase = Phase::Namespaces;
        a.subjects = {ns_ref(n.name), link_ref(n.name, "lo")};  // it brings lo up
        a.ops = {op::CreateNamespace{n.name}, op::ChangeLink{n.name, "lo", up_change()}};
        a.undo = {op::DeleteNamespace{n.name}};
        add(std::move(a), {ns_key(n.name), link_key(n.name, "lo")});
      } else if (live_.owned_namespaces.count(n.name) && !live_.kernel.namespaces.count(n.name)) {
        // Listed under /run/netns but no namespace: a create that was
        // interrupted (kill -9) between the file and its bind mount.
        Action a;
        a.kind = ActionKind::Replace;
        a.resource = "namespace";
        a.ns = n.name;
        a.object = n.name;
        a.reason = "/run/netns/" + n.name + " is not a namespace: an interrupted create";
        a.pos = n.pos;
        a.phase = Phase::Namespaces;
        a.subjects = {ns_ref(n.name), link_ref(n.name, "lo")};  // it brings lo up
        a.ops = {op::DeleteNamespace{n.name}, op::CreateNamespace{n.name},
                 op::ChangeLink{n.name, "lo", up_change()}};
        a.undo = {op::DeleteNamespace{n.name}};
        add(std::move(a), {ns_key(n.name), link_key(n.name, "lo")});
      } else if (!live_.owned_namespaces.count(n.name) && !options_.adopt) {
        error(ErrorKind::Conflict,
              "namespace '" + n.name + "' exists but was not created by lab '" + desired_.lab +
                  "'; remove it (ip netns del " + n.name + ") or run with --adopt to take it over",
              n.pos);
      } else if (!live_.owned_namespaces.count(n.name)) {
        // --adopt: the namespace becomes the lab's for good, recorded as if
        // netlab had made it; undone by forgetting the record, never by a delete.
        Action a;
        a.kind = ActionKind::Modify;
        a.resource = "namespace";
        a.ns = n.name;
        a.object = n.name;
        a.reason = kAdoptReason;
        a.pos = n.pos;
        a.phase = Phase::Namespaces;
        a.subjects = {ns_ref(n.name)};
        a.ops = {op::AdoptNamespace{n.name}};
        a.undo = {op::ForgetNamespace{n.name}};
        add(std::move(a), {ns_key(n.name)});
      }
    }
  }

  // ---- links --------------------------------------------------------------
  void conflict_link(const DesiredLink& l, const LinkState& have) {
    std::string owner = have.owner();
    error(ErrorKind::Conflict,
          "interface '" + l.name + "' already exists in the " + where(l.ns) +
              (owner.empty() ? " and is not netlab's" : " and belongs to lab '" + owner + "'") +
              "; remove it (ip " + (l.ns.empty() ? "" : "-n " + l.ns + " ") + "link del " + l.name +
              ")" + (owner.empty() ? " or run with --adopt to take it over" : ""),
          l.pos);
  }

  // Whether a live link may be managed by this lab: marked, or adoptable.
  bool manageable(const DesiredLink& l, const LinkState& have) {
    if (owned(have) || l.kind == LinkKind::Loopback) return true;
    if (l.kind == LinkKind::OvsInternal && have.alias.empty() && ovs_port_is_ours(l.name))
      return true;
    // --adopt takes over what is nobody's, never another lab's object.
    if (options_.adopt && have.owner().empty() && (l.ns.empty() || ns_owned(l.ns))) return true;
    if (unmarked_but_ours(l, have)) return true;
    conflict_link(l, have);
    return false;
  }

  // A link without any mark that is still the lab's: what a create
  // interrupted before the alias was set leaves (the alias cannot be part of
  // the create request). Both ends of such a veth are the lab's.
  bool unmarked_but_ours(const DesiredLink& l, const LinkState& have) const {
    if (!have.alias.empty()) return false;
    // The other end of a veth whose peer is in a namespace the lab owns.
    if (have.kind == LinkKind::Veth && have.peer_known &&
        live_.owned_namespaces.count(have.peer_ns))
      return true;
    // Any link inside a namespace the lab owns.
    return !l.ns.empty() && live_.owned_namespaces.count(l.ns) > 0;
  }

  bool ovs_port_is_ours(const std::string& name) const {
    if (!live_.ovs) return false;
    const OvsBridgeState* b = live_.ovs->bridge_of_port(name);
    if (!b) return false;
    const OvsPortState* p = b->find_port(name);
    return p && p->owner() == desired_.lab;
  }

  // Records that a link is (or will be) freshly created by this plan.
  std::set<std::string> created_;
  std::set<std::string> deleted_;  // link keys deleted by this plan

  void plan_links() {
    for (const auto& l : desired_.links) {
      const LinkState* have = live_link(l.ns, l.name);
      if (have && !manageable(l, *have)) continue;
      switch (l.kind) {
        case LinkKind::Veth:
          plan_veth(l, have);
          break;
        case LinkKind::Bridge:
        case LinkKind::Vlan:
          if (!have) {
            create_simple_link(l);
          } else if (have->kind != l.kind ||
                     (l.kind == LinkKind::Vlan &&
                      (have->vlan_id != l.vlan_id || have->vlan_parent != l.vlan_parent))) {
            replace_link(
                l, *have,
                std::string("kind ") + to_string(have->kind) + ", wanted " + to_string(l.kind));
          }
          break;
        default:
          break;  // loopback: always there; OVS internal ports: created through OVS
      }
    }
  }

  std::vector<Operation> create_ops(const DesiredLink& l) {
    std::vector<Operation> ops;
    switch (l.kind) {
      case LinkKind::Veth: {
        const DesiredLink* peer = desired_.find_link(l.peer_ns, l.peer_name);
        ops.push_back(op::CreateVeth{{l.name, l.ns, l.peer_name, l.peer_ns, alias_}});
        ops.push_back(op::ChangeLink{l.ns, l.name, fresh_change(l)});
        if (peer) ops.push_back(op::ChangeLink{peer->ns, peer->name, fresh_change(*peer)});
        break;
      }
      case LinkKind::Bridge:
        ops.push_back(op::CreateBridge{l.ns, l.name, alias_});
        ops.push_back(op::ChangeLink{l.ns, l.name, fresh_change(l)});
        break;
      case LinkKind::Vlan:
        ops.push_back(op::CreateVlan{l.ns, l.name, l.vlan_parent, l.vlan_id, alias_});
        ops.push_back(op::ChangeLink{l.ns, l.name, fresh_change(l)});
        break;
      default:
        break;
    }
    return ops;
  }

  // Attributes set right after creation (master is set in the configure phase).
  static LinkChange fresh_change(const DesiredLink& l) {
    LinkChange c;
    c.up = true;
    if (l.mtu) c.mtu = *l.mtu;
    if (l.mac) c.mac = *l.mac;
    if (l.tx_checksum_off) c.tx_checksum = false;
    return c;
  }

  std::vector<std::string> link_provides(const DesiredLink& l) {
    std::vector<std::string> p{link_key(l.ns, l.name)};
    if (l.kind == LinkKind::Veth) p.push_back(link_key(l.peer_ns, l.peer_name));
    return p;
  }
  std::vector<std::string> link_needs(const DesiredLink& l) {
    std::vector<std::string> n{ns_key(l.ns)};
    if (l.kind == LinkKind::Veth) n.push_back(ns_key(l.peer_ns));
    if (l.kind == LinkKind::Vlan) n.push_back(link_key(l.ns, l.vlan_parent));
    return n;
  }

  std::string link_object(const DesiredLink& l) {
    if (l.kind == LinkKind::Veth)
      return l.name + " <-> " + l.peer_name +
             (l.peer_ns.empty() ? "" : " (netns " + l.peer_ns + ")");
    return l.name;
  }

  // A veth pair is made, replaced or deleted as one: the action acts on both ends.
  static std::vector<ObjectRef> link_subjects(const DesiredLink& l) {
    std::vector<ObjectRef> s{link_ref(l.ns, l.name)};
    if (l.kind == LinkKind::Veth) s.push_back(link_ref(l.peer_ns, l.peer_name));
    return s;
  }

  void create_simple_link(const DesiredLink& l) {
    Action a;
    a.kind = ActionKind::Create;
    a.resource = l.kind == LinkKind::Veth ? "veth" : to_string(l.kind);
    a.ns = l.ns;
    a.object = link_object(l);
    a.reason = "missing";
    a.pos = l.pos;
    a.phase = Phase::Links;
    a.subjects = link_subjects(l);
    a.ops = create_ops(l);
    a.undo = {op::DeleteLink{l.ns, l.name}};
    created_.insert(link_key(l.ns, l.name));
    if (l.kind == LinkKind::Veth) created_.insert(link_key(l.peer_ns, l.peer_name));
    add(std::move(a), link_provides(l), link_needs(l));
  }

  // Ops that recreate a live link as it was (for the undo of a delete).
  std::vector<Operation> recreate_ops(const std::string& ns, const LinkState& have) {
    std::vector<Operation> ops;
    if (have.kind == LinkKind::Veth && have.peer_known) {
      ops.push_back(op::CreateVeth{{have.name, ns, have.peer_name, have.peer_ns, have.alias}});
    } else if (have.kind == LinkKind::Bridge) {
      ops.push_back(op::CreateBridge{ns, have.name, have.alias});
    } else if (have.kind == LinkKind::Vlan) {
      ops.push_back(op::CreateVlan{ns, have.name, have.vlan_parent, have.vlan_id, have.alias});
    } else {
      return ops;  // cannot be recreated by netlab
    }
    LinkChange c;
    c.up = have.up;
    if (have.mtu) c.mtu = have.mtu;
    if (!have.mac.empty()) c.mac = have.mac;
    if (!have.master.empty()) c.master = have.master;
    ops.push_back(op::ChangeLink{ns, have.name, c});
    for (const auto& a : have.addresses) ops.push_back(op::AddAddress{ns, have.name, a});
    return ops;
  }

  void replace_link(const DesiredLink& l, const LinkState& have, const std::string& why) {
    Action a;
    a.kind = ActionKind::Replace;
    a.resource = l.kind == LinkKind::Veth ? "veth" : to_string(l.kind);
    a.ns = l.ns;
    a.object = link_object(l);
    a.reason = why;
    a.pos = l.pos;
    a.phase = Phase::Links;
    a.subjects = link_subjects(l);
    a.ops = {op::DeleteLink{l.ns, l.name}};
    for (auto& o : create_ops(l)) a.ops.push_back(std::move(o));
    a.undo = {op::DeleteLink{l.ns, l.name}};
    for (auto& o : recreate_ops(l.ns, have)) a.undo.push_back(std::move(o));
    created_.insert(link_key(l.ns, l.name));
    if (l.kind == LinkKind::Veth) created_.insert(link_key(l.peer_ns, l.peer_name));
    add(std::move(a), link_provides(l), link_needs(l));
  }

  void plan_veth(const DesiredLink& l, const LinkState* have) {
    if (!l.primary) {
      // The pair is created from its primary end. A leftover of ours with this
      // name that is not the primary's peer is in the way: delete it first.
      const LinkState* prim = live_link(l.peer_ns, l.peer_name);
      bool paired = prim && prim->kind == LinkKind::Veth && prim->peer_known &&
                    prim->peer_name == l.name && prim->peer_ns == l.ns;
      if (have && !paired && !(prim && !prim->peer_known)) {
        delete_link_action(l.ns, *have, "in the way of veth " + l.peer_name + " <-> " + l.name);
      }
      return;
    }
    if (!have) {
      create_simple_link(l);
      return;
    }
    if (have->kind != LinkKind::Veth) {
      replace_link(l, *have, std::string("is a ") + to_string(have->kind) + ", wanted veth");
      return;
    }
    if (!have->peer_known && !l.peer_ns.empty() && !ns_exists(l.peer_ns)) {
      // Its peer lives in a namespace that is gone from /run/netns but not
      // yet destroyed (still in use, or destroyed asynchronously).
      replace_link(l, *have, "peer's namespace " + l.peer_ns + " is gone");
      return;
    }
    if (have->peer_known && (have->peer_name != l.peer_name || have->peer_ns != l.peer_ns)) {
      replace_link(l, *have,
                   "peer is " + have->peer_name + " " + in_where(have->peer_ns) + ", wanted " +
                       l.peer_name + " " + in_where(l.peer_ns));
    }
  }

  void delete_link_action(const std::string& ns, const LinkState& have, const std::string& why) {
    std::string key = link_key(ns, have.name);
    if (deleted_.count(key)) return;
    deleted_.insert(key);
    if (have.kind == LinkKind::Veth && have.peer_known) {
      deleted_.insert(link_key(have.peer_ns, have.peer_name));
    }
    Action a;
    a.kind = ActionKind::Delete;
    a.resource = have.kind == LinkKind::Veth ? "veth" : to_string(have.kind);
    a.ns = ns;
    a.object = have.name;
    a.reason = why;
    a.phase = Phase::Delete;
    a.subjects = {link_ref(ns, have.name)};
    if (have.kind == LinkKind::Veth && have.peer_known)
      a.subjects.push_back(link_ref(have.peer_ns, have.peer_name));
    a.ops = {op::DeleteLink{ns, have.name}};
    a.undo = recreate_ops(ns, have);
    add(std::move(a));
  }

  // ---- OVS ------------------------------------------------------------------
  void plan_ovs() {
    bool wanted = !desired_.ovs_bridges.empty() || !desired_.ovs_ports.empty();
    if (!live_.ovs) {
      if (wanted) {
        error(ErrorKind::Ovs, "the topology needs Open vSwitch, but its state could not be read",
              desired_.ovs_bridges.empty() ? SourcePos{} : desired_.ovs_bridges.front().pos);
      }
      return;
    }
    const OvsState& ovs = *live_.ovs;
    std::set<std::string> wanted_bridges, wanted_ports;
    for (const auto& b : desired_.ovs_bridges) {
      wanted_bridges.insert(b.name);
      const OvsBridgeState* have = ovs.find_bridge(b.name);
      if (have && have->owner() != desired_.lab) {
        if (have->owner().empty() && options_.adopt) {
          // Its own internal port (same name) comes along: without it the
          // bridge could never be deleted as the lab's.
          const OvsPortState* own = have->find_port(b.name);
          adopt_ovs(b.name, b.pos, true, own && own->owner().empty());
          continue;
        }
        foreign_ovs_row("OVS bridge '" + b.name + "' exists", have->owner(),
                        "ovs-vsctl del-br " + b.name, b.pos);
        continue;
      }
      if (have) continue;
      std::string dp = b.datapath == Datapath::System   ? "system"
                       : b.datapath == Datapath::Netdev ? "netdev"
                                                        : options_.ovs_datapath_auto;
      Action a;
      a.kind = ActionKind::Create;
      a.resource = "ovs bridge";
      a.object = b.name;
      a.reason = "missing; datapath " + dp;
      a.pos = b.pos;
      a.phase = Phase::Ovs;
      a.subjects = {ovs_bridge_ref(b.name)};
      OvsTransaction t;
      t.lab = desired_.lab;
      t.add_bridges.push_back({b.name, dp});
      OvsTransaction u;
      u.lab = desired_.lab;
      u.del_bridges.push_back(b.name);
      a.ops = {op::Ovs{t}};
      a.undo = {op::Ovs{u}};
      add(std::move(a), {"ovs-bridge:" + b.name});
    }
    for (const auto& p : desired_.ovs_ports) {
      wanted_ports.insert(p.name);
      const OvsBridgeState* hb = ovs.bridge_of_port(p.name);
      const OvsPortState* have = hb ? hb->find_port(p.name) : nullptr;
      if (have && have->owner() != desired_.lab) {
        if (have->owner().empty() && options_.adopt) {
          // Marked first in the one transaction; then repaired like the lab's.
          adopt_ovs(p.name, p.pos, false, true);
        } else {
          foreign_ovs_row("OVS port '" + p.name + "' exists on bridge '" + hb->name + "'",
                          have->owner(), "ovs-vsctl del-port " + p.name, p.pos);
          continue;
        }
      }
      std::string reason;
      bool recreate = false;
      if (!have) {
        reason = "missing";
      } else if (hb->name != p.bridge) {
        reason = "on bridge " + hb->name + ", wanted " + p.bridge;
        recreate = true;
      } else if ((have->type == "internal") != p.internal) {
        reason = p.internal ? "not an internal port" : "is an internal port";
        recreate = true;
      } else if (p.internal && !live_link(p.ns, p.name) && !live_link("", p.name)) {
        // Its device went away (with its namespace): OVS must make it anew.
        reason = "its interface " + p.name + " is gone";
        recreate = true;
      } else if (!p.internal && created_.count(link_key("", p.name))) {
        // The veth end is made (again) by this plan: OVS must open the new device.
        reason =
            "its interface " + p.name + (live_link("", p.name) ? " is made again" : " is gone");
        recreate = true;
      } else if (!have->error.empty()) {
        reason = "interface error: " + have->error;
        recreate = true;
      } else if (have->ofport < 0) {
        reason = "interface not open";
        recreate = true;
      }
      if (!have || recreate) {
        Action a;
        a.kind = have ? ActionKind::Replace : ActionKind::Create;
        a.resource = p.internal ? "ovs internal port" : "ovs port";
        a.object = p.name + " on " + p.bridge + vlan_text(p.tag, p.trunks);
        a.reason = reason;
        a.pos = p.pos;
        a.phase = Phase::Ovs;
        a.subjects = {ovs_port_ref(p.name)};
        OvsTransaction t, u;
        t.lab = u.lab = desired_.lab;
        t.add_ports.push_back({p.bridge, p.name, p.internal, p.tag, p.trunks});
        u.del_ports.push_back({p.bridge, p.name});
        if (have) {
          // Remove the old row in the delete step, add the new one after: in
          // one transaction vswitchd would keep the port as it is (it matches
          // ports by name) and not open the new device. Two halves, one replace.
          Action d;
          d.kind = ActionKind::Replace;
          d.half = ReplaceHalf::Destroy;
          d.resource = a.resource;
          d.object = a.object;
          d.reason = reason;
          d.pos = p.pos;
          d.phase = Phase::OvsDelete;
          d.subjects = a.subjects;
          OvsTransaction dt, du;
          dt.lab = du.lab = desired_.lab;
          dt.del_ports.push_back({hb->name, p.name});
          du.add_ports.push_back(
              {hb->name, p.name, have->type == "internal", have->tag, have->trunks});
          d.ops = {op::Ovs{dt}};
          d.undo = {op::Ovs{du}};
          add(std::move(d));
          a.half = ReplaceHalf::Create;
        }
        a.ops = {op::Ovs{t}};
        a.undo = {op::Ovs{u}};
        std::vector<std::string> needs{"ovs-bridge:" + p.bridge};
        if (!p.internal) needs.push_back(link_key("", p.name));
        add(std::move(a), {"ovs-port:" + p.name}, needs);
        if (p.internal) created_.insert(link_key("", p.name));
        continue;
      }
      std::vector<int> trunks = have->trunks;
      std::sort(trunks.begin(), trunks.end());
      if (have->tag != p.tag || trunks != p.trunks) {
        Action a;
        a.kind = ActionKind::Modify;
        a.resource = "ovs port";
        a.object = p.name + " on " + p.bridge;
        a.reason = vlan_state(have->tag, trunks) + " -> " + vlan_state(p.tag, p.trunks);
        a.pos = p.pos;
        a.phase = Phase::Ovs;
        a.subjects = {ovs_port_ref(p.name)};
        OvsTransaction t, u;
        t.lab = u.lab = desired_.lab;
        t.set_vlans.push_back({p.name, p.tag, p.trunks});
        u.set_vlans.push_back({p.name, have->tag, trunks});
        a.ops = {op::Ovs{t}};
        a.undo = {op::Ovs{u}};
        add(std::move(a));
      }
    }
    // Rows of the lab no longer in the topology.
    for (const auto& b : ovs.bridges) {
      // A bridge of the lab that holds someone else's port stays (deleting it
      // would take their port along); only the lab's own ports go.
      bool holds_foreign = std::any_of(b.ports.begin(), b.ports.end(), [&](const OvsPortState& p) {
        return p.name != b.name && p.owner() != desired_.lab;
      });
      if (b.owner() == desired_.lab && !wanted_bridges.count(b.name) && !holds_foreign) {
        Action a;
        a.kind = ActionKind::Delete;
        a.resource = "ovs bridge";
        a.object = b.name;
        a.reason = "owned but no longer in topology";
        a.phase = Phase::OvsDelete;
        a.subjects = {ovs_bridge_ref(b.name)};
        OvsTransaction t, u;
        t.lab = u.lab = desired_.lab;
        t.del_bridges.push_back(b.name);
        u.add_bridges.push_back({b.name, b.datapath_type.empty() ? "system" : b.datapath_type});
        for (const auto& p : b.ports) {
          if (p.name == b.name) continue;  // the bridge's own port comes with it
          u.add_ports.push_back({b.name, p.name, p.type == "internal", p.tag, p.trunks});
        }
        a.ops = {op::Ovs{t}};
        a.undo = {op::Ovs{u}};
        add(std::move(a));
        continue;
      }
      for (const auto& p : b.ports) {
        if (p.name == b.name) continue;  // a bridge's own port lives and dies with it
        if (p.owner() == desired_.lab && !wanted_ports.count(p.name)) {
          Action a;
          a.kind = ActionKind::Delete;
          a.resource = "ovs port";
          a.object = p.name + " on " + b.name;
          a.reason = "owned but no longer in topology";
          a.phase = Phase::OvsDelete;
          a.subjects = {ovs_port_ref(p.name)};
          OvsTransaction t, u;
          t.lab = u.lab = desired_.lab;
          t.del_ports.push_back({b.name, p.name});
          u.add_ports.push_back({b.name, p.name, p.type == "internal", p.tag, p.trunks});
          a.ops = {op::Ovs{t}};
          a.undo = {op::Ovs{u}};
          add(std::move(a));
        }
      }
    }
  }

  // "vlan 100", "trunks 1,2", "untagged": a port's VLAN setting, for reasons.
  static std::string vlan_state(const std::optional<int>& tag, const std::vector<int>& trunks) {
    std::string s = vlan_text(tag, trunks);
    return s.empty() ? "untagged" : s.substr(1);
  }

  static std::string vlan_text(const std::optional<int>& tag, const std::vector<int>& trunks) {
    if (tag) return " vlan " + std::to_string(*tag);
    if (!trunks.empty()) {
      std::string s = " trunks ";
      for (std::size_t i = 0; i < trunks.size(); ++i)
        s += (i ? "," : "") + std::to_string(trunks[i]);
      return s;
    }
    return "";
  }

  // An OVS row in the way that is not the lab's: made by hand (--adopt may
  // take it over) or another lab's (never taken).
  void foreign_ovs_row(const std::string& what, const std::string& owner, const std::string& remove,
                       const SourcePos& pos) {
    error(ErrorKind::Conflict,
          what + " but " +
              (owner.empty() ? "was not created by lab '" + desired_.lab + "'"
                             : "belongs to lab '" + owner + "'") +
              "; remove it (" + remove + ")" +
              (owner.empty() ? " or run with --adopt to take it over" : ""),
          pos);
  }

  // --adopt of an OVS bridge (with its own internal port) or port made
  // outside netlab: its row gets the lab's mark in the apply's transaction.
  void adopt_ovs(const std::string& name, const SourcePos& pos, bool bridge, bool port) {
    Action a;
    a.kind = ActionKind::Modify;
    a.resource = bridge ? "ovs bridge" : "ovs port";
    a.object = name;
    a.reason = kAdoptReason;
    a.pos = pos;
    a.phase = Phase::Ovs;
    a.subjects = {bridge ? ovs_bridge_ref(name) : ovs_port_ref(name)};
    OvsTransaction t, u;
    t.lab = u.lab = desired_.lab;
    if (bridge) {
      t.adopt_bridges.push_back(name);
      u.disown_bridges.push_back(name);
    }
    if (port) {
      t.adopt_ports.push_back(name);
      u.disown_ports.push_back(name);
    }
    a.ops = {op::Ovs{t}};
    a.undo = {op::Ovs{u}};
    add(std::move(a));
  }

  // ---- link attributes, addresses, routes, sysctls ---------------------------
  void plan_configuration() {
    for (const auto& l : desired_.links) {
      std::string key = link_key(l.ns, l.name);
      const LinkState* have = created_.count(key) ? nullptr : live_link(l.ns, l.name);
      bool fresh = created_.count(key) > 0 || (l.kind != LinkKind::Veth && !have);
      if (have && !owned(*have) && l.kind != LinkKind::Loopback &&
          !(l.kind == LinkKind::OvsInternal)) {
        // The same rule as manageable(): what it accepted is configured (and
        // marked) here; anything else is a conflict, already reported.
        if (!(options_.adopt && have->owner().empty()) && !unmarked_but_ours(l, *have)) continue;
      }
      if (!have && !fresh) {
        // Veth end whose pair is being created (the non-primary end).
        fresh = true;
      }
      if (l.kind == LinkKind::OvsInternal)
        plan_internal_port(l, have);
      else if (have)
        plan_attributes(l, *have);
      if (!l.master.empty() && (!have || have->master != l.master)) {
        Action a;
        a.kind = have ? ActionKind::Modify : ActionKind::Create;
        a.resource = "bridge port";
        a.ns = l.ns;
        a.object = l.name + " of " + l.master;
        a.reason = have ? (have->master.empty() ? "no master" : "master " + have->master) + " -> " +
                              l.master
                        : "missing";
        a.pos = l.pos;
        a.phase = Phase::Configure;
        a.subjects = {link_ref(l.ns, l.name)};
        a.ops = {op::ChangeLink{l.ns, l.name, master_change(l.master)}};
        a.undo = {op::ChangeLink{l.ns, l.name, master_change(have ? have->master : "")}};
        add(std::move(a), {}, {key, link_key(l.ns, l.master)});
      }
      if (!l.dhcp) plan_addresses(l, have);
    }
    plan_routes();
    plan_sysctls();
  }

  void plan_internal_port(const DesiredLink& l, const LinkState* have) {
    std::string key = link_key(l.ns, l.name);
    bool port_fresh = created_.count(link_key("", l.name)) > 0;
    // Where the device is now: in its namespace, or still in the root namespace.
    const LinkState* in_root = l.ns.empty() || port_fresh ? nullptr : live_link("", l.name);
    if (port_fresh) have = nullptr;
    std::vector<Operation> ops, undo;
    std::vector<std::string> why;
    if (!have && (port_fresh || in_root) && !l.ns.empty()) {
      ops.push_back(op::MoveLink{"", l.name, l.ns});
      undo.push_back(op::MoveLink{l.ns, l.name, ""});
      why.push_back("move into netns " + l.ns);
    }
    const LinkState* cur = have ? have : in_root;
    LinkChange c, u;
    if (!cur || cur->alias != alias_) {
      c.alias = alias_;
      u.alias = cur ? cur->alias : "";
    }
    if (!cur || !cur->up) {
      c.up = true;
      u.up = false;
    }
    if (l.mtu && (!cur || cur->mtu != *l.mtu)) {
      c.mtu = *l.mtu;
      if (cur) u.mtu = cur->mtu;
    }
    if (l.mac && (!cur || cur->mac != *l.mac)) {
      c.mac = *l.mac;
      if (cur) u.mac = cur->mac;
    }
    if (!have && !port_fresh && !in_root) {
      if (!l.ns.empty() && !ns_exists(l.ns) && ovs_port_is_ours(l.name)) {
        // Namespace gone: the device went with it; the OVS port is replaced above.
      }
      return;
    }
    if (!c.empty()) {
      ops.push_back(op::ChangeLink{l.ns, l.name, c});
      undo.insert(undo.begin(), op::ChangeLink{l.ns, l.name, u});
      if (cur) why.push_back(attr_reason(*cur, c));
    }
    if (ops.empty()) return;
    Action a;
    a.kind = port_fresh ? ActionKind::Create : ActionKind::Modify;
    a.resource = "internal port";
    a.ns = l.ns;
    a.object = l.name;
    a.reason = port_fresh ? "set up after OVS creates it" : join(why);
    a.pos = l.pos;
    a.phase = Phase::Configure;
    a.subjects = {link_ref(l.ns, l.name)};
    a.ops = std::move(ops);
    a.undo = std::move(undo);
    add(std::move(a), {key}, {"ovs-port:" + l.name, ns_key(l.ns)});
    created_.insert(key);
  }

  std::string attr_reason(const LinkState& have, const LinkChange& c) {
    std::vector<std::string> why;
    if (c.up)
      why.push_back(std::string(have.up ? "up" : "down") + " -> " + (*c.up ? "up" : "down"));
    if (c.mtu) why.push_back("mtu " + std::to_string(have.mtu) + " -> " + std::to_string(*c.mtu));
    if (c.mac) why.push_back("mac " + have.mac + " -> " + *c.mac);
    if (c.alias) why.push_back("mark '" + have.alias + "' -> '" + *c.alias + "'");
    return join(why);
  }

  void plan_attributes(const DesiredLink& l, const LinkState& have) {
    LinkChange c, u;
    if (!have.up) {
      c.up = true;
      u.up = false;
    }
    if (l.mtu && have.mtu != *l.mtu) {
      c.mtu = *l.mtu;
      u.mtu = have.mtu;
    }
    if (l.mac && have.mac != *l.mac) {
      c.mac = *l.mac;
      u.mac = have.mac;
    }
    if (l.kind != LinkKind::Loopback && have.alias != alias_) {
      c.alias = alias_;
      u.alias = have.alias;
    }
    if (c.empty()) return;
    Action a;
    a.kind = ActionKind::Modify;
    a.resource = l.kind == LinkKind::Loopback ? "loopback" : to_string(l.kind);
    a.ns = l.ns;
    a.object = l.name;
    a.reason = attr_reason(have, c);
    a.pos = l.pos;
    a.phase = Phase::Configure;
    a.subjects = {link_ref(l.ns, l.name)};
    a.ops = {op::ChangeLink{l.ns, l.name, c}};
    a.undo = {op::ChangeLink{l.ns, l.name, u}};
    add(std::move(a), {}, {link_key(l.ns, l.name)});
  }

  void plan_addresses(const DesiredLink& l, const LinkState* have) {
    std::string key = link_key(l.ns, l.name);
    std::vector<IpPrefix> current = have ? have->addresses : std::vector<IpPrefix>{};
    if (l.kind == LinkKind::Loopback) return;  // the kernel manages lo's addresses
    // Stale addresses go first: deleting a primary address deletes the
    // secondaries of its subnet (promote_secondaries is 0 in a new namespace).
    for (const auto& extra : current) {
      if (std::find(l.addresses.begin(), l.addresses.end(), extra) != l.addresses.end()) continue;
      add(address_action(ActionKind::Delete, l, extra, "not in topology"), {}, {key});
    }
    for (const auto& want : l.addresses) {
      if (std::find(current.begin(), current.end(), want) != current.end()) continue;
      if (l.ns.empty() && host_subnet_taken(l, want)) continue;
      add(address_action(ActionKind::Create, l, want, "missing"),
          {"addr:" + l.ns + "/" + want.str()}, {key});
    }
  }

  // An address of the root namespace in a subnet that another interface there
  // holds (the machine's own, or another lab's: a copy of the same topology
  // under --prefix) would make the host's routing ambiguous: the lab would
  // come up and then not work. Planning stops instead.
  bool host_subnet_taken(const DesiredLink& l, const IpPrefix& want) {
    for (const auto& [name, other] : live_.kernel.root.links) {
      if (name == l.name || owned(other)) continue;
      for (const auto& a : other.addresses) {
        // Nested subnets are fine (the longer prefix wins, as with a lab
        // subnet inside a big site network); the same subnet, or the same
        // address, is not.
        if (!(a.network() == want.network()) && !(a.address == want.address)) continue;
        std::string owner = other.owner();
        std::string what = l.kind == LinkKind::Bridge ? "bridge" : "host interface";
        error(ErrorKind::Conflict,
              what + " '" + l.name + "' would get " + want.str() + ", but " + a.str() + " on '" +
                  name + "'" + (owner.empty() ? "" : " (lab '" + owner + "')") +
                  " is in the same subnet: two interfaces of the host in one subnet make its "
                  "routing ambiguous; give this lab other host addresses (copies made with "
                  "--prefix need their own)",
              l.pos);
        return true;
      }
    }
    return false;
  }

  static Action address_action(ActionKind kind, const DesiredLink& l, const IpPrefix& address,
                               const char* reason) {
    Action a;
    a.kind = kind;
    a.resource = "address";
    a.ns = l.ns;
    a.object = address.str() + " on " + l.name;
    a.reason = reason;
    a.pos = l.pos;
    a.phase = Phase::Configure;
    a.subjects = {link_ref(l.ns, l.name)};
    Operation add_op = op::AddAddress{l.ns, l.name, address};
    Operation del_op = op::DeleteAddress{l.ns, l.name, address};
    a.ops = {kind == ActionKind::Create ? add_op : del_op};
    a.undo = {kind == ActionKind::Create ? del_op : add_op};
    return a;
  }

  void plan_routes() {
    std::map<std::string, std::vector<const DesiredRoute*>> by_ns;
    for (const auto& r : desired_.routes) by_ns[r.ns].push_back(&r);
    for (const auto& n : desired_.namespaces) by_ns[n.name];  // also look for stale ones
    for (const auto& [ns, wanted] : by_ns) {
      const NamespaceState* s = live_ns(ns);
      std::vector<RouteState> live_static;
      if (s) {
        for (const auto& r : s->routes)
          if (r.protocol == kRtprotStatic) live_static.push_back(r);
      }
      for (const DesiredRoute* r : wanted) {
        bool found = std::any_of(live_static.begin(), live_static.end(),
                                 [&](const RouteState& h) { return same_route(r->route, h); });
        if (found) continue;
        Action a;
        a.kind = ActionKind::Create;
        a.resource = "route";
        a.ns = ns;
        a.object = route_name(r->route);
        a.reason = "missing";
        a.pos = r->pos;
        a.phase = Phase::Configure;
        a.subjects = {{ObjectRef::Kind::Route, ns, a.object}};
        a.ops = {op::AddRoute{ns, r->route}};
        a.undo = {op::DeleteRoute{ns, r->route}};
        add(std::move(a), {}, {ns_key(ns)});
      }
      if (ns.empty()) continue;  // host routes are never netlab's
      for (const auto& h : live_static) {
        bool wanted_route = std::any_of(wanted.begin(), wanted.end(), [&](const DesiredRoute* r) {
          return same_route(r->route, h);
        });
        if (wanted_route) continue;
        Action a;
        a.kind = ActionKind::Delete;
        a.resource = "route";
        a.ns = ns;
        a.object = route_name(to_request(h));
        a.reason = "not in topology";
        a.phase = Phase::Configure;
        a.subjects = {{ObjectRef::Kind::Route, ns, a.object}};
        a.ops = {op::DeleteRoute{ns, to_request(h)}};
        a.undo = {op::AddRoute{ns, to_request(h)}};
        add(std::move(a));
      }
    }
  }

  void plan_sysctls() {
    for (const auto& s : desired_.sysctls) {
      const NamespaceState* n = live_ns(s.ns);
      std::string have;
      if (n) {
        auto it = n->sysctls.find(s.key);
        if (it != n->sysctls.end()) have = it->second;
      }
      if (n && have == s.value) continue;
      Action a;
      a.kind = n ? ActionKind::Modify : ActionKind::Create;
      a.resource = "sysctl";
      a.ns = s.ns;
      a.object = s.key + " = " + s.value;
      a.reason = n ? "is " + have : "new namespace";
      a.pos = s.pos;
      a.phase = Phase::Configure;
      a.subjects = {{ObjectRef::Kind::Sysctl, s.ns, s.key}};
      a.ops = {op::WriteSysctl{s.ns, s.key, s.value}};
      if (n && !have.empty()) a.undo = {op::WriteSysctl{s.ns, s.key, have}};
      add(std::move(a), {}, {ns_key(s.ns)});
    }
    // Host sysctls the lab changed and no longer wants: restore the saved value.
    for (const auto& [key, old] : live_.saved_host_sysctls) {
      // clang 14 cannot capture a structured binding in a lambda: capture a reference.
      bool wanted =
          std::any_of(desired_.sysctls.begin(), desired_.sysctls.end(),
                      [&k = key](const DesiredSysctl& s) { return s.ns.empty() && s.key == k; });
      if (wanted) continue;
      auto it = live_.kernel.root.sysctls.find(key);
      std::string have = it == live_.kernel.root.sysctls.end() ? "" : it->second;
      if (have == old) continue;
      Action a;
      a.kind = ActionKind::Modify;
      a.resource = "sysctl";
      a.object = key + " = " + old;
      a.reason = "restore value from before the lab";
      a.phase = Phase::Configure;
      a.subjects = {{ObjectRef::Kind::Sysctl, "", key}};
      a.ops = {op::WriteSysctl{"", key, old}};
      if (!have.empty()) a.undo = {op::WriteSysctl{"", key, have}};
      add(std::move(a));
    }
  }

  // ---- objects of the lab that are no longer wanted ---------------------------
  void plan_stale_kernel_objects() {
    std::set<std::string> wanted_ns;
    for (const auto& n : desired_.namespaces) wanted_ns.insert(n.name);
    std::set<std::string> dying;  // namespaces this plan deletes
    std::unordered_set<std::string> live(live_.kernel.all_namespaces.begin(),
                                         live_.kernel.all_namespaces.end());
    for (const auto& ns : live_.owned_namespaces) {
      if (wanted_ns.count(ns)) continue;
      bool exists = live.count(ns) != 0;
      if (!exists) continue;
      dying.insert(ns);
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
      add(std::move(a));
    }
    // Links of the lab in the namespaces we can see, not in the topology.
    std::vector<std::string> gone_in_root;
    auto scan = [&](const std::string& ns, const NamespaceState& s) {
      for (const auto& [name, have] : s.links) {
        if (!owned(have) || desired_.find_link(ns, name)) continue;
        if (dying.count(ns)) continue;
        if (have.kind == LinkKind::Veth && have.peer_known && dying.count(have.peer_ns)) {
          gone_in_root.push_back(name);  // goes away with its peer's namespace
          continue;
        }
        if (ovs_internal_of_lab(name)) continue;  // removed with its OVS port
        delete_link_action(ns, have, "owned but no longer in topology");
      }
    };
    scan("", live_.kernel.root);
    for (const auto& [ns, s] : live_.kernel.namespaces) scan(ns, s);
    // The peers of veths in deleted namespaces vanish asynchronously: wait for
    // them so that a create right after does not trip over them.
    if (!dying.empty()) {
      for (const auto& [name, have] : live_.kernel.root.links) {
        if (have.kind == LinkKind::Veth && have.peer_known && dying.count(have.peer_ns) &&
            std::find(gone_in_root.begin(), gone_in_root.end(), name) == gone_in_root.end() &&
            (owned(have) || desired_.find_link("", name))) {
          gone_in_root.push_back(name);
        }
      }
    }
    if (!gone_in_root.empty()) {
      std::sort(gone_in_root.begin(), gone_in_root.end());
      Action a;
      a.kind = ActionKind::Delete;
      a.resource = "veth ends";
      a.object = join(gone_in_root);
      a.reason = "go away with their namespaces";
      a.phase = Phase::Settle;
      for (const auto& name : gone_in_root) a.subjects.push_back(link_ref("", name));
      a.ops = {op::WaitLinksGone{"", gone_in_root}};
      add(std::move(a));
    }
  }

  // ---- daemons: DHCP servers and clients ------------------------------------
  void plan_daemons() {
    std::set<std::string> wanted;
    for (const auto& d : desired_.daemons) {
      std::string id = d.id();
      wanted.insert(id);
      auto it = live_.daemons.find(id);
      const DaemonState* have = it == live_.daemons.end() ? nullptr : &it->second;
      bool ns_fresh = !d.ns().empty() && !ns_exists(d.ns());
      Action a;
      a.resource = d.is_server() ? "dhcp server" : "dhcp client";
      a.ns = d.ns();
      a.object = d.interface();
      a.pos = d.pos;
      a.phase = d.is_server() ? Phase::Servers : Phase::Clients;
      a.subjects = {{ObjectRef::Kind::Daemon, d.ns(), id}};
      std::vector<std::string> needs{link_key(d.ns(), d.interface())};
      if (have && have->running && !ns_fresh) {
        if (have->spec.config_hash() == d.config_hash()) {
          auto outside = lease_outside_range(*have);
          if (!outside) continue;
          // Renew from scratch: the stop removes the old lease and its address.
          a.kind = ActionKind::Modify;
          a.reason = *outside + ": renew";
          a.ops = {op::StopDaemon{have->spec, false}, op::StartDaemon{d}};
          a.undo = {op::StopDaemon{d, false}, op::StartDaemon{have->spec}};
          add(std::move(a), {"daemon:" + id}, needs);
          continue;
        }
        a.kind = ActionKind::Modify;
        a.reason = "configuration changed: restart";
        a.ops = {op::StopDaemon{have->spec, true}, op::StartDaemon{d}};
        a.undo = {op::StopDaemon{d, true}, op::StartDaemon{have->spec}};
      } else {
        a.kind = ActionKind::Create;
        a.reason = !have      ? "missing"
                   : ns_fresh ? "new namespace"
                              : "not running: " + not_running_reason(have->why_not);
        a.ops = {op::StartDaemon{d}};
        a.undo = {op::StopDaemon{d, false}};
      }
      add(std::move(a), {"daemon:" + id}, needs);
    }
    for (const auto& [id, have] : live_.daemons) {
      if (wanted.count(id)) continue;
      Action a;
      a.kind = ActionKind::Delete;
      a.resource = have.spec.is_server() ? "dhcp server" : "dhcp client";
      a.ns = have.spec.ns();
      a.object = have.spec.interface();
      a.reason = have.running ? "owned but no longer in topology" : "record of a stopped daemon";
      a.phase = Phase::StopDaemons;
      a.subjects = {{ObjectRef::Kind::Daemon, have.spec.ns(), id}};
      a.ops = {op::StopDaemon{have.spec, false}};
      if (have.running) a.undo = {op::StartDaemon{have.spec}};
      add(std::move(a));
    }
  }

  // A client's lease outside the range of the server that gave it (the
  // server of the topology whose lease file holds that address for the
  // client's MAC) is drift: the range changed, and the client would keep the
  // old address until the lease ends. "lease 10.0.0.50 outside the server's
  // range 10.0.0.100-10.0.0.150", or nullopt.
  std::optional<std::string> lease_outside_range(const DaemonState& have) const {
    if (!have.lease) return std::nullopt;
    const LinkState* link = live_link(have.spec.ns(), have.spec.interface());
    if (!link) return std::nullopt;
    const IpAddress& leased = have.lease->address.address;
    auto gave_it = [&](const DaemonState& server) {
      for (const auto& l : server.served)
        if (l.address == leased && l.mac == link->mac) return true;
      return false;
    };
    std::string ranges;
    for (const auto& s : desired_.dhcp_servers) {
      bool from_s = false;
      for (const auto& [id, server] : live_.daemons) {
        const auto* inst = std::get_if<DnsmasqInstance>(&server.spec.instance);
        from_s |= inst && inst->ns == s.namespace_name && inst->interface == s.interface &&
                  gave_it(server);
      }
      if (!from_s) continue;
      if (!(leased < s.range_start) && !(s.range_end < leased)) return std::nullopt;
      ranges += (ranges.empty() ? "" : ", ") + s.range_start.str() + "-" + s.range_end.str();
    }
    if (ranges.empty()) return std::nullopt;  // from a server the topology does not have
    return "lease " + leased.str() + " outside the server's range " + ranges;
  }

  // Why a daemon is not running, without saying "not running" twice: the
  // check reports a dead process as "pid 12 is not running".
  static std::string not_running_reason(const std::string& why) {
    const std::string dead = " is not running";
    if (why.size() > dead.size() && why.compare(why.size() - dead.size(), dead.size(), dead) == 0)
      return why.substr(0, why.size() - dead.size()) + " is gone";
    return why;
  }

  // ---- NAT: one nftables table per lab ---------------------------------------
  void plan_nat() {
    if (!live_.nat) return;
    const NatTableState& have = *live_.nat;
    auto same = [&] {
      if (!have.exists || !have.chain_ok || !have.other_rules.empty()) return false;
      if (have.rules.size() != desired_.nat.size()) return false;
      for (std::size_t i = 0; i < have.rules.size(); ++i) {
        if (have.rules[i].source.network() != desired_.nat[i].source.network() ||
            have.rules[i].out != desired_.nat[i].out)
          return false;
      }
      return true;
    };
    std::vector<NatRule> old;
    for (const auto& r : have.rules) {
      NatRule rule;
      rule.source = r.source;
      rule.out = r.out;
      old.push_back(rule);
    }
    std::string table = "ip netlab-" + desired_.lab;
    if (desired_.nat.empty()) {
      if (!have.exists) return;
      Action a;
      a.kind = ActionKind::Delete;
      a.resource = "nat table";
      a.object = table;
      a.reason = "owned but no longer in topology";
      a.phase = Phase::StopDaemons;
      a.subjects = {{ObjectRef::Kind::NatTable, "", table}};
      a.ops = {op::RemoveNat{desired_.lab}};
      a.undo = {op::ApplyNat{desired_.lab, old}};
      add(std::move(a));
      return;
    }
    if (same()) return;
    Action a;
    a.kind = have.exists ? ActionKind::Modify : ActionKind::Create;
    a.resource = "nat table";
    a.object = table;
    std::string rules;
    for (const auto& r : desired_.nat)
      rules += (rules.empty() ? "" : ", ") + r.source.network().str() + " -> " + r.out;
    a.reason = (have.exists ? "rules differ; masquerade " : "masquerade ") + rules;
    a.pos = desired_.nat.front().pos;
    a.phase = Phase::Servers;
    a.subjects = {{ObjectRef::Kind::NatTable, "", table}};
    a.ops = {op::ApplyNat{desired_.lab, desired_.nat}};
    if (have.exists)
      a.undo = {op::ApplyNat{desired_.lab, old}};
    else
      a.undo = {op::RemoveNat{desired_.lab}};
    add(std::move(a));
  }

  bool ovs_internal_of_lab(const std::string& name) const {
    if (!live_.ovs) return false;
    const OvsBridgeState* b = live_.ovs->bridge_of_port(name);
    if (!b) return false;
    const OvsPortState* p = b->find_port(name);
    return p && p->owner() == desired_.lab && p->type == "internal";
  }

  const DesiredState& desired_;
  const LiveState& live_;
  const PlanOptions& options_;
  std::string alias_;
  std::vector<Pending> actions_;
  std::vector<Error> errors_;
};

}  // namespace

std::string route_name(const RouteRequest& r) {
  std::string s = r.dst ? r.dst->network().str() : "default";
  if (r.gateway) s += " via " + r.gateway->str();
  if (!r.dev.empty()) s += " dev " + r.dev;
  return s;
}

bool route_matches(const RouteRequest& want, const RouteState& have) {
  return have.protocol == kRtprotStatic && same_route(want, have);
}

PlanResult make_plan(const DesiredState& desired, const LiveState& live,
                     const PlanOptions& options) {
  return Planner(desired, live, options).run();
}

}  // namespace netlab
