#include "parse/sections.hpp"

namespace netlab {

namespace {

// Both forms carry exactly two endpoints; `list` is that list node.
bool parse_two_endpoints(Reader& r, const yaml::Node& list, const std::string& c, Link& link) {
  if (!list.is_seq()) {
    r.error(list.pos, c + ": expected a list of two endpoints [NAME:IF, NAME:IF], got " +
                          Reader::describe(list));
    return false;
  }
  if (list.items.size() != 2) {
    r.error(list.pos, c + ": a link joins exactly two endpoints, this one lists " +
                          std::to_string(list.items.size()));
    return false;
  }
  auto a = parse_endpoint(r, list.items[0], c);
  auto b = parse_endpoint(r, list.items[1], c);
  if (!a || !b) return false;
  link.a = *a;
  link.b = *b;
  return true;
}

}  // namespace

void parse_links(Reader& r, const yaml::Node& section, Topology& t) {
  if (!r.expect_list(section, "links",
                     "a list of links ([NAME:IF, NAME:IF] or {endpoints: ...})")) {
    r.gaps.placement = true;
    return;
  }
  // Room for every link at once: a Link is large, and growing the vector
  // one doubling at a time moved ~2000 of them for 1000 links.
  t.links.reserve(t.links.size() + section.items.size());
  int index = 0;
  for (const auto& item : section.items) {
    ++index;
    std::string c = "link " + std::to_string(index);
    Link link;
    link.pos = item.pos;
    if (item.is_seq()) {
      if (parse_two_endpoints(r, item, c, link)) {
        t.links.push_back(std::move(link));
      } else {
        r.gaps.placement = true;
      }
    } else if (item.is_map()) {
      r.check_keys(item, {"endpoints", "vlan", "trunks", "conditions", "vni"}, c);
      if (const auto* v = item.find("vni")) {
        if (auto n = r.integer(*v, c, "a VXLAN id (1-16777215) for vni")) {
          if (*n < 1 || *n > 0xFFFFFF) {
            r.error(v->pos, c + ": vni " + std::to_string(*n) + " is out of range 1-16777215");
          } else {
            link.vni = Located<std::uint32_t>{static_cast<std::uint32_t>(*n), v->pos};
          }
        }
      }
      const auto* eps = require(r, item, "endpoints", c, "the two ends, [NAME:IF, NAME:IF]");
      link.options = parse_port_options(r, item, c);
      if (const auto* v = item.find("conditions")) link.conditions = parse_conditions(r, *v, c);
      if (eps && parse_two_endpoints(r, *eps, c, link)) {
        t.links.push_back(std::move(link));
      } else {
        r.gaps.placement = true;
      }
    } else {
      r.gaps.placement = true;
      r.error(item.pos, c + ": expected [NAME:IF, NAME:IF] or {endpoints: [...], vlan: N}, got " +
                            Reader::describe(item));
    }
  }
}

}  // namespace netlab
