#include "fakes/fake_ovs.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "ovs/messages.hpp"  // header only: the same error texts as the real client

namespace netlab::testing {

namespace {

std::map<std::string, std::string> mark(const std::string& owner) {
  if (owner.empty()) return {};
  return {{kOvsOwnerKey, owner}};
}

OvsBridgeState* find_bridge(OvsState& s, const std::string& name) {
  for (auto& b : s.bridges)
    if (b.name == name) return &b;
  return nullptr;
}

OvsBridgeState* bridge_of_port(OvsState& s, const std::string& name) {
  for (auto& b : s.bridges)
    for (const auto& p : b.ports)
      if (p.name == name) return &b;
  return nullptr;
}

OvsPortState* find_port(OvsBridgeState& b, const std::string& name) {
  for (auto& p : b.ports)
    if (p.name == name) return &p;
  return nullptr;
}

void sort_state(OvsState& s) {
  for (auto& b : s.bridges)
    std::sort(b.ports.begin(), b.ports.end(),
              [](const OvsPortState& x, const OvsPortState& y) { return x.name < y.name; });
  std::sort(s.bridges.begin(), s.bridges.end(),
            [](const OvsBridgeState& x, const OvsBridgeState& y) { return x.name < y.name; });
}

Error duplicate(const std::string& label, const char* table, const std::string& name) {
  return ovs::transact_error(label, "constraint violation",
                             std::string("Transaction causes multiple rows in \"") + table +
                                 "\" table to have identical values (" + name +
                                 ") for index on column \"name\".");
}

}  // namespace

void FakeOvs::fail_interface(const std::string& name, const std::string& error) {
  failing_[name] =
      error.empty() ? "could not open network device " + name + " (No such device)" : error;
}

std::string FakeOvs::next_uuid() {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", ++uuid_counter_);
  return buf;
}

OvsPortState FakeOvs::make_port(const std::string& name, const std::string& type,
                                const std::string& owner) {
  OvsPortState p;
  p.name = name;
  p.type = type;
  p.external_ids = mark(owner);
  p.port_uuid = next_uuid();
  p.interface_uuid = next_uuid();
  return p;
}

void FakeOvs::seed_bridge(const std::string& name, const std::string& datapath_type,
                          const std::string& owner) {
  OvsBridgeState b;
  b.name = name;
  b.datapath_type = datapath_type;
  b.external_ids = mark(owner);
  b.uuid = next_uuid();
  OvsPortState local = make_port(name, "internal", owner);
  local.ofport = 65534;  // OFPP_LOCAL
  b.ports.push_back(std::move(local));
  state_.bridges.push_back(std::move(b));
  sort_state(state_);
}

void FakeOvs::seed_port(const std::string& bridge, const std::string& name,
                        const std::string& owner, std::optional<int> tag, bool internal) {
  OvsBridgeState* b = find_bridge(state_, bridge);
  if (!b) return;
  OvsPortState p = make_port(name, internal ? "internal" : "", owner);
  p.tag = tag;
  (void)open_interface(p, false);
  b->ports.push_back(std::move(p));
  sort_state(state_);
}

void FakeOvs::remove_bridge(const std::string& name) {
  std::erase_if(state_.bridges, [&](const OvsBridgeState& b) { return b.name == name; });
}

std::optional<std::string> FakeOvs::open_interface(OvsPortState& p, bool bridge_local) {
  std::string error;
  if (auto f = failing_.find(p.name); f != failing_.end()) {
    error = f->second;
  } else if (p.type.empty() && !device_exists(p.name)) {
    // What ovs-vswitchd writes to Interface.error for a system port whose
    // device is missing (checked against OVS 3.1, netdev datapath).
    error = "could not open network device " + p.name + " (No such device)";
  }
  if (error.empty()) {
    p.ofport = bridge_local ? 65534 : ++ofport_counter_;  // OFPP_LOCAL for the bridge's own
    p.error.clear();
    return std::nullopt;
  }
  p.ofport = -1;
  p.error = error;
  return error;
}

Status FakeOvs::check_available() {
  ++check_available_calls;
  if (!available) return ovs::not_running_error(socket_path);
  return {};
}

Result<OvsState> FakeOvs::observe() {
  ++observe_calls;
  if (!available) return ovs::not_running_error(socket_path);
  return state_;
}

Result<std::string> FakeOvs::auto_datapath() {
  if (!available) return ovs::not_running_error(socket_path);
  if (!probed_) {
    ++datapath_probes;
    probed_ = datapath;
  }
  return *probed_;
}

Status FakeOvs::apply(const OvsTransaction& txn, std::chrono::milliseconds timeout) {
  ++apply_calls;
  history.push_back(txn);
  if (!available) return ovs::not_running_error(socket_path);
  if (next_apply_error_) {
    Error e = std::move(*next_apply_error_);
    next_apply_error_.reset();
    return e;
  }
  if (txn.empty()) return {};
  if (txn.lab.empty()) return make_error(ErrorKind::Bug, "OVS transaction without a lab name");
  const std::string& lab = txn.lab;

  // Everything happens on a copy, committed only when all of it succeeded.
  OvsState next = state_;
  // Adopting comes first, as in the real transaction: the rest may use the
  // adopted rows as the lab's. A row of another lab is refused.
  for (const auto& name : txn.adopt_bridges) {
    OvsBridgeState* b = find_bridge(next, name);
    if (!b) return make_error(ErrorKind::Ovs, "adopt bridge " + name + ": no such bridge");
    if (!b->owner().empty() && b->owner() != lab)
      return ovs::not_owned_error("adopt bridge " + name, "bridge " + name, b->owner(), lab);
    b->external_ids[kOvsOwnerKey] = lab;
  }
  for (const auto& name : txn.adopt_ports) {
    OvsBridgeState* b = bridge_of_port(next, name);
    if (!b) return make_error(ErrorKind::Ovs, "adopt port " + name + ": no such port");
    OvsPortState* p = find_port(*b, name);
    if (!p->owner().empty() && p->owner() != lab)
      return ovs::not_owned_error("adopt port " + name, "port " + name, p->owner(), lab);
    p->external_ids[kOvsOwnerKey] = lab;
  }
  std::set<std::string> new_bridges;
  for (const auto& ab : txn.add_bridges) new_bridges.insert(ab.name);

  for (const auto& p : txn.add_ports) {
    if (new_bridges.count(p.bridge)) continue;
    const std::string label = "add port " + p.name + " to " + p.bridge;
    OvsBridgeState* b = find_bridge(next, p.bridge);
    if (!b) return make_error(ErrorKind::Ovs, label + ": bridge " + p.bridge + " does not exist");
    if (b->owner() != lab)
      return ovs::not_owned_error(label, "bridge " + p.bridge, b->owner(), lab);
  }
  for (const auto& v : txn.set_vlans) {
    const std::string label = "set vlan of port " + v.name;
    OvsBridgeState* b = bridge_of_port(next, v.name);
    if (!b) return make_error(ErrorKind::Ovs, label + ": no such port");
    OvsPortState* p = find_port(*b, v.name);
    if (p->owner() != lab) return ovs::not_owned_error(label, "port " + v.name, p->owner(), lab);
  }
  for (const auto& name : txn.del_bridges) {
    OvsBridgeState* b = find_bridge(next, name);
    if (!b) continue;
    const std::string label = "delete bridge " + name;
    if (b->owner() != lab) return ovs::not_owned_error(label, "bridge " + name, b->owner(), lab);
    for (const auto& p : b->ports)
      if (p.owner() != lab) return ovs::not_owned_error(label, "port " + p.name, p.owner(), lab);
  }
  std::set<std::string> deleting_bridges(txn.del_bridges.begin(), txn.del_bridges.end());
  for (const auto& d : txn.del_ports) {
    OvsBridgeState* b = bridge_of_port(next, d.name);
    if (!b || deleting_bridges.count(b->name)) continue;
    OvsPortState* p = find_port(*b, d.name);
    const std::string label = "delete port " + d.name + " from " + b->name;
    if (p->owner() != lab) return ovs::not_owned_error(label, "port " + d.name, p->owner(), lab);
  }

  // The undo of an adopt: only a row that is the lab's loses the mark.
  for (const auto& name : txn.disown_bridges) {
    OvsBridgeState* b = find_bridge(next, name);
    if (!b) continue;  // gone: nothing to give back
    if (b->owner() != lab)
      return ovs::not_owned_error("disown bridge " + name, "bridge " + name, b->owner(), lab);
  }
  for (const auto& name : txn.disown_ports) {
    OvsBridgeState* b = bridge_of_port(next, name);
    if (!b) continue;
    OvsPortState* p = find_port(*b, name);
    if (p->owner() != lab)
      return ovs::not_owned_error("disown port " + name, "port " + name, p->owner(), lab);
  }

  // Changes in place, then deletes (rows go away before the index check, as
  // in OVSDB, where garbage collection precedes it), then inserts.
  for (const auto& name : txn.disown_bridges)
    if (OvsBridgeState* b = find_bridge(next, name)) b->external_ids.erase(kOvsOwnerKey);
  for (const auto& name : txn.disown_ports)
    if (OvsBridgeState* b = bridge_of_port(next, name))
      find_port(*b, name)->external_ids.erase(kOvsOwnerKey);
  for (const auto& v : txn.set_vlans) {
    OvsPortState* p = find_port(*bridge_of_port(next, v.name), v.name);
    p->tag = v.tag;
    p->trunks = v.trunks;
    std::sort(p->trunks.begin(), p->trunks.end());
  }
  for (const auto& d : txn.del_ports) {
    OvsBridgeState* b = bridge_of_port(next, d.name);
    if (!b) continue;
    b->ports.erase(std::remove_if(b->ports.begin(), b->ports.end(),
                                  [&](const OvsPortState& p) { return p.name == d.name; }),
                   b->ports.end());
  }
  for (const auto& name : txn.del_bridges)
    next.bridges.erase(std::remove_if(next.bridges.begin(), next.bridges.end(),
                                      [&](const OvsBridgeState& b) { return b.name == name; }),
                       next.bridges.end());

  // Port and Interface names are unique across all bridges (OVSDB indexes).
  std::set<std::string> bridge_names, port_names;
  for (const auto& b : next.bridges) {
    bridge_names.insert(b.name);
    for (const auto& p : b.ports) port_names.insert(p.name);
  }
  std::vector<std::pair<std::string, std::string>> added;  // interface, bridge
  for (const auto& ab : txn.add_bridges) {
    const std::string label = "add bridge " + ab.name;
    if (!bridge_names.insert(ab.name).second) return duplicate(label, "Bridge", ab.name);
    if (!port_names.insert(ab.name).second) return duplicate(label, "Interface", ab.name);
    OvsBridgeState b;
    b.name = ab.name;
    b.datapath_type = ab.datapath_type;
    b.external_ids = mark(lab);
    b.uuid = next_uuid();
    b.ports.push_back(make_port(ab.name, "internal", lab));
    next.bridges.push_back(std::move(b));
    added.emplace_back(ab.name, ab.name);
  }
  for (const auto& ap : txn.add_ports) {
    const std::string label = "add port " + ap.name + " to " + ap.bridge;
    if (!port_names.insert(ap.name).second) return duplicate(label, "Interface", ap.name);
    OvsPortState p = make_port(ap.name, ap.internal ? "internal" : "", lab);
    p.tag = ap.tag;
    p.trunks = ap.trunks;
    std::sort(p.trunks.begin(), p.trunks.end());
    find_bridge(next, ap.bridge)->ports.push_back(std::move(p));
    added.emplace_back(ap.name, ap.bridge);
  }

  // Committed. Now "ovs-vswitchd" opens the new interfaces.
  sort_state(next);
  state_ = std::move(next);
  ++commits;
  if (vswitchd_stalled)
    return make_error(ErrorKind::Timeout, "ovs-vswitchd did not apply the OVS changes within " +
                                              std::to_string(timeout.count()) + " ms");
  std::optional<Error> failure;
  std::vector<std::string> more;
  for (const auto& [iface, bridge] : added) {
    OvsPortState* p = find_port(*find_bridge(state_, bridge), iface);
    auto error = open_interface(*p, iface == bridge);
    if (!error) continue;
    if (!failure) {
      failure = ovs::interface_failed_error(iface, bridge, *error);
    } else {
      more.push_back(iface);
    }
  }
  if (!failure) return {};
  // The real client's words for several (src/ovs/ovsdb_client.cpp).
  if (!more.empty()) {
    failure->message += " (and " + std::to_string(more.size()) + " more:";
    for (const auto& m : more) failure->message += " " + m;
    failure->message += ")";
  }
  return *failure;
}

}  // namespace netlab::testing
