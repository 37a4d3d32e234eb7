// `machines:` (the hosts a lab spans), and the `machine:` keys that place a
// namespace or a bridge on one of them. Their rules: validate_machines.cpp.
#include "parse/sections.hpp"

namespace netlab {

void parse_machines(Reader& r, const yaml::Node& section, Topology& t) {
  if (!r.expect_map(section, "machines",
                    "a map of machines (NAME: {address: 192.168.77.1, vxlan_port: 4789, mtu: "
                    "1500})"))
    return;
  for (const auto& [key, value] : section.entries) {
    Machine m;
    m.name = key.text;
    m.pos = key.pos;
    std::string c = "machine '" + m.name + "'";
    if (r.expect_map(value, c, "a map with address, vxlan_port, mtu")) {
      r.check_keys(value, {"address", "vxlan_port", "mtu"}, c);
      if (const auto* v =
              require(r, value, "address", c, "its underlay address, e.g. 192.168.77.1")) {
        m.address.pos = v->pos;
        if (auto a = r.address(*v, c, "address")) m.address.value = *a;
      }
      if (const auto* v = value.find("vxlan_port")) {
        m.vxlan_port_pos = v->pos;
        if (auto p = r.integer(*v, c, "a UDP port for vxlan_port")) m.vxlan_port = *p;
      }
      if (const auto* v = value.find("mtu")) {
        if (auto p = r.integer(*v, c, "an MTU for mtu")) m.mtu = Located<int>{*p, v->pos};
      }
    }
    t.machines.push_back(std::move(m));
  }
}

std::optional<Located<std::string>> parse_machine_key(Reader& r, const yaml::Node& map,
                                                      std::string_view context) {
  const auto* v = map.find("machine");
  if (!v) return std::nullopt;
  if (auto s = r.scalar(*v, context, "a machine name for machine")) {
    return Located<std::string>{*s, v->pos};
  }
  return std::nullopt;
}

}  // namespace netlab
