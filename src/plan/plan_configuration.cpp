// What is configured on each link of the topology, made by this plan or
// there already: the setup of OVS internal ports (moved into their
// namespace, marked, up), attributes and the lab's mark, the Linux bridge a
// link is a port of, and addresses.
#include <algorithm>

#include "core/text.hpp"
#include "plan/families.hpp"

namespace netlab {

namespace {

LinkChange master_change(const std::string& master) {
  LinkChange c;
  c.master = master;
  return c;
}

std::string attr_reason(const LinkState& have, const LinkChange& c) {
  std::vector<std::string> why;
  if (c.up) why.push_back(std::string(have.up ? "up" : "down") + " -> " + (*c.up ? "up" : "down"));
  if (c.mtu) why.push_back("mtu " + std::to_string(have.mtu) + " -> " + std::to_string(*c.mtu));
  if (c.mac) why.push_back("mac " + have.mac + " -> " + *c.mac);
  if (c.alias) why.push_back("mark '" + have.alias + "' -> '" + *c.alias + "'");
  return join(why);
}

// `have`: the device in its namespace, or nullptr (not there, or made by this plan).
void plan_internal_port(const DesiredLink& l, const LinkState* have, PlanBuilder& b) {
  bool port_fresh = b.link_is_created("", l.name);
  // Where the device is now: in its namespace, or still in the root namespace.
  const LinkState* in_root = l.ns.empty() || port_fresh ? nullptr : b.live_link("", l.name);
  if (port_fresh) have = nullptr;
  if (!have && !port_fresh && !in_root) {
    // The device is nowhere and OVS does not make it in this plan (it is
    // replaced when the port is the lab's): nothing to set up.
    return;
  }
  std::vector<Operation> ops, undo;
  std::vector<std::string> why;
  if (!have && !l.ns.empty()) {
    ops.push_back(op::MoveLink{"", l.name, l.ns});
    undo.push_back(op::MoveLink{l.ns, l.name, ""});
    why.push_back("move into netns " + l.ns);
  }
  const LinkState* cur = have ? have : in_root;
  LinkChange c, u;
  if (!cur || cur->alias != b.alias()) {
    c.alias = b.alias();
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
  b.add(std::move(a));
  b.creates_link(l.ns, l.name);
}

void plan_attributes(const DesiredLink& l, const LinkState& have, PlanBuilder& b) {
  LinkChange c, u;
  if (have.up != l.up) {  // `state: down` keeps it down
    c.up = l.up;
    u.up = have.up;
  }
  if (l.mtu && have.mtu != *l.mtu) {
    c.mtu = *l.mtu;
    u.mtu = have.mtu;
  }
  if (l.mac && have.mac != *l.mac) {
    c.mac = *l.mac;
    u.mac = have.mac;
  }
  if (l.kind != LinkKind::Loopback && have.alias != b.alias()) {
    c.alias = b.alias();
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
  b.add(std::move(a));
}

void plan_master(const DesiredLink& l, const LinkState* have, PlanBuilder& b) {
  if (l.master.empty() || (have && have->master == l.master)) return;
  Action a;
  a.kind = have ? ActionKind::Modify : ActionKind::Create;
  a.resource = "bridge port";
  a.ns = l.ns;
  a.object = l.name + " of " + l.master;
  a.reason =
      have ? (have->master.empty() ? "no master" : "master " + have->master) + " -> " + l.master
           : "missing";
  a.pos = l.pos;
  a.phase = Phase::Configure;
  a.subjects = {link_ref(l.ns, l.name)};
  a.ops = {op::ChangeLink{l.ns, l.name, master_change(l.master)}};
  a.undo = {op::ChangeLink{l.ns, l.name, master_change(have ? have->master : "")}};
  b.add(std::move(a));
}

// An address of the root namespace in a subnet that another interface there
// holds (the machine's own, or another lab's: a copy of the same topology
// under --prefix) would make the host's routing ambiguous: the lab would
// come up and then not work. Planning stops instead.
bool host_subnet_taken(const LiveState& live, const DesiredLink& l, const IpPrefix& want,
                       PlanBuilder& b) {
  for (const auto& [name, other] : live.kernel.root.links) {
    if (name == l.name || b.marked(other)) continue;
    for (const auto& a : other.addresses) {
      // Nested subnets are fine (the longer prefix wins, as with a lab
      // subnet inside a big site network); the same subnet, or the same
      // address, is not.
      if (!(a.network() == want.network()) && !(a.address == want.address)) continue;
      std::string owner = other.owner();
      std::string what = l.kind == LinkKind::Bridge ? "bridge" : "host interface";
      b.error(ErrorKind::Conflict,
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

Action address_action(ActionKind kind, const DesiredLink& l, const IpPrefix& address,
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

void plan_addresses(const LiveState& live, const DesiredLink& l, const LinkState* have,
                    PlanBuilder& b) {
  if (l.kind == LinkKind::Loopback) return;  // the kernel manages lo's addresses
  std::vector<IpPrefix> current = have ? have->addresses : std::vector<IpPrefix>{};
  // Stale addresses go first: deleting a primary address deletes the
  // secondaries of its subnet (promote_secondaries is 0 in a new namespace).
  for (const auto& extra : current) {
    if (std::find(l.addresses.begin(), l.addresses.end(), extra) != l.addresses.end()) continue;
    b.add(address_action(ActionKind::Delete, l, extra, "not in topology"));
  }
  for (const auto& want : l.addresses) {
    if (std::find(current.begin(), current.end(), want) != current.end()) continue;
    if (l.ns.empty() && host_subnet_taken(live, l, want, b)) continue;
    b.add(address_action(ActionKind::Create, l, want, "missing"));
  }
}

}  // namespace

void plan_configuration(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  for (const auto& l : d.links) {
    // A link this plan makes is configured as new, whatever is there now.
    const LinkState* have = b.link_is_created(l.ns, l.name) ? nullptr : b.live_link(l.ns, l.name);
    // Only what the lab may manage is configured (and marked); anything
    // else is a conflict, reported by plan_links.
    if (have && !b.may_manage(l, *have)) continue;
    if (l.kind == LinkKind::OvsInternal)
      plan_internal_port(l, have, b);
    else if (have)
      plan_attributes(l, *have, b);
    plan_master(l, have, b);
    if (!l.dhcp) plan_addresses(live, l, have, b);
  }
}

}  // namespace netlab
