// The `throughput:` assertion: TCP from the `from` namespace to the target's
// namespace for a bounded time, measured by a ThroughputMeter (libiperf),
// checked against `min:` / `max:`.
#pragma once

#include "check/observed.hpp"
#include "check/target.hpp"
#include "netlab/check.hpp"
#include "netlab/throughput_meter.hpp"

namespace netlab::check {

/// Runs one throughput assertion. The target must be held by exactly one
/// lab namespace other than `from` (the receiver runs there); anything else
/// is a failed result saying what to write instead.
CheckResult run_throughput(const ThroughputTest& test, const Model& model, const Observed& observed,
                           ThroughputMeter& meter);

}  // namespace netlab::check
