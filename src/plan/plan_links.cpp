// veth pairs, Linux bridges and VLANs: created when missing, replaced when
// the live link is of another kind or another pair, deleted when a leftover
// of the lab is in the way. Their attributes and addresses are configured
// later (plan_configuration.cpp); OVS internal ports are made by OVS.
#include "plan/families.hpp"

namespace netlab {

namespace {

void conflict_link(PlanBuilder& b, const DesiredLink& l, const LinkState& have) {
  std::string owner = have.owner();
  b.error(ErrorKind::Conflict,
          "interface '" + l.name + "' already exists in the " + where(l.ns) +
              (owner.empty() ? " and is not netlab's" : " and belongs to lab '" + owner + "'") +
              "; remove it (ip " + (l.ns.empty() ? "" : "-n " + l.ns + " ") + "link del " + l.name +
              ")" + (owner.empty() ? " or run with --adopt to take it over" : ""),
          l.pos);
}

// Attributes set right after creation (master is set in the configure phase).
LinkChange fresh_change(const DesiredLink& l) {
  LinkChange c;
  c.up = l.up;
  if (l.mtu) c.mtu = *l.mtu;
  if (l.mac) c.mac = *l.mac;
  if (l.tx_checksum_off) c.tx_checksum = false;
  return c;
}

std::vector<Operation> create_ops(const DesiredState& d, const std::string& alias,
                                  const DesiredLink& l) {
  std::vector<Operation> ops;
  switch (l.kind) {
    case LinkKind::Veth: {
      const DesiredLink* peer = d.find_link(l.peer_ns, l.peer_name);
      ops.push_back(op::CreateVeth{{l.name, l.ns, l.peer_name, l.peer_ns, alias}});
      ops.push_back(op::ChangeLink{l.ns, l.name, fresh_change(l)});
      if (peer) ops.push_back(op::ChangeLink{peer->ns, peer->name, fresh_change(*peer)});
      break;
    }
    case LinkKind::Bridge:
      ops.push_back(op::CreateBridge{l.ns, l.name, alias});
      ops.push_back(op::ChangeLink{l.ns, l.name, fresh_change(l)});
      break;
    case LinkKind::Vlan:
      ops.push_back(op::CreateVlan{l.ns, l.name, l.vlan_parent, l.vlan_id, alias});
      ops.push_back(op::ChangeLink{l.ns, l.name, fresh_change(l)});
      break;
    case LinkKind::Vxlan:
      if (l.vxlan) {
        VxlanRequest req = *l.vxlan;
        req.alias = alias;
        ops.push_back(op::CreateVxlan{req});
        ops.push_back(op::ChangeLink{l.ns, l.name, fresh_change(l)});
      }
      break;
    default:
      break;
  }
  return ops;
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
  } else if (have.kind == LinkKind::Vxlan && have.vxlan_local && have.vxlan_remote) {
    ops.push_back(op::CreateVxlan{{ns, have.name, have.vxlan_id, *have.vxlan_local,
                                   *have.vxlan_remote, have.vxlan_port, have.alias}});
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

std::string link_resource(LinkKind kind) {
  return kind == LinkKind::Veth ? "veth" : to_string(kind);
}

// A create or replace: made (again) by this plan, with both ends of a veth.
Action link_action(ActionKind kind, const DesiredLink& l, const std::string& reason) {
  Action a;
  a.kind = kind;
  a.resource = link_resource(l.kind);
  a.ns = l.ns;
  a.object = l.kind == LinkKind::Veth ? l.name + " <-> " + l.peer_name +
                                            (l.peer_ns.empty() ? "" : " (netns " + l.peer_ns + ")")
                                      : l.name;
  // A tunnel: which one, so that both machines' plans can be compared.
  if (l.kind == LinkKind::Vxlan && l.vxlan)
    a.object = l.name + " (vni " + std::to_string(l.vxlan->vni) + ", remote " +
               l.vxlan->remote.str() + ")";
  a.reason = reason;
  a.pos = l.pos;
  a.phase = Phase::Links;
  // A veth pair is made, replaced or deleted as one: the action acts on both ends.
  a.subjects = {link_ref(l.ns, l.name)};
  if (l.kind == LinkKind::Veth) a.subjects.push_back(link_ref(l.peer_ns, l.peer_name));
  return a;
}

void add_link_action(const DesiredLink& l, Action a, PlanBuilder& b) {
  b.creates_link(l.ns, l.name);
  if (l.kind == LinkKind::Veth) b.creates_link(l.peer_ns, l.peer_name);
  b.add(std::move(a));
}

void create_link(const DesiredState& d, const DesiredLink& l, PlanBuilder& b) {
  Action a = link_action(ActionKind::Create, l, "missing");
  a.ops = create_ops(d, b.alias(), l);
  a.undo = {op::DeleteLink{l.ns, l.name}};
  add_link_action(l, std::move(a), b);
}

void replace_link(const DesiredState& d, const DesiredLink& l, const LinkState& have,
                  const std::string& why, PlanBuilder& b) {
  Action a = link_action(ActionKind::Replace, l, why);
  a.ops = {op::DeleteLink{l.ns, l.name}};
  for (auto& o : create_ops(d, b.alias(), l)) a.ops.push_back(std::move(o));
  a.undo = {op::DeleteLink{l.ns, l.name}};
  for (auto& o : recreate_ops(l.ns, have)) a.undo.push_back(std::move(o));
  add_link_action(l, std::move(a), b);
}

void plan_veth(const DesiredState& d, const DesiredLink& l, const LinkState* have, PlanBuilder& b) {
  if (!l.primary) {
    // The pair is created from its primary end. A leftover of ours with this
    // name that is not the primary's peer is in the way: delete it first.
    const LinkState* prim = b.live_link(l.peer_ns, l.peer_name);
    bool paired = prim && prim->kind == LinkKind::Veth && prim->peer_known &&
                  prim->peer_name == l.name && prim->peer_ns == l.ns;
    if (have && !paired && !(prim && !prim->peer_known)) {
      delete_link(b, l.ns, *have, "in the way of veth " + l.peer_name + " <-> " + l.name);
    }
    return;
  }
  if (!have) {
    create_link(d, l, b);
    return;
  }
  if (have->kind != LinkKind::Veth) {
    replace_link(d, l, *have, std::string("is a ") + to_string(have->kind) + ", wanted veth", b);
    return;
  }
  if (!have->peer_known && !l.peer_ns.empty() && !b.ns_exists(l.peer_ns)) {
    // Its peer lives in a namespace that is gone from /run/netns but not
    // yet destroyed (still in use, or destroyed asynchronously).
    replace_link(d, l, *have, "peer's namespace " + l.peer_ns + " is gone", b);
    return;
  }
  if (have->peer_known && (have->peer_name != l.peer_name || have->peer_ns != l.peer_ns)) {
    replace_link(d, l, *have,
                 "peer is " + have->peer_name + " " + in_where(have->peer_ns) + ", wanted " +
                     l.peer_name + " " + in_where(l.peer_ns),
                 b);
  }
}

// Why a live link is not the wanted VXLAN end ("" = it is): its kind, id,
// underlay addresses or port. None of them can be changed in place.
std::string vxlan_difference(const DesiredLink& l, const LinkState& have) {
  if (have.kind != LinkKind::Vxlan)
    return std::string("is a ") + to_string(have.kind) + ", wanted vxlan";
  const VxlanRequest& want = *l.vxlan;
  if (have.vxlan_id != want.vni)
    return "vni " + std::to_string(have.vxlan_id) + " -> " + std::to_string(want.vni);
  auto text = [](const std::optional<IpAddress>& a) { return a ? a->str() : "none"; };
  if (have.vxlan_local != want.local)
    return "local " + text(have.vxlan_local) + " -> " + want.local.str();
  if (have.vxlan_remote != want.remote)
    return "remote " + text(have.vxlan_remote) + " -> " + want.remote.str();
  if (have.vxlan_port != want.port)
    return "dstport " + std::to_string(have.vxlan_port) + " -> " + std::to_string(want.port);
  return "";
}

}  // namespace

void check_capabilities(const DesiredState& d, const LiveState& /*live*/, PlanBuilder& b) {
  const auto& caps = b.options().capabilities;
  for (const auto& l : d.links) {
    if (l.kind == LinkKind::Vlan && !caps.vlan_8021q) {
      b.error(ErrorKind::Unsupported,
              "interface '" + l.name + "': this kernel has no 802.1Q VLAN support " +
                  "(CONFIG_VLAN_8021Q); use an OVS port with vlan: " + std::to_string(l.vlan_id) +
                  " instead",
              l.pos);
    }
    if (l.kind == LinkKind::Vxlan && !caps.vxlan) {
      b.error(ErrorKind::Unsupported,
              "interface '" + l.name + "' links to another machine over VXLAN, and this kernel " +
                  "has no vxlan (CONFIG_VXLAN); load the vxlan module or keep the link on one " +
                  "machine",
              l.pos);
    }
  }
}

void plan_links(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  for (const auto& l : d.links) {
    const LinkState* have = live.kernel.find_link(l.ns, l.name);
    if (have && !b.may_manage(l, *have)) {
      conflict_link(b, l, *have);
      continue;
    }
    switch (l.kind) {
      case LinkKind::Veth:
        plan_veth(d, l, have, b);
        break;
      case LinkKind::Bridge:
      case LinkKind::Vlan:
        if (!have) {
          create_link(d, l, b);
        } else if (have->kind != l.kind ||
                   (l.kind == LinkKind::Vlan &&
                    (have->vlan_id != l.vlan_id || have->vlan_parent != l.vlan_parent))) {
          replace_link(
              d, l, *have,
              std::string("kind ") + to_string(have->kind) + ", wanted " + to_string(l.kind), b);
        }
        break;
      case LinkKind::Vxlan:
        if (!have) {
          create_link(d, l, b);
        } else if (auto why = vxlan_difference(l, *have); !why.empty()) {
          replace_link(d, l, *have, why, b);
        }
        break;
      default:
        break;  // loopback: always there; OVS internal ports: created through OVS
    }
  }
}

void delete_link(PlanBuilder& b, const std::string& ns, const LinkState& have,
                 const std::string& why) {
  if (!b.deletes_link(ns, have.name)) return;
  const bool pair = have.kind == LinkKind::Veth && have.peer_known;
  if (pair) b.deletes_link(have.peer_ns, have.peer_name);
  Action a;
  a.kind = ActionKind::Delete;
  a.resource = link_resource(have.kind);
  a.ns = ns;
  a.object = have.name;
  a.reason = why;
  a.phase = Phase::Delete;
  a.subjects = {link_ref(ns, have.name)};
  if (pair) a.subjects.push_back(link_ref(have.peer_ns, have.peer_name));
  a.ops = {op::DeleteLink{ns, have.name}};
  a.undo = recreate_ops(ns, have);
  b.add(std::move(a));
}

}  // namespace netlab
