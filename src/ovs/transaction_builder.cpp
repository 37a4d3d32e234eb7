#include "ovs/transaction_builder.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/text.hpp"
#include "ovs/messages.hpp"
#include "ovs/ovsdb_observe.hpp"

namespace netlab::ovs {

namespace {

class Builder {
 public:
  explicit Builder(const std::string& lab) : lab_(lab) { b_.params = Json::array({kDatabase}); }

  Json mark() const { return string_map({{kOvsOwnerKey, lab_}}); }

  std::size_t add(Json op, std::string label, bool guard = false) {
    b_.params.push_back(std::move(op));
    b_.labels.push_back(std::move(label));
    b_.is_guard.push_back(guard);
    return b_.labels.size() - 1;
  }

  // Waits (timeout 0) until `table` row `uuid` carries the lab's mark: fails
  // the whole transaction at once when the row lost it or is gone.
  void guard(const char* table, const std::string& uuid, const std::string& label) {
    Json where = Json::array({Json::array({"_uuid", "==", uuid_ref(uuid)}),
                              Json::array({"external_ids", "includes", mark()})});
    add(Json{{"op", "wait"},
             {"timeout", 0},
             {"table", table},
             {"where", std::move(where)},
             {"columns", Json::array({"_uuid"})},
             {"until", "=="},
             {"rows", Json::array({Json{{"_uuid", uuid_ref(uuid)}}})}},
        label, true);
  }

  // Inserts Interface + Port for a port; returns the Port's named UUID.
  std::string insert_port(const std::string& bridge, const std::string& name, bool internal,
                          const std::optional<int>& tag, const std::vector<int>& trunks,
                          const std::string& label) {
    std::string iface = "iface" + std::to_string(counter_);
    std::string port = "port" + std::to_string(counter_);
    ++counter_;
    add(Json{{"op", "insert"},
             {"table", "Interface"},
             {"uuid-name", iface},
             {"row",
              Json{
                  {"name", name}, {"type", internal ? "internal" : ""}, {"external_ids", mark()}}}},
        label);
    Json row{{"name", name}, {"interfaces", named_uuid_ref(iface)}, {"external_ids", mark()}};
    if (tag) row["tag"] = *tag;
    if (!trunks.empty()) row["trunks"] = int_set(trunks);
    add(Json{{"op", "insert"}, {"table", "Port"}, {"uuid-name", port}, {"row", std::move(row)}},
        label);
    b_.added_interfaces.push_back({name, bridge});
    b_.inserted.push_back({"Interface", name, label});
    b_.inserted.push_back({"Port", name, label});
    return port;
  }

  BuiltTransaction& built() { return b_; }
  const std::string& lab() const { return lab_; }

