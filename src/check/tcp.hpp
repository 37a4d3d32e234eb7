// The `tcp:` assertion: netlab listens on the target address:port inside the
// target's namespace for the duration of the check and connects from the
// `from` namespace.
#pragma once

#include <chrono>

#include "check/observed.hpp"
#include "check/target.hpp"
#include "netlab/arp_prober.hpp"
#include "netlab/check.hpp"

namespace netlab::check {

/// How long a connect may wait for an answer before it counts as failed.
inline constexpr std::chrono::milliseconds kConnectTimeout{2000};

/// Runs one tcp assertion. The listener (one per namespace holding the
/// address) is closed before this returns. When the target is NS:IF and
/// `from` holds the same address, a connect would stay inside `from`: then
/// `arp` tells whether the target is reachable at all, and only "not
/// reachable" can pass (an expect: fail).
CheckResult run_tcp(const TcpTest& test, const Model& model, const Observed& observed,
                    ArpProber& arp, std::chrono::milliseconds connect_timeout = kConnectTimeout);

}  // namespace netlab::check
