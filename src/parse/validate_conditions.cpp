// `conditions:` and `state:` against the placement of the interfaces: the
// values themselves were checked by the parser (parse_conditions.cpp).
#include "parse/validator.hpp"

namespace netlab {

void Validator::check_conditions() {
  // Ends that carry a link's conditions: (namespace, interface) -> the link's position.
  std::map<std::pair<std::string, std::string>, SourcePos> from_links;
  for (const auto& l : t.links) {
    if (!l.conditions) continue;
    for (const Endpoint* e : {&l.a, &l.b}) {
      auto kind = t.endpoint_kind(e->owner);
      std::string ns = kind == EndpointKind::Namespace ? e->owner : "";
      from_links[{ns, e->ifname}] = l.conditions->pos;
    }
  }
  auto check_list = [&](const std::string& ns, const std::vector<InterfaceConfig>& list) {
    std::string where = ns.empty() ? "host" : "namespace '" + ns + "'";
    for (const auto& ic : list) {
      if (!ic.conditions) continue;
      std::string c = where + ", interface '" + ic.name + "'";
      const InterfacePlacement* pl = placed(ns, ic.name);
      if (pl && pl->source != InterfacePlacement::Source::VethEnd) {
        // The drop of the nftables fallback sits on the other end of a
        // veth, and a qdisc on a bridge or a sub-interface shapes more
        // than one link.
        error(ic.conditions->pos,
              c + ": conditions apply to the end of a link (a veth); this interface is not one");
        continue;
      }
      if (auto it = from_links.find({ns, ic.name}); it != from_links.end()) {
        error(ic.conditions->pos, c + ": its link gives conditions already (at " +
                                      at_line(it->second) +
                                      "); give them in one place, on the link or on each end");
      }
    }
  };
  for (const auto& n : t.namespaces) check_list(n.name, n.interfaces);
  check_list("", t.host.interfaces);
}

}  // namespace netlab
