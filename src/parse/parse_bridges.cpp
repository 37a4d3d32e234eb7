#include "parse/sections.hpp"
#include "parse/suggest.hpp"

namespace netlab {

namespace {

BridgePort parse_port(Reader& r, const yaml::Node& key, const yaml::Node& value,
                      const std::string& bridge_context) {
  BridgePort p;
  p.name = key.text;
  p.pos = key.pos;
  std::string c = bridge_context + ", port '" + p.name + "'";
  if (!r.expect_map(value, c, "a map of port settings (internal, namespace, vlan, trunks)")) {
    r.gaps.placement = true;
    return p;
  }
  r.check_keys(value, {"internal", "namespace", "vlan", "trunks"}, c);
  if (const auto* v = value.find("internal")) {
    if (auto b = r.boolean(*v, c, "internal")) {
      p.internal = *b;
    } else {
      r.gaps.placement = true;
    }
  }
  if (const auto* v = value.find("namespace")) {
    if (auto ns = r.scalar(*v, c, "a namespace name")) {
      p.namespace_name = Located<std::string>{*ns, v->pos};
    }
  }
  p.options = parse_port_options(r, value, c);
  return p;
}

}  // namespace

void parse_bridges(Reader& r, const yaml::Node& section, Topology& t) {
  if (!r.expect_map(section, "bridges", "a map of bridges (NAME: {kind: ovs})")) {
    r.gaps.names = r.gaps.placement = true;
    return;
  }
  for (const auto& [key, value] : section.entries) {
    Bridge b;
    b.name = key.text;
    b.pos = key.pos;
    std::string c = "bridge '" + b.name + "'";
    if (r.expect_map(value, c, "a map with kind, datapath, ports, addresses")) {
      r.check_keys(value, {"kind", "datapath", "ports", "addresses", "machine"}, c);
      b.machine = parse_machine_key(r, value, c);
      if (const auto* v = value.find("kind")) {
        b.kind_pos = v->pos;
        if (auto k = r.scalar(*v, c, "a bridge kind (ovs or linux)")) {
          if (*k == "ovs") {
            b.kind = BridgeKind::Ovs;
          } else if (*k == "linux") {
            b.kind = BridgeKind::Linux;
          } else {
            r.error(v->pos, c + ": kind '" + *k + "' is unknown; use ovs or linux" +
                                hint(*k, {"ovs", "linux"}));
          }
        }
      }
      if (const auto* v = value.find("datapath")) {
        b.datapath_pos = v->pos;
        if (auto d = r.scalar(*v, c, "a datapath (auto, system or netdev)")) {
          if (*d == "auto") {
            b.datapath = Datapath::Auto;
          } else if (*d == "system") {
            b.datapath = Datapath::System;
          } else if (*d == "netdev") {
            b.datapath = Datapath::Netdev;
          } else {
            r.error(v->pos, c + ": datapath '" + *d + "' is unknown; use auto, system or netdev" +
                                hint(*d, {"auto", "system", "netdev"}));
          }
        }
      }
      if (const auto* v = value.find("ports")) {
        if (r.expect_map(*v, c, "a map of ports (NAME: {internal: true})")) {
          for (const auto& [pk, pv] : v->entries) b.ports.push_back(parse_port(r, pk, pv, c));
        } else {
          r.gaps.placement = true;
        }
      }
      if (const auto* v = value.find("addresses")) {
        if (r.expect_list(*v, c, "a list of addresses")) {
          for (const auto& item : v->items) {
            if (auto p = r.prefix(item, c, "address")) b.addresses.push_back({*p, item.pos});
          }
        }
      }
    }
    t.bridges.push_back(std::move(b));
  }
}

}  // namespace netlab
