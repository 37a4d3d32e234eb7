// `netlab test`: the assertions under `tests:` (ping, tcp, lease, throughput) run against
// the live lab, and their results as a table, JUnit XML or JSON.
//
// Every assertion gives exactly one CheckResult, in file order, whatever
// happens: a target that cannot be resolved, a namespace that is missing or a
// command that cannot run is a failed result saying why, never an exception.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "netlab/arp_prober.hpp"
#include "netlab/error.hpp"
#include "netlab/kernel.hpp"
#include "netlab/processes.hpp"
#include "netlab/throughput_meter.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// One figure an assertion measured; the name carries the unit:
/// "sent", "received", "loss_percent", "rtt_avg_ms", "bits_per_second".
struct Measurement {
  std::string name;
  double value = 0;
};

/// The outcome of one assertion.
struct CheckResult {
  /// What was checked, e.g. "ping red -> dhcp-r:tap-r (10.20.30.2)".
  std::string name;
  bool passed = false;
  std::string expected;  ///< what the assertion expects, e.g. "reply from 10.20.30.2"
  std::string actual;    ///< what happened, e.g. "no reply (1 sent, 0 received)"
  std::string detail;    ///< short note for the table, e.g. "rtt 0.05 ms"
  double seconds = 0;    ///< wall time of this assertion
  SourcePos pos;         ///< of the assertion in the topology file
  /// What was measured, in measuring order (ping: sent, received,
  /// loss_percent, rtt_min_ms, rtt_avg_ms, rtt_max_ms; throughput:
  /// bits_per_second, bytes, seconds, retransmits). Empty when nothing was.
  std::vector<Measurement> measured;
  /// With CheckContext::capture_dir, a failed assertion's pcap files (one
  /// per interface captured), as paths under that directory.
  std::vector<std::string> captures{};
  /// Not run on this machine: its source is on another one (`detail` says
  /// which). Neither passed nor failed.
  bool skipped = false;
};

/// What the assertions run against. The topology is the loaded (and
/// prefixed) one; namespace names in it are the live names.
struct CheckContext {
  const Topology& topology;
  Kernel& kernel;         ///< observes DHCP-assigned addresses and MACs
  Processes& processes;   ///< runs ping inside namespaces
  std::string state_dir;  ///< the lab's /run/netlab/<lab>, where lease files live
  /// Asks who holds an address when ping cannot tell (the source holds the
  /// target's address too); nullptr = system_arp_prober().
  ArpProber* arp_prober = nullptr;
  /// When set (an existing directory): each assertion is captured on the
  /// interfaces it uses while it runs; the pcap files of the failed ones
  /// stay there (CheckResult::captures), the others are removed.
  std::string capture_dir{};
  /// Measures `throughput:` assertions; nullptr = system_throughput_meter().
  ThroughputMeter* throughput_meter = nullptr;
  /// For a topology with machines: the machine this runs on. Assertions
  /// whose source (`from`, a lease's client) is on another machine are
  /// skipped, saying so. "" = run them all.
  std::string machine{};
};

/// Runs every assertion of `ctx.topology.tests` and returns one result per
/// assertion, in file order. Up to `parallelism` assertions run at once
/// (values < 1 count as 1); tcp assertions on the same port take turns, and
/// throughput assertions run one at a time.
/// Never changes the lab: the tcp listener lives only for its assertion.
std::vector<CheckResult> run_checks(const CheckContext& ctx, int parallelism);

/// One row per assertion (assertion, PASS/FAIL, detail; a failure's detail
/// says what was expected and what happened), then "N passed, M failed" as
/// the last line. ANSI colours only when `color`.
std::string format_results_table(const std::vector<CheckResult>& results, bool color);

/// A JUnit XML document: one <testsuite name=lab> with one <testcase> per
/// assertion, its measured figures as <properties> (name, value), a
/// <failure> (expected / actual) for each failed one, and the detail (which
/// repeats the figures as text) as <system-out>, with a failed one's captures
/// as [[ATTACHMENT|path]] lines (what Jenkins' and GitLab's JUnit readers attach).
std::string junit_xml(const std::string& lab, const std::vector<CheckResult>& results);

/// {"lab", "passed", "failed", "seconds", "results": [{name, passed,
/// expected, actual, detail, seconds, position, measured}]}; `measured` is
/// an object of the Measurement names and values ({} when none).
nlohmann::json results_json(const std::string& lab, const std::vector<CheckResult>& results);

}  // namespace netlab
