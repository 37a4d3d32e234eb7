// When the `from` namespace holds the very address of the NS:IF it checks
// (demo 03: two VLANs, one subnet, two DHCP servers that may hand out the
// same address), a ping or a connect is answered inside `from` without a
// packet leaving it. Whether the target is reachable at all is then asked at
// layer 2 with ARP on `from`'s links that hold the address.
#pragma once

#include <optional>
#include <string>

#include "check/observed.hpp"
#include "check/target.hpp"
#include "netlab/arp_prober.hpp"

namespace netlab::check {

struct SharedAddress {
  /// "10.20.30.59 is also red's own address (eth0-r)".
  std::string note;
  /// Set when the question cannot be answered (IPv6, the probe failed): the
  /// whole message for the result.
  std::optional<std::string> error;
  /// The target interface's MAC answered for the address.
  bool reached = false;
  /// "ARP reply from blue:eth0-b (02:..) on eth0-r" or "no ARP reply from
  /// blue:eth0-b (02:..)[, only from MAC, ...]".
  std::string actual;
};

/// nullopt when `to` is not NS:IF of another namespace than `from`, or when
/// `from` does not hold its address: then the ordinary check applies.
/// `count` probes are sent on each of `from`'s links holding the address.
std::optional<SharedAddress> probe_shared_address(const Target& to, const std::string& from,
                                                  const ResolvedTarget& target,
                                                  const Observed& observed, ArpProber& arp,
                                                  int count);

}  // namespace netlab::check
