// dhcp: servers run in a lab namespace, on an interface with a static address,
// and lease from a subnet of that address.
#include <set>

#include "parse/suggest.hpp"
#include "parse/validator.hpp"

namespace netlab {

namespace {

std::string join_addresses(const InterfaceConfig& ic) {
  std::string s;
  for (const auto& a : ic.addresses) s += (s.empty() ? "" : ", ") + a.value.str();
  return s;
}

}  // namespace

void Validator::check_dhcp() {
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& s : t.dhcp) {
    std::string c = "dhcp server in '" + s.namespace_name + "'";
    if (s.namespace_name == kHostName) {
      error(s.namespace_pos,
            "dhcp server: namespace: host is refused: dnsmasq in the root namespace would "
            "answer on the host's own networks; run it in a lab namespace (e.g. on an internal "
            "OVS port with namespace: set)");
      continue;
    }
    if (!t.find_namespace(s.namespace_name)) {
      if (!gaps.names)
        error(s.namespace_pos, "dhcp server: there is no namespace named '" + s.namespace_name +
                                   "'" + hint(s.namespace_name, namespace_names()));
      continue;
    }
    if (!served.insert({s.namespace_name, s.interface}).second) {
      error(s.pos, c + ": a second server on interface '" + s.interface + "'; one per interface");
    }
    if (!placed(s.namespace_name, s.interface)) {
      if (!gaps.placement)
        error(s.interface_pos, c + ": interface '" + s.interface +
                                   "' is not an interface of namespace '" + s.namespace_name + "'" +
                                   hint(s.interface, placed_names(s.namespace_name)));
      continue;
    }
    if (config_gap(s.namespace_name, s.interface)) continue;
    const InterfaceConfig* ic = config(s.namespace_name, s.interface);
    if (!ic || ic->addresses.empty()) {
      error(s.interface_pos, c + ": interface '" + s.interface +
                                 "' has no static address; give it addresses: under namespaces." +
                                 s.namespace_name + ".interfaces, in the subnet it serves");
      continue;
    }
    const auto& a = s.range_start;
    const auto& b = s.range_end;
    std::string range = a.str() + " - " + b.str();
    if (a.family != b.family) {
      error(s.range_pos, c + ": range " + range + " mixes IPv4 and IPv6");
      continue;
    }
    if (b < a) {
      error(s.range_pos, c + ": range " + range + " ends before it starts; swap the addresses");
      continue;
    }
    bool inside = false;
    for (const auto& addr : ic->addresses) {
      inside = inside || (addr.value.contains(a) && addr.value.contains(b));
    }
    if (!inside) {
      error(s.range_pos, c + ": range " + range + " is not inside a subnet of '" + s.interface +
                             "' (" + join_addresses(*ic) + "); pick addresses from that subnet");
    }
  }
}

}  // namespace netlab
