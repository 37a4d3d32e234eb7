// Measuring TCP throughput between two namespaces, for the `throughput:`
// assertion of `netlab test`.
#pragma once

#include <optional>
#include <string>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"

namespace netlab {

/// What one measurement found, as the receiving end counted it.
struct ThroughputSample {
  double bits_per_second = 0;
  double bytes = 0;                   ///< received
  double seconds = 0;                 ///< the receiver's measuring time
  std::optional<double> retransmits;  ///< the sender's TCP retransmits, when known
};

/// Sends TCP for a bounded time and reports what arrived.
class ThroughputMeter {
 public:
  virtual ~ThroughputMeter() = default;
  /// Listens on `address`, at a free port, in namespace `to_ns`, sends to it
  /// from namespace `from_ns` ("" = root) for `seconds` seconds, and stops
  /// both ends before returning, whatever happens.
  virtual Result<ThroughputSample> measure(const std::string& from_ns, const std::string& to_ns,
                                           const IpAddress& address, int seconds) = 0;
};

/// The real meter: libiperf (iperf3's library), both ends on this machine.
ThroughputMeter& system_throughput_meter();

}  // namespace netlab
