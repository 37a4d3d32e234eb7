#include "check/shared_address.hpp"

#include <algorithm>
#include <chrono>

#include "core/text.hpp"

namespace netlab::check {

std::optional<SharedAddress> probe_shared_address(const Target& to, const std::string& from,
                                                  const ResolvedTarget& target,
                                                  const Observed& observed, ArpProber& arp,
                                                  int count) {
  std::string from_ns = netns_of(from);
  if (!to.endpoint || netns_of(to.endpoint->owner) == from_ns) return std::nullopt;
  auto own = observed.links_holding(from_ns, target.address);
  if (own.empty()) return std::nullopt;

  SharedAddress s;
  std::vector<std::string> own_names;
  for (const auto* l : own) own_names.push_back(l->name);
  s.note = target.address.str() + " is also " + from + "'s own address (" + join(own_names) + ")";
  if (target.address.family != 4) {
    s.error = s.note + ", so a check from " + from + " would be answered inside " + from +
              "; netlab can tell the two apart only for IPv4 (ARP): give the target a "
              "distinct address";
    return s;
  }
  const Endpoint& ep = *to.endpoint;
  std::string label = ep.owner + ":" + ep.ifname;
  const LinkState* target_link = observed.find_link(netns_of(ep.owner), ep.ifname);
  std::string target_mac = target_link ? target_link->mac : "";
  std::string mac_note = target_mac.empty() ? "" : " (" + target_mac + ")";

  std::vector<std::string> others;
  std::string reached_on;
  for (const auto* link : own) {
    auto answered = arp.probe(from_ns, link->name, target.address, std::max(count, 1),
                              std::chrono::milliseconds(1000));
    if (!answered.ok()) {
      s.error = s.note + "; " + answered.error().message;
      return s;
    }
    for (const auto& mac : *answered) {
      if (target_mac.empty() || mac == target_mac) {
        if (reached_on.empty()) reached_on = link->name;
      } else if (std::find(others.begin(), others.end(), mac) == others.end()) {
        others.push_back(mac);
      }
    }
  }
  s.reached = !reached_on.empty();
  if (s.reached) {
    s.actual = "ARP reply from " + label + mac_note + " on " + reached_on;
  } else {
    s.actual = "no ARP reply from " + label + mac_note;
    if (!others.empty()) s.actual += ", only from " + join(others);
  }
  return s;
}

}  // namespace netlab::check
