// nat: and tests: refer to what the file defines.
#include "parse/names.hpp"
#include "parse/suggest.hpp"
#include "parse/validator.hpp"

namespace netlab {

void Validator::check_nat() {
  for (const auto& rule : t.host.nat) {
    // `out` may be an interface the lab does not create (eth0): only its form is checked.
    if (auto p = ifname_problem(rule.out)) {
      error(rule.out_pos.known() ? rule.out_pos : rule.pos,
            "host, nat: out interface name '" + rule.out + "' " + *p);
    }
  }
}

void Validator::check_tests() {
  std::vector<std::string> from_names = namespace_names();
  from_names.push_back(kHostName);

  auto check_from = [&](const std::string& c, const std::string& from, const SourcePos& pos) {
    if (from != kHostName && !t.find_namespace(from) && !gaps.names) {
      error(pos, c + ": from '" + from + "' is not a namespace (or host)" + hint(from, from_names));
    }
  };
  // NS:IF: the namespace exists and the interface lives there. Returns the
  // namespace key ("" = root) when it resolves.
  auto check_endpoint = [&](const std::string& c, const Endpoint& e) -> std::optional<std::string> {
    auto kind = t.endpoint_kind(e.owner);
    if (kind == EndpointKind::Bridge) {
      error(e.pos, c + ": '" + e.owner +
                       "' is a bridge; tests name interfaces by namespace (host:IF for the root "
                       "namespace)");
      return std::nullopt;
    }
    if (!kind) {
      if (!gaps.names)
        error(e.pos,
              c + ": '" + e.owner + "' is not a namespace (or host)" + hint(e.owner, from_names));
      return std::nullopt;
    }
    std::string ns = *kind == EndpointKind::Host ? "" : e.owner;
    if (!placed(ns, e.ifname)) {
      if (!gaps.placement)
        error(e.pos, c + ": there is no interface '" + e.ifname + "' in " + ns_label(ns) +
                         hint(e.ifname, placed_names(ns)));
      return std::nullopt;
    }
    return ns;
  };

  for (const auto& tc : t.tests) {
    if (const auto* p = std::get_if<PingTest>(&tc.check)) {
      check_from("ping test", p->from, p->from_pos);
      if (p->to.endpoint) check_endpoint("ping test", *p->to.endpoint);
    } else if (const auto* p = std::get_if<TcpTest>(&tc.check)) {
      check_from("tcp test", p->from, p->from_pos);
      if (p->to.endpoint) check_endpoint("tcp test", *p->to.endpoint);
      if (p->port < 1 || p->port > 65535) {
        error(tc.pos, "tcp test: port " + std::to_string(p->port) + " is out of range 1-65535");
      }
    } else if (const auto* p = std::get_if<ThroughputTest>(&tc.check)) {
      check_from("throughput test", p->from, p->from_pos);
      if (p->to.endpoint) check_endpoint("throughput test", *p->to.endpoint);
    } else if (const auto* p = std::get_if<LeaseTest>(&tc.check)) {
      if (auto ns = check_endpoint("lease test", p->client)) {
        const InterfaceConfig* ic = config(*ns, p->client.ifname);
        if ((!ic || !ic->dhcp) && !config_gap(*ns, p->client.ifname)) {
          error(p->client.pos, "lease test: client " + p->client.owner + ":" + p->client.ifname +
                                   " is not a dhcp: true interface, so it never takes a lease");
        }
      }
      if (!t.find_namespace(p->server)) {
        if (!gaps.names)
          error(p->server_pos, "lease test: server '" + p->server + "' is not a namespace" +
                                   hint(p->server, namespace_names()));
      } else {
        bool serves = false;
        for (const auto& s : t.dhcp) serves = serves || s.namespace_name == p->server;
        if (!serves) {
          error(p->server_pos,
                "lease test: namespace '" + p->server +
                    "' runs no DHCP server (no dhcp: entry with namespace: " + p->server + ")");
        }
      }
    }
  }
}

}  // namespace netlab
