#include "check/throughput.hpp"

#include <algorithm>
#include <cstdio>

#include "core/quantity.hpp"

namespace netlab::check {

namespace {

std::string rate(double bps) { return format_quantity(bps, QuantityKind::Rate); }

/// "at least 5 Mbit/s over 2 s", "between 1 Mbit/s and 2 Mbit/s over 1 s".
std::string expectation(const ThroughputTest& t) {
  const Bounds& b = t.bits_per_second;
  std::string s;
  if (b.min && b.max)
    s = "between " + rate(*b.min) + " and " + rate(*b.max);
  else if (b.min)
    s = "at least " + rate(*b.min);
  else if (b.max)
    s = "at most " + rate(*b.max);
  else
    s = "a measurement";
  return "TCP throughput " + s + " over " + std::to_string(t.duration_s) + " s";
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + (x.empty() ? "the root namespace" : x);
  return s;
}

}  // namespace

CheckResult run_throughput(const ThroughputTest& test, const Model& model, const Observed& observed,
                           ThroughputMeter& meter) {
  CheckResult r;
  r.expected = expectation(test);
  auto target = resolve_target(model, test.to, observed);
  if (!target.ok()) {
    r.name = "throughput " + test.from + " -> " + test.to.str();
    r.actual = r.detail = target.error().message;
    return r;
  }
  r.name = "throughput " + test.from + " -> " + target->label;
  std::string addr = target->address.str();
  std::string from_ns = netns_of(test.from);

  // The receiver runs where the address lives; traffic to nowhere in the lab
  // would leave the machine, which a test must not cause.
  if (target->holders.empty()) {
    r.actual = r.detail = "no lab interface holds " + addr +
                          ": throughput is measured between lab namespaces only; name the "
                          "target as NS:IF";
    return r;
  }
  if (target->holders.size() > 1) {
    r.actual = r.detail = addr + " is held by several namespaces (" + join(target->holders) +
                          "): name the target as NS:IF";
    return r;
  }
  const std::string& to_ns = target->holders.front();
  auto desired_holders = model.desired.holders_of(target->address);
  bool from_holds =
      to_ns == from_ns ||
      std::find(desired_holders.begin(), desired_holders.end(), from_ns) != desired_holders.end() ||
      !observed.links_holding(from_ns, target->address).empty();
  if (from_holds) {
    r.actual = r.detail = addr + " is " + test.from +
                          "'s own address too, so the traffic would not leave " + test.from +
                          "; measure to an address only the target holds";
    return r;
  }

  auto sample = meter.measure(from_ns, to_ns, target->address, test.duration_s);
  if (!sample.ok()) {
    r.actual = r.detail = "could not measure: " + sample.error().message;
    return r;
  }
  r.measured = {{"bits_per_second", sample->bits_per_second},
                {"bytes", sample->bytes},
                {"seconds", sample->seconds}};
  if (sample->retransmits) r.measured.push_back({"retransmits", *sample->retransmits});

  // "9.41 Gbit/s (1.18 GB in 1 s, 0 retransmits)"
  double bytes = sample->bytes;
  const char* unit = bytes >= 1e9 ? "GB" : bytes >= 1e6 ? "MB" : "kB";
  double scaled = bytes / (bytes >= 1e9 ? 1e9 : bytes >= 1e6 ? 1e6 : 1e3);
  char extent[64];
  std::snprintf(extent, sizeof extent, " (%.3g %s in %.3g s", scaled, unit, sample->seconds);
  r.actual = rate(sample->bits_per_second) + extent;
  if (sample->retransmits)
    r.actual +=
        ", " + std::to_string(static_cast<long long>(*sample->retransmits)) + " retransmits";
  r.actual += ")";
  const Bounds& b = test.bits_per_second;
  std::string broken;
  if (b.min && sample->bits_per_second < *b.min)
    broken = "below min " + rate(*b.min);
  else if (b.max && sample->bits_per_second > *b.max)
    broken = "above max " + rate(*b.max);
  r.passed = broken.empty();
  r.detail = r.actual + " to " + addr;
  if (!broken.empty()) {
    r.actual = "measured " + r.actual + ", " + broken;
    r.detail = r.actual;
  }
  return r;
}

}  // namespace netlab::check
