#include "check/target.hpp"

namespace netlab::check {

namespace {

Error unresolved(const std::string& message) {
  return make_error(ErrorKind::Verification, message);
}

}  // namespace

std::optional<IpAddress> preferred_address(const std::vector<IpPrefix>& addresses) {
  for (const auto& p : addresses)
    if (p.family() == 4) return p.address;
  if (!addresses.empty()) return addresses.front().address;
  return std::nullopt;
}

Result<ResolvedTarget> resolve_target(const Model& model, const Target& target,
                                      const Observed& observed) {
  if (target.address) {
    ResolvedTarget r{*target.address, model.desired.holders_of(*target.address),
                     target.address->str()};
    if (r.holders.empty()) r.holders = observed.holders_of(*target.address);
    return r;
  }
  if (!target.endpoint) return unresolved("the target names neither NS:IF nor an address");
  const Endpoint& ep = *target.endpoint;
  std::string text = ep.owner + ":" + ep.ifname;
  std::string ns = netns_of(ep.owner);

  if (const Bridge* b = model.topology.find_bridge(ep.owner)) {
    // A bridge's own addresses sit on the bridge device in the root namespace.
    const DesiredLink* dev = ep.ifname == b->name ? model.desired.find_link("", b->name) : nullptr;
    if (!dev || dev->addresses.empty())
      return unresolved(text + " is a bridge port, which has no address of its own");
    auto a = preferred_address(dev->addresses);
    return ResolvedTarget{*a, {""}, text + " (" + a->str() + ")"};
  }

  const DesiredLink* cfg = model.desired.find_link(ns, ep.ifname);
  if (cfg && !cfg->dhcp && !cfg->addresses.empty()) {
    auto a = preferred_address(cfg->addresses);
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
