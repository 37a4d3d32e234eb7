#include "lab/address_readiness.hpp"

#include <algorithm>
#include <set>

namespace netlab {

namespace {

bool contains(const std::vector<IpPrefix>& list, const IpPrefix& p) {
  return std::find(list.begin(), list.end(), p) != list.end();
}

std::string where(const UnsettledAddress& u) {
  return (u.ns.empty() ? std::string("host") : u.ns) + ":" + u.link;
}

}  // namespace

std::vector<UnsettledAddress> unsettled_addresses(const DesiredState& desired,
                                                  const LiveState& live) {
  std::vector<UnsettledAddress> out;
  for (const auto& want : desired.links) {
    const NamespaceState* ns = nullptr;
    if (want.ns.empty()) {
      ns = &live.kernel.root;
    } else if (auto it = live.kernel.namespaces.find(want.ns); it != live.kernel.namespaces.end()) {
      ns = &it->second;
    }
    const LinkState* have = ns ? ns->find_link(want.name) : nullptr;
    if (!have) continue;
    for (const auto& a : want.addresses) {
      bool failed = contains(have->dad_failed, a);
      if (failed || contains(have->tentative, a))
        out.push_back({want.ns, want.name, a, failed, want.pos});
    }
  }
  return out;
}

std::vector<std::string> namespaces_of(const std::vector<UnsettledAddress>& unsettled) {
  std::set<std::string> names;
  for (const auto& u : unsettled) names.insert(u.ns);
  return {names.begin(), names.end()};
}

Error dad_failed_error(const UnsettledAddress& u) {
  return Error{ErrorKind::Conflict,
               "address " + u.address.str() + " on " + where(u) +
                   ": IPv6 duplicate address detection failed, another host on that link "
                   "already uses it; give the interface another address",
               u.pos, 0};
}

Error dad_timeout_error(const std::vector<UnsettledAddress>& unsettled, double seconds) {
  std::string list;
  for (const auto& u : unsettled)
    list += (list.empty() ? "" : ", ") + u.address.str() + " on " + where(u);
  return Error{
      ErrorKind::Timeout,
      "IPv6 duplicate address detection did not finish within " +
          std::to_string(static_cast<int>(seconds)) + " s for " + list +
          " (is the link down or without carrier?); raise --wait-timeout or check the link",
      unsettled.front().pos, 0};
}

}  // namespace netlab
