#include "parse/sections.hpp"

namespace netlab {

namespace {

std::optional<Route> parse_route(Reader& r, const yaml::Node& n, const std::string& context) {
  if (!n.is_map()) {
    r.error(n.pos, context + ": expected a route {to: ..., via: ..., dev: ...}, got " +
                       Reader::describe(n));
    return std::nullopt;
  }
  r.check_keys(n, {"to", "via", "dev"}, context);
  Route route;
  route.pos = n.pos;
  bool ok = true;
  if (const auto* to = require(r, n, "to", context, "'default' or a prefix like 10.0.0.0/8")) {
    route.to_pos = to->pos;
    if (auto text = r.scalar(*to, context, "'default' or a prefix for to")) {
      if (*text == "default") {
        route.is_default = true;
      } else if (auto p = IpPrefix::parse(*text)) {
        route.to = p->network();
        route.family = p->family();
      } else {
        r.error(to->pos, context + ": to '" + *text +
                             "' is neither 'default' nor a prefix like 192.168.0.0/16");
        ok = false;
      }
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const auto* via = n.find("via")) {
    route.via_pos = via->pos;
    if (auto a = r.address(*via, context, "via")) {
      route.via = *a;
      if (route.is_default) route.family = a->family;
    } else {
      ok = false;
    }
  }
  if (const auto* dev = n.find("dev")) {
    route.dev_pos = dev->pos;
    if (auto d = r.scalar(*dev, context, "an interface name for dev")) {
      route.dev = *d;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return route;
}

}  // namespace

void parse_namespaces(Reader& r, const yaml::Node& section, Topology& t) {
  if (!r.expect_map(section, "namespaces", "a map of namespaces (NAME: {interfaces: ...})")) {
    r.gaps.names = r.gaps.placement = true;
    return;
  }
  t.namespaces.reserve(t.namespaces.size() + section.entries.size());  // as parse_links
  for (const auto& [key, value] : section.entries) {
    Namespace ns;
    ns.name = key.text;
    ns.pos = key.pos;
    std::string c = "namespace '" + ns.name + "'";
    if (r.expect_map(value, c, "a map with interfaces, routes, sysctls, services")) {
      r.check_keys(value, {"interfaces", "routes", "sysctls", "services", "machine"}, c);
      ns.machine = parse_machine_key(r, value, c);
      if (const auto* v = value.find("interfaces"))
        ns.interfaces = parse_interfaces(r, *v, ns.name, c);
      if (const auto* v = value.find("routes")) {
        if (r.expect_list(*v, c, "a list of routes")) {
          for (const auto& item : v->items) {
            if (auto route = parse_route(r, item, c + ", route")) {
              ns.routes.push_back(std::move(*route));
            }
          }
        }
      }
      if (const auto* v = value.find("sysctls")) ns.sysctls = parse_sysctls(r, *v, c);
      if (const auto* v = value.find("services")) ns.services = parse_services(r, *v, ns.name);
    }
    // Keep the namespace even when its body is broken, so references to it
    // do not produce a second, misleading error.
    t.namespaces.push_back(std::move(ns));
  }
}

}  // namespace netlab
