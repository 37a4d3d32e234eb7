// Asking at layer 2 who holds an IPv4 address. `netlab test` needs it when a
// ping cannot answer the question: in demo 03 red and blue may lease the same
// address in their separate VLANs, and then "ping blue's address from red" is
// answered by red itself without a frame ever leaving red.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"

namespace netlab {

/// Sends ARP probes (RFC 5227: sender address 0.0.0.0, so that the probing
/// host's own copy of the address does not make the kernel ignore it).
class ArpProber {
 public:
  virtual ~ArpProber() = default;
  /// Sends `count` probes for `target` (IPv4) out of `ifname` in namespace
  /// `ns` ("" = root), 200 ms apart, and listens `wait` after the last one.
  /// Returns the MAC addresses (lower-case "aa:bb:..") that answered, each
  /// once, in the order they first answered; empty when nobody did.
  virtual Result<std::vector<std::string>> probe(const std::string& ns, const std::string& ifname,
                                                 const IpAddress& target, int count,
                                                 std::chrono::milliseconds wait) = 0;
};

/// The real prober: an AF_PACKET socket created inside the namespace.
ArpProber& system_arp_prober();

}  // namespace netlab
