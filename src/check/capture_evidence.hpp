// `netlab test --capture DIR`: packet captures around each assertion, kept
// only for the assertions that fail, so that a red CI run carries its
// evidence (which packets left, which answers came back, ARP).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "check/target.hpp"
#include "netlab/capture.hpp"
#include "netlab/check.hpp"

namespace netlab::check {

/// An interface to capture on, in a lab namespace.
struct CapturePoint {
  std::string ns;
  std::string ifname;
  bool operator==(const CapturePoint&) const = default;
};

/// Where an assertion's packets pass: every interface the lab gives the
/// namespace it sends from (but lo: which one the route picks is the
/// kernel's business, and a wrong pick is worth seeing), then the
/// interface it sends to (NS:IF, or the lab interfaces holding a literal
/// address). Only lab namespaces: the host's own interfaces carry the
/// host's traffic. lease assertions read files and send nothing: none.
std::vector<CapturePoint> capture_points(const TestCase& tc, const Model& model);

/// Which packets of those interfaces belong to the assertion, as a BPF
/// filter: its own (ICMP to or from `target` for a ping, TCP to or from
/// `target` on its port for tcp), and what tells why it failed: ARP, and
/// ICMP errors from anyone (unreachable, TTL exceeded; for IPv6 every ICMPv6
/// but echo, so neighbour discovery too). Assertions run side by side; the
/// filter keeps the others' pings and connections out of this one's file.
std::string capture_filter(const TestCase& tc, const IpAddress& target);

/// What to capture for an assertion: its points, and its filter when its
/// target resolves (else "": everything on those interfaces).
struct CapturePlan {
  std::vector<CapturePoint> points;
  std::string filter;
};
CapturePlan capture_plan(const TestCase& tc, const Model& model, const Observed& observed);

/// The file a failed assertion's capture is kept as:
/// "NN-<assertion>.<ns>.<if>.pcap", NN its 1-based place in the file
/// (padded to the width of `count`, at least 2 digits), the rest made
/// file-name safe (capture/capture_names.hpp).
std::string evidence_file_name(std::size_t index, std::size_t count, const std::string& assertion,
                               const CapturePoint& point);

/// The captures of one assertion: started when made, before the assertion
/// runs; finish() stops them once it has a result.
class AssertionCapture {
 public:
  /// Starts a capture on each point of `plan` with its filter, into hidden
  /// files in `dir`. A capture
  /// that cannot start is noted, not fatal: the assertion runs anyway.
  AssertionCapture(std::string dir, std::size_t index, std::size_t count, CapturePlan plan);
  ~AssertionCapture();
  AssertionCapture(const AssertionCapture&) = delete;
  AssertionCapture& operator=(const AssertionCapture&) = delete;

  /// Stops every capture. Passed: the files are removed. Failed: each is
  /// renamed to evidence_file_name and listed in `r.captures`; a capture
  /// that failed is said in `r.detail`.
  void finish(CheckResult& r);

 private:
  struct Running {
    CapturePoint point;
    std::string temp_path;
    std::unique_ptr<Capture> capture;
    std::string error;  ///< why it could not start
  };
  std::string dir_;
  std::size_t index_, count_;
  std::vector<Running> running_;
};

}  // namespace netlab::check
