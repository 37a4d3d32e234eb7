#include "ovs/ovsdb_observe.hpp"

#include <algorithm>
#include <unordered_map>

#include "ovs/messages.hpp"

namespace netlab::ovs {

namespace {

Json select_all(const char* table, std::vector<std::string> columns) {
  return Json{{"op", "select"}, {"table", table}, {"where", Json::array()}, {"columns", columns}};
}

// The rows of result element `i`, which must be {"rows": [...]}.
Result<const Json*> rows_of(const Json& result, std::size_t i, const char* table) {
  if (!result.is_array() || result.size() <= i || !result[i].is_object())
    return make_error(ErrorKind::Ovs, std::string("ovsdb observe: no result for select ") + table);
  const Json& r = result[i];
  if (auto e = r.find("error"); e != r.end() && !e->is_null())
    return make_error(ErrorKind::Ovs,
                      std::string("ovsdb observe (select ") + table + "): " + e->dump());
  auto rows = r.find("rows");
  if (rows == r.end() || !rows->is_array())
    return make_error(ErrorKind::Ovs,
                      std::string("ovsdb observe: select ") + table + " without rows");
  return &*rows;
}

// Column `c` of `row`, or an error naming it.
Result<const Json*> column(const Json& row, const char* c, const char* table) {
  if (!row.is_object())
    return make_error(ErrorKind::Ovs, std::string("ovsdb observe: bad row in ") + table);
  auto it = row.find(c);
  if (it == row.end())
    return make_error(ErrorKind::Ovs, std::string("ovsdb observe: ") + table + " row without " + c);
  return &*it;
}

struct InterfaceRow {
  std::string name, type, error;
  std::int64_t ofport = -1;
};
struct PortRow {
  OvsPortState state;
  std::vector<std::string> interfaces;
};

#define NETLAB_TRY(var, expr)           \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto& var = *var##_r

}  // namespace

Json observe_params() {
  return Json::array(
      {kDatabase, select_all("Bridge", {"_uuid", "name", "ports", "datapath_type", "external_ids"}),
       select_all("Port",
                  {"_uuid", "name", "interfaces", "external_ids", "tag", "trunks", "vlan_mode"}),
       select_all("Interface", {"_uuid", "name", "type", "ofport", "error"})});
}

Result<OvsState> parse_observe_result(const Json& result) {
  NETLAB_TRY(bridge_rows, rows_of(result, 0, "Bridge"));
  NETLAB_TRY(port_rows, rows_of(result, 1, "Port"));
  NETLAB_TRY(iface_rows, rows_of(result, 2, "Interface"));

  std::unordered_map<std::string, InterfaceRow> ifaces;
  for (const Json& row : *iface_rows) {
    const char* t = "Interface";
    NETLAB_TRY(uuid_c, column(row, "_uuid", t));
    NETLAB_TRY(uuid, decode_uuid(*uuid_c));
    NETLAB_TRY(name_c, column(row, "name", t));
    NETLAB_TRY(type_c, column(row, "type", t));
    NETLAB_TRY(ofport_c, column(row, "ofport", t));
    NETLAB_TRY(error_c, column(row, "error", t));
    InterfaceRow ir;
    NETLAB_TRY(name, decode_string(*name_c));
    NETLAB_TRY(type, decode_string(*type_c));
    NETLAB_TRY(ofport, decode_optional_int(*ofport_c));
    NETLAB_TRY(error, decode_optional_string(*error_c));
    ir.name = name;
    ir.type = type;
    ir.ofport = ofport.value_or(-1);
    ir.error = error.value_or("");
    ifaces.emplace(uuid, std::move(ir));
  }

  std::unordered_map<std::string, PortRow> ports;
  for (const Json& row : *port_rows) {
    const char* t = "Port";
    NETLAB_TRY(uuid_c, column(row, "_uuid", t));
    NETLAB_TRY(uuid, decode_uuid(*uuid_c));
    NETLAB_TRY(name_c, column(row, "name", t));
    NETLAB_TRY(name, decode_string(*name_c));
    NETLAB_TRY(if_c, column(row, "interfaces", t));
    NETLAB_TRY(if_uuids, decode_uuid_set(*if_c));
    NETLAB_TRY(ext_c, column(row, "external_ids", t));
    NETLAB_TRY(ext, decode_string_map(*ext_c));
    NETLAB_TRY(tag_c, column(row, "tag", t));
    NETLAB_TRY(tag, decode_optional_int(*tag_c));
    NETLAB_TRY(trunks_c, column(row, "trunks", t));
    NETLAB_TRY(trunks, decode_int_set(*trunks_c));
    PortRow pr;
    pr.state.name = name;
    pr.state.port_uuid = uuid;
    pr.state.external_ids = std::move(ext);
    if (tag) pr.state.tag = static_cast<int>(*tag);
    pr.state.trunks = std::move(trunks);
    pr.interfaces = std::move(if_uuids);
    std::sort(pr.interfaces.begin(), pr.interfaces.end());
    if (!pr.interfaces.empty()) {
      pr.state.interface_uuid = pr.interfaces.front();
      if (auto it = ifaces.find(pr.state.interface_uuid); it != ifaces.end()) {
        pr.state.type = it->second.type;
        pr.state.ofport = it->second.ofport;
        pr.state.error = it->second.error;
      }
    }
    ports.emplace(uuid, std::move(pr));
  }

  OvsState state;
  for (const Json& row : *bridge_rows) {
    const char* t = "Bridge";
    NETLAB_TRY(uuid_c, column(row, "_uuid", t));
    NETLAB_TRY(uuid, decode_uuid(*uuid_c));
    NETLAB_TRY(name_c, column(row, "name", t));
    NETLAB_TRY(name, decode_string(*name_c));
    NETLAB_TRY(dp_c, column(row, "datapath_type", t));
    NETLAB_TRY(dp, decode_string(*dp_c));
    NETLAB_TRY(ext_c, column(row, "external_ids", t));
    NETLAB_TRY(ext, decode_string_map(*ext_c));
    NETLAB_TRY(ports_c, column(row, "ports", t));
    NETLAB_TRY(port_uuids, decode_uuid_set(*ports_c));
    OvsBridgeState b;
    b.name = name;
    b.uuid = uuid;
    b.datapath_type = dp;
    b.external_ids = std::move(ext);
    for (const auto& pu : port_uuids)
      if (auto it = ports.find(pu); it != ports.end()) b.ports.push_back(it->second.state);
    std::sort(b.ports.begin(), b.ports.end(),
              [](const OvsPortState& x, const OvsPortState& y) { return x.name < y.name; });
    state.bridges.push_back(std::move(b));
  }
  std::sort(state.bridges.begin(), state.bridges.end(),
            [](const OvsBridgeState& x, const OvsBridgeState& y) { return x.name < y.name; });
  return state;
}

}  // namespace netlab::ovs
