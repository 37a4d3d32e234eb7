// run_checks: one observation, then the assertions on a small pool of worker
// threads (which never change namespace), results in file order.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>

#include "check/capture_evidence.hpp"
#include "check/lease.hpp"
#include "check/observed.hpp"
#include "check/ping.hpp"
#include "check/target.hpp"
#include "check/tcp.hpp"
#include "check/throughput.hpp"
#include "core/parallel_for.hpp"
#include "model/machines.hpp"
#include "netlab/check.hpp"

namespace netlab {

namespace {

/// Whether any assertion needs the live state: a lease; a tcp to a literal
/// address (which namespace holds it, for the listener); any check of NS:IF
/// (its DHCP address, and whether `from` holds that address too, in which
/// case ping or connect would answer inside `from`: see shared_address.hpp).
/// Only pings to literal addresses need nothing.
bool needs_observation(const Topology& t) {
  for (const auto& tc : t.tests) {
    if (std::holds_alternative<LeaseTest>(tc.check)) return true;
    if (std::holds_alternative<TcpTest>(tc.check)) return true;
    if (std::holds_alternative<ThroughputTest>(tc.check)) return true;
    if (auto* p = std::get_if<PingTest>(&tc.check); p && p->to.endpoint) return true;
  }
  return false;
}

// An assertion's name when it is not run (the targets unresolved).
std::string skipped_name(const TestCase& tc) {
  if (auto* p = std::get_if<PingTest>(&tc.check))
    return "ping " + p->from + " -> " + p->to.str() +
           (p->expect == Expect::Fail ? ", expect fail" : "");
  if (auto* l = std::get_if<LeaseTest>(&tc.check))
    return "lease " + l->client.owner + ":" + l->client.ifname + " from " + l->server;
  if (auto* c = std::get_if<TcpTest>(&tc.check))
    return "tcp " + c->from + " -> " + c->to.str() + " port " + std::to_string(c->port) +
           (c->expect == Expect::Fail ? ", expect fail" : "");
  if (auto* t = std::get_if<ThroughputTest>(&tc.check))
    return "throughput " + t->from + " -> " + t->to.str();
  return "?";
}

// The namespace an assertion runs from.
std::string source_of(const TestCase& tc) {
  if (auto* p = std::get_if<PingTest>(&tc.check)) return p->from;
  if (auto* l = std::get_if<LeaseTest>(&tc.check)) return l->client.owner;
  if (auto* c = std::get_if<TcpTest>(&tc.check)) return c->from;
  if (auto* t = std::get_if<ThroughputTest>(&tc.check)) return t->from;
  return "";
}

}  // namespace

std::vector<CheckResult> run_checks(const CheckContext& ctx, int parallelism) {
  const auto& tests = ctx.topology.tests;
  std::vector<CheckResult> results(tests.size());
  if (tests.empty()) return results;

  // The desired model: which interface has which addresses, where (the
  // facts the planner and status read too).
  const DesiredState desired = desired_network(ctx.topology);
  const check::Model model{ctx.topology, desired};

  check::Observed observed;
  if (needs_observation(ctx.topology)) {
    observed = check::observe_lab(desired, tests, ctx.kernel);
  } else {
    observed.error = "not observed";
  }

  ArpProber& arp = ctx.arp_prober ? *ctx.arp_prober : system_arp_prober();
  ThroughputMeter& meter = ctx.throughput_meter ? *ctx.throughput_meter : system_throughput_meter();
  // Throughput measurements take turns: two at once would share the cores
  // and each measure less than the link carries.
  std::mutex throughput_lock;

  // Two tcp assertions on one port would fight over the listener: one at a time.
  std::map<int, std::mutex> port_locks;
  for (const auto& tc : tests)
    if (auto* c = std::get_if<TcpTest>(&tc.check)) port_locks[c->port];

  auto run_one = [&](std::size_t i) {
    const TestCase& tc = tests[i];
    if (!ctx.machine.empty()) {
      std::string from = source_of(tc);
      std::string on = machine_of(ctx.topology, from);
      if (!on.empty() && on != ctx.machine) {
        CheckResult r;
        r.name = skipped_name(tc);
        r.skipped = true;
        r.detail = "skipped: its source " + from + " is on machine " + on + ", this is " +
                   ctx.machine + " (run netlab test there)";
        r.pos = tc.pos;
        results[i] = std::move(r);
        return;
      }
    }
    auto t0 = std::chrono::steady_clock::now();
    CheckResult r;
    std::optional<check::AssertionCapture> capture;
    if (!ctx.capture_dir.empty())
      capture.emplace(ctx.capture_dir, i, tests.size(), check::capture_plan(tc, model, observed));
    if (auto* p = std::get_if<PingTest>(&tc.check)) {
      r = check::run_ping(*p, model, observed, ctx.processes, arp);
    } else if (auto* l = std::get_if<LeaseTest>(&tc.check)) {
      r = check::run_lease(*l, ctx.topology, observed, ctx.state_dir);
    } else if (auto* c = std::get_if<TcpTest>(&tc.check)) {
      std::lock_guard lock(port_locks[c->port]);
      r = check::run_tcp(*c, model, observed, arp);
    } else if (auto* t = std::get_if<ThroughputTest>(&tc.check)) {
      std::lock_guard lock(throughput_lock);
      r = check::run_throughput(*t, model, observed, meter);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.pos = tc.pos;
    if (capture) capture->finish(r);
    results[i] = std::move(r);
  };

  parallel_for(tests.size(), parallelism, run_one);
  return results;
}

}  // namespace netlab