 private:
  std::string lab_;
  BuiltTransaction b_;
  int counter_ = 0;
};

std::string port_label(const OvsTransaction::AddPort& p) {
  return "add port " + p.name + " to " + p.bridge;
}

}  // namespace

namespace {

// --adopt: marks rows made outside netlab as the lab's, first in the
// transaction, and returns the state as the rest of the transaction sees it
// (those rows marked). Each row must still be as observed when the
// transaction runs (a wait on its external_ids), so that a row another
// netlab marked in between is never taken over.
Result<OvsState> adopt_rows(Builder& b, const OvsTransaction& txn, const OvsState& observed) {
  OvsState next = observed;
  const std::string& lab = b.lab();
  auto take = [&](const char* table, const std::string& uuid, const std::string& what,
                  std::map<std::string, std::string>& ids) -> Status {
    auto it = ids.find(kOvsOwnerKey);
    if (it != ids.end() && it->second != lab)
      return not_owned_error("adopt " + what, what, it->second, lab);
    const std::string label = "adopt " + what;
    Json where = Json::array({Json::array({"_uuid", "==", uuid_ref(uuid)})});
    b.add(Json{{"op", "wait"},
               {"timeout", 0},
               {"table", table},
               {"where", where},
               {"columns", Json::array({"external_ids"})},
               {"until", "=="},
               {"rows", Json::array({Json{{"external_ids", string_map(ids)}}})}},
          label + ": it must be as observed", true);
    b.add(Json{{"op", "mutate"},
               {"table", table},
               {"where", where},
               {"mutations", Json::array({Json::array({"external_ids", "insert", b.mark()})})}},
          label);
    ids[kOvsOwnerKey] = lab;
    return {};
  };
  for (const auto& name : txn.adopt_bridges) {
    auto br = std::find_if(next.bridges.begin(), next.bridges.end(),
                           [&](const OvsBridgeState& x) { return x.name == name; });
    if (br == next.bridges.end())
      return make_error(ErrorKind::Ovs, "adopt bridge " + name + ": no such bridge");
    if (Status s = take("Bridge", br->uuid, "bridge " + name, br->external_ids); !s)
      return s.error();
  }
  for (const auto& name : txn.adopt_ports) {
    OvsPortState* port = nullptr;
    for (auto& br : next.bridges)
      for (auto& p : br.ports)
        if (p.name == name) port = &p;
    if (!port) return make_error(ErrorKind::Ovs, "adopt port " + name + ": no such port");
    if (Status s = take("Port", port->port_uuid, "port " + name, port->external_ids); !s)
      return s.error();
    b.add(
        Json{{"op", "mutate"},
             {"table", "Interface"},
             {"where", Json::array({Json::array({"_uuid", "==", uuid_ref(port->interface_uuid)})})},
             {"mutations", Json::array({Json::array({"external_ids", "insert", b.mark()})})}},
        "adopt interface " + name);
  }
  return next;
}

}  // namespace

Result<BuiltTransaction> build_transaction(const OvsTransaction& txn, const OvsState& observed) {
  if (txn.lab.empty()) return make_error(ErrorKind::Bug, "OVS transaction without a lab name");
  const std::string& lab = txn.lab;
  Builder b(lab);
  auto after_adopting = adopt_rows(b, txn, observed);
  if (!after_adopting.ok()) return after_adopting.error();
  const OvsState& current = *after_adopting;

  // --- what exists, what is new, and the ownership checks -------------------
  std::set<std::string> new_bridges;
  for (const auto& ab : txn.add_bridges) new_bridges.insert(ab.name);
  std::set<std::string> deleted_bridges;

  struct Guard {
    const char* table;
    std::string uuid, label;
  };
  std::vector<Guard> guards;
  std::set<std::string> guarded;
  auto need_owned = [&](const char* table, const std::string& what, const std::string& uuid,
                        const std::string& owner, const std::string& op) -> Status {
    if (owner != lab) return not_owned_error(op, what, owner, lab);
    if (guarded.insert(uuid).second)
      guards.push_back({table, uuid, op + ": " + what + " must be owned by lab '" + lab + "'"});
    return {};
  };

  // Existing bridges that receive new ports: the bridge row is modified.
  std::map<std::string, std::vector<const OvsTransaction::AddPort*>> ports_by_bridge;
  for (const auto& p : txn.add_ports) {
    if (!new_bridges.count(p.bridge)) {
      const OvsBridgeState* br = current.find_bridge(p.bridge);
      if (!br)
        return make_error(ErrorKind::Ovs,
                          port_label(p) + ": bridge " + p.bridge + " does not exist");
      if (Status s =
              need_owned("Bridge", "bridge " + p.bridge, br->uuid, br->owner(), port_label(p));
          !s)
        return s.error();
    }
    ports_by_bridge[p.bridge].push_back(&p);
  }

  for (const auto& v : txn.set_vlans) {
    const std::string op = "set vlan of port " + v.name;
    const OvsBridgeState* br = current.bridge_of_port(v.name);
    if (!br) return make_error(ErrorKind::Ovs, op + ": no such port");
    const OvsPortState* port = br->find_port(v.name);
    if (Status s = need_owned("Port", "port " + v.name, port->port_uuid, port->owner(), op); !s)
      return s.error();
  }

  std::vector<const OvsBridgeState*> bridges_to_delete;
  for (const auto& name : txn.del_bridges) {
    const OvsBridgeState* br = current.find_bridge(name);
    if (!br || !deleted_bridges.insert(name).second) continue;  // already gone: nothing to do
    const std::string op = "delete bridge " + name;
    if (Status s = need_owned("Bridge", "bridge " + name, br->uuid, br->owner(), op); !s)
      return s.error();
    // Deleting the bridge garbage-collects all its ports: each must be ours.
    for (const auto& p : br->ports)
      if (Status s = need_owned("Port", "port " + p.name, p.port_uuid, p.owner(), op); !s)
        return s.error();
    bridges_to_delete.push_back(br);
  }

  std::map<std::string, std::vector<const OvsPortState*>> ports_to_delete;  // by bridge uuid
  std::map<std::string, std::string> bridge_names;                          // uuid -> name
  for (const auto& d : txn.del_ports) {
    const OvsBridgeState* br = current.bridge_of_port(d.name);
    if (!br || deleted_bridges.count(br->name)) continue;  // gone, or goes with its bridge
    const OvsPortState* port = br->find_port(d.name);
    const std::string op = "delete port " + d.name + " from " + br->name;
    if (Status s = need_owned("Port", "port " + d.name, port->port_uuid, port->owner(), op); !s)
      return s.error();
    auto& v = ports_to_delete[br->uuid];
    bool dup = false;
    for (const auto* q : v) dup = dup || q == port;
    if (!dup) v.push_back(port);
    bridge_names[br->uuid] = br->name;
  }

  // The undo of an adopt: only a row that is the lab's loses the mark.
  struct Disown {
    const char* table;
    std::string uuid, label;
  };
  std::vector<Disown> disowns;
  for (const auto& name : txn.disown_bridges) {
    const OvsBridgeState* br = current.find_bridge(name);
    if (!br) continue;  // gone: nothing to give back
    const std::string op = "disown bridge " + name;
    if (Status s = need_owned("Bridge", "bridge " + name, br->uuid, br->owner(), op); !s)
      return s.error();
    disowns.push_back({"Bridge", br->uuid, op});
  }
  for (const auto& name : txn.disown_ports) {
    const OvsBridgeState* br = current.bridge_of_port(name);
    if (!br) continue;
    const OvsPortState* port = br->find_port(name);
    const std::string op = "disown port " + name;
    if (Status s = need_owned("Port", "port " + name, port->port_uuid, port->owner(), op); !s)
      return s.error();
    disowns.push_back({"Port", port->port_uuid, op});
    disowns.push_back({"Interface", port->interface_uuid, "disown interface " + name});
  }

  // --- operations -----------------------------------------------------------
  for (const auto& g : guards) b.guard(g.table, g.uuid, g.label);

  std::vector<std::string> new_bridge_refs;
  std::vector<std::string> new_bridge_names;
  int bridge_counter = 0;
  for (const auto& ab : txn.add_bridges) {
    const std::string label = "add bridge " + ab.name;
    Json port_refs = Json::array();
    port_refs.push_back(
        named_uuid_ref(b.insert_port(ab.name, ab.name, true, std::nullopt, {}, label)));
    for (const auto* p : ports_by_bridge[ab.name])
      port_refs.push_back(named_uuid_ref(
          b.insert_port(p->bridge, p->name, p->internal, p->tag, p->trunks, port_label(*p))));
    std::string ref = "bridge" + std::to_string(bridge_counter++);
    Json row{
        {"name", ab.name}, {"ports", set_of(std::move(port_refs))}, {"external_ids", b.mark()}};
    if (!ab.datapath_type.empty()) row["datapath_type"] = ab.datapath_type;
    b.add(Json{{"op", "insert"}, {"table", "Bridge"}, {"uuid-name", ref}, {"row", std::move(row)}},
          label);
    b.built().inserted.push_back({"Bridge", ab.name, label});
    new_bridge_refs.push_back(ref);
    new_bridge_names.push_back(ab.name);
  }

  for (const auto& [bridge, ports] : ports_by_bridge) {
    if (new_bridges.count(bridge)) continue;
    Json refs = Json::array();
    std::vector<std::string> names;
    for (const auto* p : ports) {
      refs.push_back(named_uuid_ref(
          b.insert_port(p->bridge, p->name, p->internal, p->tag, p->trunks, port_label(*p))));
      names.push_back(p->name);
    }
    const OvsBridgeState* br = current.find_bridge(bridge);
    b.add(Json{{"op", "mutate"},
               {"table", "Bridge"},
               {"where", Json::array({Json::array({"_uuid", "==", uuid_ref(br->uuid)})})},
               {"mutations", Json::array({Json::array({"ports", "insert", set_of(refs)})})}},
          (names.size() == 1 ? "add port " : "add ports ") + join(names) + " to " + bridge);
  }

  if (!new_bridge_refs.empty()) {
    Json refs = Json::array();
    for (const auto& r : new_bridge_refs) refs.push_back(named_uuid_ref(r));
    b.add(Json{{"op", "mutate"},
               {"table", "Open_vSwitch"},
               {"where", Json::array()},
               {"mutations", Json::array({Json::array({"bridges", "insert", set_of(refs)})})}},
          (new_bridge_names.size() == 1 ? "add bridge " : "add bridges ") + join(new_bridge_names));
  }

  for (const auto& v : txn.set_vlans) {
    const OvsPortState* port = current.bridge_of_port(v.name)->find_port(v.name);
    std::vector<int> trunks = v.trunks;
    std::sort(trunks.begin(), trunks.end());
    b.add(Json{{"op", "update"},
               {"table", "Port"},
               {"where", Json::array({Json::array({"_uuid", "==", uuid_ref(port->port_uuid)})})},
               {"row", Json{{"tag", optional_int(v.tag)}, {"trunks", int_set(trunks)}}}},
          "set vlan of port " + v.name);
  }

  for (const auto& [bridge_uuid, ports] : ports_to_delete) {
    Json refs = Json::array();
    std::vector<std::string> names;
    for (const auto* p : ports) {
      refs.push_back(uuid_ref(p->port_uuid));
      names.push_back(p->name);
    }
    b.add(Json{{"op", "mutate"},
               {"table", "Bridge"},
               {"where", Json::array({Json::array({"_uuid", "==", uuid_ref(bridge_uuid)})})},
               {"mutations", Json::array({Json::array({"ports", "delete", set_of(refs)})})}},
          (names.size() == 1 ? "delete port " : "delete ports ") + join(names) + " from " +
              bridge_names[bridge_uuid]);
  }

  if (!bridges_to_delete.empty()) {
    Json refs = Json::array();
    std::vector<std::string> names;
    for (const auto* br : bridges_to_delete) {
      refs.push_back(uuid_ref(br->uuid));
      names.push_back(br->name);
    }
    b.add(Json{{"op", "mutate"},
               {"table", "Open_vSwitch"},
               {"where", Json::array()},
               {"mutations", Json::array({Json::array({"bridges", "delete", set_of(refs)})})}},
          (names.size() == 1 ? "delete bridge " : "delete bridges ") + join(names));
  }

  for (const auto& d : disowns) {
    b.add(Json{{"op", "mutate"},
               {"table", d.table},
               {"where", Json::array({Json::array({"_uuid", "==", uuid_ref(d.uuid)})})},
               {"mutations", Json::array({Json::array({"external_ids", "delete", b.mark()})})}},
          d.label);
  }

  b.built().changes = !b.built().labels.empty();
  b.add(Json{{"op", "mutate"},
             {"table", "Open_vSwitch"},
             {"where", Json::array()},
             {"mutations", Json::array({Json::array({"next_cfg", "+=", 1})})}},
        "increment next_cfg");
  b.built().next_cfg_select = b.add(Json{{"op", "select"},
                                         {"table", "Open_vSwitch"},
                                         {"where", Json::array()},
                                         {"columns", Json::array({"next_cfg"})}},
                                    "read next_cfg");
  b.add(Json{{"op", "comment"}, {"comment", "netlab: apply lab " + lab}}, "comment");
  return std::move(b.built());
}

std::optional<Error> transact_reply_error(const BuiltTransaction& built, const Json& result) {
  if (!result.is_array())
    return make_error(ErrorKind::Ovs, "ovsdb transact: reply is not an array: " + result.dump());
  for (std::size_t i = 0; i < result.size(); ++i) {
    const Json& r = result[i];
    if (!r.is_object()) continue;
    auto e = r.find("error");
    if (e == r.end() || e->is_null()) continue;
    std::string error = e->is_string() ? e->get<std::string>() : e->dump();
    std::string details;
    if (auto d = r.find("details"); d != r.end() && d->is_string()) details = d->get<std::string>();
    if (i < built.op_count()) {
      if (built.is_guard[i] && error == "timed out")
        return make_error(ErrorKind::Conflict,
                          "ovsdb transact (" + built.labels[i] +
                              "): the row is gone or no longer marked; refusing to change it");
      return transact_error(built.labels[i], error, details);
    }
    // The extra element: the commit failed (e.g. an index made two rows share
    // a name). Name the insert that caused it: the details quote the UUID of
    // the row this transaction inserted (our insert's result), or the name.
    std::string label = "commit";
    for (std::size_t k = 0; k < built.op_count() && k < result.size(); ++k) {
      const Json& ok = result[k];
      if (!ok.is_object() || !ok.contains("uuid")) continue;
      auto uuid = decode_uuid(ok["uuid"]);
      if (uuid && details.find("UUID " + *uuid + ", was inserted") != std::string::npos) {
        label = built.labels[k];
        break;
      }
    }
    if (label == "commit") {
      for (const auto& ins : built.inserted) {
        if (details.find("\"" + ins.table + "\" table") == std::string::npos) continue;
        if (details.find("(" + ins.name + ")") != std::string::npos ||
            details.find("(\"" + ins.name + "\")") != std::string::npos) {
          label = ins.label;
          break;
        }
      }
    }
    return transact_error(label, error, details);
  }
  if (result.size() < built.op_count())
    return make_error(ErrorKind::Ovs, "ovsdb transact: " + std::to_string(result.size()) +
                                          " results for " + std::to_string(built.op_count()) +
                                          " operations");
  return std::nullopt;
}

Result<std::int64_t> read_next_cfg(const BuiltTransaction& built, const Json& result) {
  const std::size_t i = built.next_cfg_select;
  if (result.is_array() && result.size() > i && result[i].is_object()) {
    auto rows = result[i].find("rows");
    if (rows != result[i].end() && rows->is_array() && rows->size() == 1 &&
        (*rows)[0].is_object()) {
      auto v = (*rows)[0].find("next_cfg");
      if (v != (*rows)[0].end() && v->is_number_integer()) return v->get<std::int64_t>();
    }
  }
  return make_error(ErrorKind::Ovs, "ovsdb transact: no next_cfg in the reply");
}

}  // namespace netlab::ovs
