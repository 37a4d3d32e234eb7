// The `lease:` assertion: the client interface's current address and MAC
// appear in the lease file of the named server's dnsmasq.
#pragma once

#include <string>

#include "check/observed.hpp"
#include "netlab/check.hpp"

namespace netlab::check {

/// Runs one lease assertion against the lease files under `state_dir`.
CheckResult run_lease(const LeaseTest& test, const Topology& topology, const Observed& observed,
                      const std::string& state_dir);

}  // namespace netlab::check
