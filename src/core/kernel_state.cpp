#include "netlab/kernel_state.hpp"

namespace netlab {

std::string owner_alias(const std::string& lab) { return kOwnerAliasPrefix + lab; }

std::string owner_from_alias(const std::string& alias) {
  const std::string prefix = kOwnerAliasPrefix;
  if (alias.size() <= prefix.size() || alias.compare(0, prefix.size(), prefix) != 0) return "";
  return alias.substr(prefix.size());
}

const char* to_string(LinkKind kind) {
  switch (kind) {
    case LinkKind::Loopback:
      return "loopback";
    case LinkKind::Veth:
      return "veth";
    case LinkKind::Bridge:
      return "bridge";
    case LinkKind::Vlan:
      return "vlan";
    case LinkKind::Tap:
      return "tap";
    case LinkKind::OvsInternal:
      return "ovs-internal";
    case LinkKind::Vxlan:
      return "vxlan";
    case LinkKind::Macvlan:
      return "macvlan";
    case LinkKind::Other:
      return "other";
  }
  return "other";
}

}  // namespace netlab
