// Pieces shared by several sections: endpoints, port options, interfaces, sysctls.
#include "parse/sections.hpp"

namespace netlab {

const yaml::Node* require(Reader& r, const yaml::Node& map, std::string_view key,
                          std::string_view context, std::string_view explanation) {
  if (const auto* v = map.find(key)) return v;
  r.error(map.pos,
          ctx(context) + "missing '" + std::string(key) + "' (" + std::string(explanation) + ")");
  return nullptr;
}

std::optional<Endpoint> parse_endpoint(Reader& r, const yaml::Node& n, std::string_view context) {
  auto text = r.scalar(n, context, "an endpoint NAME:IF");
  if (!text) return std::nullopt;
  auto colon = text->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text->size()) {
    r.error(n.pos, ctx(context) + "endpoint '" + *text +
                       "' is not NAME:IF; write the namespace, bridge or 'host', a colon and the "
                       "interface name, like red:eth0");
    return std::nullopt;
  }
  return Endpoint{text->substr(0, colon), text->substr(colon + 1), n.pos};
}

PortOptions parse_port_options(Reader& r, const yaml::Node& map, std::string_view context) {
  PortOptions o;
  if (const auto* v = map.find("vlan")) {
    if (auto id = r.integer(*v, context, "vlan")) o.vlan = Located<int>{*id, v->pos};
  }
  if (const auto* v = map.find("trunks")) {
    o.trunks_pos = v->pos;
    if (r.expect_list(*v, context, "a list of VLAN ids for trunks")) {
      if (v->items.empty()) {
        r.error(v->pos, ctx(context) + "trunks is an empty list; list the VLAN ids or drop it");
      }
      for (const auto& item : v->items) {
        if (auto id = r.integer(item, context, "trunk VLAN id")) {
          o.trunks.push_back(Located<int>{*id, item.pos});
        }
      }
    }
  }
  return o;
}

namespace {

std::optional<VlanSubInterface> parse_vlan_sub(Reader& r, const yaml::Node& n,
                                               const std::string& context) {
  if (!n.is_map()) {
    r.error(n.pos, ctx(context) + "expected vlan: {parent: IF, id: N}, got " + Reader::describe(n));
    return std::nullopt;
  }
  r.check_keys(n, {"parent", "id"}, context + ", vlan");
  VlanSubInterface v;
  v.pos = n.pos;
  bool ok = true;
  if (const auto* p = require(r, n, "parent", context + ", vlan", "the interface it tags")) {
    v.parent_pos = p->pos;
    auto name = r.scalar(*p, context + ", vlan", "a parent interface name");
    ok = ok && name;
    if (name) v.parent = *name;
  } else {
    ok = false;
  }
  if (const auto* i = require(r, n, "id", context + ", vlan", "the VLAN id, 1-4094")) {
    v.id_pos = i->pos;
    auto id = r.integer(*i, context + ", vlan", "VLAN id");
    ok = ok && id;
    if (id) v.id = *id;
  } else {
    ok = false;
  }
  if (!ok) return std::nullopt;
  return v;
}

}  // namespace

std::vector<InterfaceConfig> parse_interfaces(Reader& r, const yaml::Node& map,
                                              const std::string& ns, std::string_view context) {
  std::vector<InterfaceConfig> out;
  if (!r.expect_map(map, context, "a map of interfaces (NAME: {addresses: [...]})")) return out;
  for (const auto& [key, value] : map.entries) {
    InterfaceConfig ic;
    ic.name = key.text;
    ic.pos = key.pos;
    std::string c = ctx(context).empty() ? "" : std::string(context) + ", ";
    c += "interface '" + ic.name + "'";
    const std::size_t before = r.count();
    if (!r.expect_map(value, c,
                      "a map of settings (addresses, dhcp, mtu, mac, vlan, conditions, state)")) {
      r.gaps.configs.insert({ns, ic.name});
      out.push_back(std::move(ic));
      continue;
    }
    r.check_keys(value, {"dhcp", "addresses", "mtu", "mac", "vlan", "conditions", "state"}, c);
    if (const auto* v = value.find("dhcp")) {
      if (auto b = r.boolean(*v, c, "dhcp")) ic.dhcp = *b;
    }
    if (const auto* v = value.find("addresses")) {
      if (r.expect_list(*v, c, "a list of addresses")) {
        for (const auto& item : v->items) {
          if (auto p = r.prefix(item, c, "address")) ic.addresses.push_back({*p, item.pos});
        }
      }
    }
    if (const auto* v = value.find("mtu")) {
      if (auto m = r.integer(*v, c, "mtu")) ic.mtu = Located<int>{*m, v->pos};
    }
    if (const auto* v = value.find("mac")) {
      if (auto text = r.scalar(*v, c, "a MAC address")) {
        if (auto mac = parse_mac(*text)) {
          ic.mac = Located<std::string>{format_mac(*mac), v->pos};
        } else {
          r.error(v->pos,
                  c + ": mac '" + *text +
                      "' is not a MAC address; write six hex octets like 02:00:00:00:00:01");
        }
      }
    }
    if (const auto* v = value.find("vlan")) {
      ic.vlan = parse_vlan_sub(r, *v, c);
      if (!ic.vlan) r.gaps.placement = true;  // a sub-interface others may refer to
    }
    if (const auto* v = value.find("conditions")) ic.conditions = parse_conditions(r, *v, c);
    if (const auto* v = value.find("state")) {
      if (auto text = r.scalar(*v, c, "state: up or down")) {
        if (*text == "up" || *text == "down")
          ic.state_up = Located<bool>{*text == "up", v->pos};
        else
          r.error(v->pos, c + ": state '" + *text + "' is neither up nor down");
      }
    }
    if (r.count() != before) r.gaps.configs.insert({ns, ic.name});
    out.push_back(std::move(ic));
  }
  return out;
}

std::vector<Sysctl> parse_sysctls(Reader& r, const yaml::Node& map, std::string_view context) {
  std::vector<Sysctl> out;
  std::string c = ctx(context).empty() ? "sysctls" : std::string(context) + ", sysctls";
  if (!r.expect_map(map, c, "a map of sysctls (net.ipv4.ip_forward: 1)")) return out;
  for (const auto& [key, value] : map.entries) {
    if (!value.is_scalar()) {
      r.error(value.pos, c + ": sysctl '" + key.text + "' needs a single value, got " +
                             Reader::describe(value));
      continue;
    }
    out.push_back(Sysctl{key.text, value.text, key.pos});
  }
  return out;
}

}  // namespace netlab
