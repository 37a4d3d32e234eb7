#include "kernel/missing_sysctl.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace netlab {

std::string missing_sysctl_problem(const std::string& ns, const std::string& key) {
  if (!ns.empty()) return "namespace " + ns + " has no " + key;
  return "the network namespace netlab runs in has no " + key +
         " (some keys exist only in the host's initial namespace, and in a container or on a "
         "simulated machine netlab's root namespace is another one); set it outside netlab, or "
         "remove it from host.sysctls";
}

bool sysctl_may_appear(const std::string& key) {
  // The path form: a key that contains '/' is a path already (interface
  // names with dots); otherwise every '.' separates components.
  std::string rel = key;
  if (rel.find('/') == std::string::npos) std::replace(rel.begin(), rel.end(), '.', '/');
  auto starts_with = [&](std::string_view p) {
    return std::string_view(rel).substr(0, p.size()) == p;
  };
  if (starts_with("net/netfilter/") || rel == "net/nf_conntrack_max") return true;
  // Per-interface directories; "all" and "default" are there from the start.
  constexpr std::array kDeviceDirs = {"net/ipv4/conf/", "net/ipv6/conf/", "net/ipv4/neigh/",
                                      "net/ipv6/neigh/", "net/mpls/conf/"};
  for (std::string_view dir : kDeviceDirs) {
    if (!starts_with(dir)) continue;
    std::string_view rest = std::string_view(rel).substr(dir.size());
    std::string_view device = rest.substr(0, rest.find('/'));
    return device != "all" && device != "default";
  }
  return false;
}

}  // namespace netlab
