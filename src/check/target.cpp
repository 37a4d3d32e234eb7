#include "check/target.hpp"

namespace netlab::check {

namespace {

Error unresolved(const std::string& message) {
  return make_error(ErrorKind::Verification, message);
}

std::vector<IpPrefix> plain(const std::vector<Located<IpPrefix>>& located) {
  std::vector<IpPrefix> out;
  for (const auto& l : located) out.push_back(l.value);
  return out;
}

/// Namespaces ("" = root) whose static addresses in the topology include `a`.
std::vector<std::string> static_holders(const Topology& t, const IpAddress& a) {
  std::vector<std::string> out;
  auto holds = [&](const std::vector<InterfaceConfig>& ifs) {
    for (const auto& i : ifs)
      for (const auto& p : i.addresses)
        if (p.value.address == a) return true;
    return false;
  };
  bool root = holds(t.host.interfaces);
  for (const auto& b : t.bridges)
    for (const auto& p : b.addresses)
      if (p.value.address == a) root = true;
  if (root) out.push_back("");
  for (const auto& ns : t.namespaces)
    if (holds(ns.interfaces)) out.push_back(ns.name);
  return out;
}

}  // namespace

std::optional<IpAddress> preferred_address(const std::vector<IpPrefix>& addresses) {
  for (const auto& p : addresses)
    if (p.family() == 4) return p.address;
  if (!addresses.empty()) return addresses.front().address;
  return std::nullopt;
}

const InterfaceConfig* find_interface_config(const Topology& topology, const Endpoint& ep) {
  const std::vector<InterfaceConfig>* ifs = nullptr;
  if (ep.owner == kHostName) {
    ifs = &topology.host.interfaces;
  } else if (const Namespace* ns = topology.find_namespace(ep.owner)) {
    ifs = &ns->interfaces;
  }
  if (!ifs) return nullptr;
  for (const auto& i : *ifs)
    if (i.name == ep.ifname) return &i;
  return nullptr;
}

Result<ResolvedTarget> resolve_target(const Topology& topology, const Target& target,
                                      const Observed& observed) {
  if (target.address) {
    ResolvedTarget r{*target.address, static_holders(topology, *target.address),
                     target.address->str()};
    if (r.holders.empty()) r.holders = observed.holders_of(*target.address);
    return r;
  }
  if (!target.endpoint) return unresolved("the target names neither NS:IF nor an address");
  const Endpoint& ep = *target.endpoint;
  std::string text = ep.owner + ":" + ep.ifname;
  std::string ns = netns_of(ep.owner);

  if (const Bridge* b = topology.find_bridge(ep.owner)) {
    // A bridge's own addresses sit on the bridge device in the root namespace.
    if (ep.ifname != b->name || b->addresses.empty())
      return unresolved(text + " is a bridge port, which has no address of its own");
    auto a = preferred_address(plain(b->addresses));
    return ResolvedTarget{*a, {""}, text + " (" + a->str() + ")"};
  }

  const InterfaceConfig* cfg = find_interface_config(topology, ep);
  if (cfg && !cfg->dhcp && !cfg->addresses.empty()) {
    auto a = preferred_address(plain(cfg->addresses));
    return ResolvedTarget{*a, {ns}, text + " (" + a->str() + ")"};
  }
  // Only the live system knows: a DHCP lease, or an address added by hand.
  if (!observed.state)
    return unresolved("cannot resolve " + text + ": observing the lab failed: " + observed.error);
  const LinkState* link = observed.find_link(ns, ep.ifname);
  if (!link) return unresolved(text + " does not exist in " + where(ns) + " (is the lab up?)");
  auto a = preferred_address(link->addresses);
  if (!a) {
    if (cfg && cfg->dhcp) return unresolved(text + " holds no address (no DHCP lease?)");
    return unresolved(text + " has no address (none in the topology, none live)");
  }
  return ResolvedTarget{*a, {ns}, text + " (" + a->str() + ")"};
}

}  // namespace netlab::check
