// The `ping:` assertion: iputils ping inside the `from` namespace.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "check/observed.hpp"
#include "check/target.hpp"
#include "netlab/arp_prober.hpp"
#include "netlab/check.hpp"
#include "netlab/processes.hpp"

namespace netlab::check {

/// ping -c COUNT -W 1 -i INTERVAL -n ADDR (argv, never a shell); INTERVAL
/// in seconds, 0.2 by default.
std::vector<std::string> ping_argv(const IpAddress& address, int count, int interval_ms = 200);
/// How long ping may take before it is killed: every probe, the last
/// reply's wait and a margin.
std::chrono::milliseconds ping_timeout(int count, int interval_ms = 200);

/// A plain reachability check (one ping, no bounds, a reply expected):
/// ping -c 1 -w DEADLINE -i INTERVAL -n ADDR re-sends every INTERVAL and
/// ends at the first reply. A single echo with -W 1 failed under load when
/// the first echo waited on ARP (seen in CI and in 3 of 50 parallel copies).
/// `expect: fail` keeps the single echo: waiting longer only makes it slow.
inline constexpr int kReachabilityDeadlineSeconds = 3;
std::vector<std::string> reachability_ping_argv(const IpAddress& address, int interval_ms = 200);
std::chrono::milliseconds reachability_ping_timeout();

/// What ping's output says.
struct PingOutput {
  int transmitted = -1;  ///< -1 when the statistics line is missing
  int received = -1;
  std::optional<double> rtt_avg_ms;  ///< from "rtt min/avg/max/mdev = ..."
  std::optional<double> rtt_min_ms, rtt_max_ms;
  /// The first error line ("ping: connect: Network is unreachable",
  /// "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"), or "".
  std::string error;
};

/// Parses iputils (and busybox "round-trip ...") ping output.
PingOutput parse_ping_output(const std::string& text);

/// Runs one ping assertion. When the target is NS:IF and `from` holds the
/// same address (demo 03: two VLANs, one subnet, two DHCP servers handing out
/// the same address), a ping would be answered inside `from`; then `arp`
/// asks on `from`'s links holding the address whether the target's MAC
/// answers for it.
CheckResult run_ping(const PingTest& test, const Model& model, const Observed& observed,
                     Processes& processes, ArpProber& arp);

}  // namespace netlab::check
