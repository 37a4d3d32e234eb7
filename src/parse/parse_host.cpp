#include "parse/sections.hpp"

namespace netlab {

void parse_host(Reader& r, const yaml::Node& section, Topology& t) {
  t.host.pos = section.pos;
  if (!r.expect_map(section, "host", "a map with sysctls, interfaces, nat")) return;
  r.check_keys(section, {"sysctls", "interfaces", "nat"}, "host");
  if (const auto* v = section.find("sysctls")) t.host.sysctls = parse_sysctls(r, *v, "host");
  if (const auto* v = section.find("interfaces")) {
    t.host.interfaces = parse_interfaces(r, *v, "", "host");
  }
  if (const auto* v = section.find("nat")) {
    if (!r.expect_list(*v, "host", "a list of NAT rules [{source: PREFIX, out: IF}]")) return;
    for (const auto& item : v->items) {
      const std::string c = "host, nat";
      if (!item.is_map()) {
        r.error(item.pos,
                c + ": expected {source: PREFIX, out: IF}, got " + Reader::describe(item));
        continue;
      }
      r.check_keys(item, {"source", "out"}, c);
      NatRule rule;
      rule.pos = item.pos;
      bool ok = true;
      if (const auto* s = require(r, item, "source", c, "the prefix to masquerade")) {
        auto p = r.prefix(*s, c, "source");
        ok = ok && p;
        if (p) rule.source = p->network();
      } else {
        ok = false;
      }
      if (const auto* o = require(r, item, "out", c, "the interface traffic leaves by")) {
        rule.out_pos = o->pos;
        auto name = r.scalar(*o, c, "an interface name for out");
        ok = ok && name;
        if (name) rule.out = *name;
      } else {
        ok = false;
      }
      if (ok) t.host.nat.push_back(std::move(rule));
    }
  }
}

}  // namespace netlab
