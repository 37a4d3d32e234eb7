#include "parse/sections.hpp"

namespace netlab {

namespace {

std::optional<DhcpServer> parse_server(Reader& r, const yaml::Node& n, const std::string& c) {
  if (!n.is_map()) {
    r.error(n.pos,
            c + ": expected a map {namespace, interface, range, ...}, got " + Reader::describe(n));
    return std::nullopt;
  }
  r.check_keys(
      n, {"namespace", "interface", "range", "lease_time", "router", "dns", "hosts", "netmask"}, c);
  DhcpServer s;
  s.pos = n.pos;
  bool ok = true;
  if (const auto* v = require(r, n, "namespace", c, "where dnsmasq runs")) {
    s.namespace_pos = v->pos;
    auto ns = r.scalar(*v, c, "a namespace name");
    ok = ok && ns;
    if (ns) s.namespace_name = *ns;
  } else {
    ok = false;
  }
  if (const auto* v = require(r, n, "interface", c, "the interface dnsmasq serves")) {
    s.interface_pos = v->pos;
    auto i = r.scalar(*v, c, "an interface name");
    ok = ok && i;
    if (i) s.interface = *i;
  } else {
    ok = false;
  }
  if (const auto* v = require(r, n, "range", c, "the addresses to lease, [FIRST, LAST]")) {
    s.range_pos = v->pos;
    if (!v->is_seq() || v->items.size() != 2) {
      r.error(v->pos, c + ": range must be a list of two addresses [FIRST, LAST], got " +
                          (v->is_seq() ? "a list of " + std::to_string(v->items.size())
                                       : Reader::describe(*v)));
      ok = false;
    } else {
      auto a = r.address(v->items[0], c, "range start");
      auto b = r.address(v->items[1], c, "range end");
      ok = ok && a && b;
      if (a) s.range_start = *a;
      if (b) s.range_end = *b;
    }
  } else {
    ok = false;
  }
  if (const auto* v = n.find("lease_time")) {
    if (auto text = r.scalar(*v, c, "a lease time like 1h")) {
      auto secs = parse_lease_time(*text);
      if (!secs) {
        r.error(v->pos, c + ": lease_time '" + *text +
                            "' is not a duration; write seconds (3600), 45s, 30m, 1h, 2d, 1w or "
                            "infinite");
      } else if (*secs != kInfiniteLease && *secs < 120) {
        r.error(v->pos,
                c + ": lease_time '" + *text + "' is shorter than dnsmasq's minimum of 2 minutes");
      } else {
        s.lease_seconds = Located<int>{*secs, v->pos};
      }
    }
  }
  if (const auto* v = n.find("netmask")) {
    if (auto a = r.address(*v, c, "netmask")) s.netmask = Located<IpAddress>{*a, v->pos};
  }
  if (const auto* v = n.find("router")) {
    if (auto a = r.address(*v, c, "router")) s.router = Located<IpAddress>{*a, v->pos};
  }
  if (const auto* v = n.find("dns")) {
    if (r.expect_list(*v, c, "a list of DNS server addresses")) {
      for (const auto& item : v->items) {
        if (auto a = r.address(item, c, "dns")) s.dns.push_back({*a, item.pos});
      }
    }
  }
  if (const auto* v = n.find("hosts")) {
    if (r.expect_list(*v, c, "a list of static leases [{mac: ..., address: ...}]")) {
      for (const auto& item : v->items) {
        std::string hc = c + ", host";
        if (!item.is_map()) {
          r.error(item.pos,
                  hc + ": expected {mac: ..., address: ...}, got " + Reader::describe(item));
          continue;
        }
        r.check_keys(item, {"mac", "address"}, hc);
        DhcpStaticHost h;
        h.pos = item.pos;
        bool hok = true;
        if (const auto* m = require(r, item, "mac", hc, "the client's MAC address")) {
          auto text = r.scalar(*m, hc, "a MAC address");
          auto mac = text ? parse_mac(*text) : std::nullopt;
          if (text && !mac) {
            r.error(m->pos, hc + ": mac '" + *text +
                                "' is not a MAC address; write six hex octets like "
                                "02:00:00:00:00:09");
          }
          hok = hok && mac;
          if (mac) h.mac = format_mac(*mac);
        } else {
          hok = false;
        }
        if (const auto* a = require(r, item, "address", hc, "the address it always gets")) {
          auto addr = r.address(*a, hc, "address");
          hok = hok && addr;
          if (addr) h.address = *addr;
        } else {
          hok = false;
        }
        if (hok) s.hosts.push_back(std::move(h));
      }
    }
  }
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace

void parse_dhcp(Reader& r, const yaml::Node& section, Topology& t) {
  if (!r.expect_list(section, "dhcp", "a list of DHCP servers")) return;
  for (const auto& item : section.items) {
    if (auto s = parse_server(r, item, "dhcp server")) t.dhcp.push_back(std::move(*s));
  }
}

}  // namespace netlab
