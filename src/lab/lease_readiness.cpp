#include "lab/lease_readiness.hpp"

#include <algorithm>
#include <set>

#include "netlab/dhcp_client.hpp"

namespace netlab {

namespace {

const LinkState* live_link(const LiveState& live, const std::string& ns, const std::string& name) {
  if (ns.empty()) return live.kernel.root.find_link(name);
  auto it = live.kernel.namespaces.find(ns);
  return it == live.kernel.namespaces.end() ? nullptr : it->second.find_link(name);
}

}  // namespace

std::vector<UnleasedClient> unleased_clients(const DesiredState& desired, const LiveState& live) {
  std::vector<UnleasedClient> out;
  for (const auto& d : desired.daemons) {
    const auto* client = std::get_if<DhclientInstance>(&d.instance);
    if (!client) continue;
    const LinkState* link = live_link(live, client->ns, client->interface);
    if (!link) continue;  // not observed this time, or missing (then the plan says so)
    UnleasedClient u{d.id(), client->ns, client->interface, "", false, client->log_file, d.pos};
    auto it = live.daemons.find(u.id);
    u.running = it != live.daemons.end() && it->second.running;
    auto lease = leased_address(*client);
    if (!lease.ok()) {
      u.state = lease.error().str();
    } else if (!lease->has_value()) {
      u.state = "no lease recorded in " + client->lease_file;
    } else {
      const IpPrefix& a = (*lease)->address;
      if (std::find(link->addresses.begin(), link->addresses.end(), a) != link->addresses.end())
        continue;
      u.state = "leased " + a.str() + " but the interface does not hold it";
    }
    if (!u.running)
      u.state += it == live.daemons.end() ? "; not recorded as started"
                                          : "; not running: " + it->second.why_not;
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<std::string> namespaces_of(const std::vector<UnleasedClient>& unleased) {
  std::set<std::string> names;
  for (const auto& u : unleased) names.insert(u.ns);
  return {names.begin(), names.end()};
}

Error lease_timeout_error(const std::vector<UnleasedClient>& unleased, double seconds) {
  std::string list;
  for (const auto& u : unleased)
    list += (list.empty() ? "" : "; ") +
            ("dhcp client " + u.ns + ":" + u.link + " (" + u.state + ", log " + u.log_file + ")");
  return Error{ErrorKind::Timeout,
               "no DHCP lease within " + std::to_string(static_cast<int>(seconds)) + " s for " +
                   list +
                   "; check that a DHCP server answers on that link (same VLAN, server up), "
                   "or raise --wait-timeout",
               unleased.front().pos, 0};
}

}  // namespace netlab
