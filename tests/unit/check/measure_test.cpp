// Assertions that measure: ping's rtt and loss bounds on FakeProcesses
// (iputils 20221126 output captured on the build machine), throughput on a
// stub meter; the measured figures in the result.
#include <catch2/catch.hpp>

#include "check/ping.hpp"
#include "check_fixture.hpp"
#include "fakes/fake_arp_prober.hpp"
#include "fakes/fake_kernel.hpp"
#include "fakes/fake_processes.hpp"
#include "netlab/check.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

// `ping -c 200 -W 1 -i 0.01 -n 10.66.1.2` across a veth whose peer drops 30 %
// of ICMP on its ingress hook (nftables numgen); the reply lines left out.
const char* kLossy =
    "PING 10.66.1.2 (10.66.1.2) 56(84) bytes of data.\n"
    "64 bytes from 10.66.1.2: icmp_seq=1 ttl=64 time=0.046 ms\n"
    "\n"
    "--- 10.66.1.2 ping statistics ---\n"
    "200 packets transmitted, 147 received, 26.5% packet loss, time 4828ms\n"
    "rtt min/avg/max/mdev = 0.044/0.081/2.427/0.264 ms\n";

// Every request lost: exit 1, no rtt line.
const char* kAllLost =
    "PING 10.66.1.2 (10.66.1.2) 56(84) bytes of data.\n"
    "\n"
    "--- 10.66.1.2 ping statistics ---\n"
    "20 packets transmitted, 0 received, 100% packet loss, time 3856ms\n"
    "\n";

/// Answers every measurement with the same sample (or error) and records
/// what it was asked.
class StubMeter final : public ThroughputMeter {
 public:
  explicit StubMeter(Result<ThroughputSample> answer) : answer_(std::move(answer)) {}
  struct Call {
    std::string from_ns, to_ns, address;
    int seconds;
  };
  std::vector<Call> calls;
  Result<ThroughputSample> measure(const std::string& from_ns, const std::string& to_ns,
                                   const IpAddress& address, int seconds) override {
    calls.push_back({from_ns, to_ns, address.str(), seconds});
    return answer_;
  }

 private:
  Result<ThroughputSample> answer_;
};

ThroughputSample sample(double bps) {
  ThroughputSample s;
  s.bits_per_second = bps;
  s.bytes = bps / 8;
  s.seconds = 1.0;
  s.retransmits = 3;
  return s;
}

struct World {
  Topology topo = demo_topology();
  FakeKernel kernel;
  FakeProcesses procs;
  FakeArpProber arp;
  StubMeter meter{sample(9.5e6)};
  CheckResult run(const TestCase& tc) {
    topo.tests = {tc};
    CheckContext ctx{topo, kernel, procs, "/nonexistent", &arp, {}, &meter};
    auto results = run_checks(ctx, 1);
    REQUIRE(results.size() == 1);
    return results[0];
  }
};

TestCase bounded_ping(std::optional<Bounds> loss, std::optional<Bounds> rtt, int count = 200) {
  TestCase tc = ping("red", address_target("10.66.1.2"), Expect::Success, count, 7);
  auto& p = std::get<PingTest>(tc.check);
  p.interval_ms = 10;
  p.loss = loss;
  p.rtt_ms = rtt;
  return tc;
}

Bounds range(std::optional<double> lo, std::optional<double> hi) {
  Bounds b;
  b.min = lo;
  b.max = hi;
  return b;
}

TestCase throughput(const std::string& from, Target to, std::optional<double> lo,
                    std::optional<double> hi, int seconds = 1) {
  ThroughputTest t;
  t.from = from;
  t.to = std::move(to);
  t.duration_s = seconds;
  t.bits_per_second = range(lo, hi);
  return TestCase{t, SourcePos{"lab.yaml", 40, 5}};
}

double measured(const CheckResult& r, const std::string& name) {
  for (const auto& m : r.measured)
    if (m.name == name) return m.value;
  FAIL("no measurement " << name);
  return 0;
}

}  // namespace

TEST_CASE("ping argv carries the interval") {
  CHECK(check::ping_argv(addr("10.66.1.2"), 200, 10) ==
        std::vector<std::string>{"ping", "-c", "200", "-W", "1", "-i", "0.01", "-n", "10.66.1.2"});
  CHECK(check::ping_argv(addr("10.66.1.2"), 1, 1500)[6] == "1.5");
  // 200 requests 10 ms apart, the last reply's wait: more than 3 s.
  CHECK(check::ping_timeout(200, 10).count() >= 3000);
  CHECK(check::ping_timeout(200, 10).count() < check::ping_timeout(200, 200).count());
}

TEST_CASE("ping loss bounds: the measured loss decides") {
  World w;
  w.procs.on_run("ping", {0, kLossy});
  SECTION("26.5% is within 20%-40%") {
    auto r = w.run(bounded_ping(range(20, 40), std::nullopt));
    CHECK(r.passed);
    CHECK(r.expected == "loss between 20% and 40% over 200 pings to 10.66.1.2");
    CHECK(r.detail ==
          "200 sent, 147 received, 26.5% loss, rtt min/avg/max 0.044/0.081/2.43 ms (10.66.1.2)");
    CHECK(w.procs.calls_of("run")[0].argv[6] == "0.01");
  }
  SECTION("26.5% is above max 5%, and the figure is in the failure") {
    auto r = w.run(bounded_ping(range(std::nullopt, 5), std::nullopt));
    CHECK(!r.passed);
    CHECK(r.expected == "loss at most 5% over 200 pings to 10.66.1.2");
    CHECK(r.actual ==
          "200 sent, 147 received, 26.5% loss, rtt min/avg/max 0.044/0.081/2.43 ms (10.66.1.2); "
          "loss 26.5% is above max 5%");
    auto table = format_results_table({r}, false);
    CHECK(table.find("loss 26.5% is above max 5%") != std::string::npos);
    CHECK(table.find("(lab.yaml:7:5)") != std::string::npos);
  }
  SECTION("below min") {
    auto r = w.run(bounded_ping(range(30, std::nullopt), std::nullopt));
    CHECK(!r.passed);
    CHECK(r.actual.ends_with("; loss 26.5% is below min 30%"));
  }
}

TEST_CASE("ping measures: sent, received, loss and rtt are in the result") {
  World w;
  w.procs.on_run("ping", {0, kLossy});
  auto r = w.run(bounded_ping(std::nullopt, std::nullopt));
  CHECK(r.passed);  // no bounds: a reply is enough, as before
  CHECK(measured(r, "sent") == 200);
  CHECK(measured(r, "received") == 147);
  CHECK(measured(r, "loss_percent") == Approx(26.5));
  CHECK(measured(r, "rtt_min_ms") == Approx(0.044));
  CHECK(measured(r, "rtt_avg_ms") == Approx(0.081));
  CHECK(measured(r, "rtt_max_ms") == Approx(2.427));
  auto json = results_json("demo", {r});
  CHECK(json["results"][0]["measured"]["loss_percent"] == Approx(26.5));
  CHECK(json["results"][0]["measured"]["received"] == 147);
  auto xml = junit_xml("demo", {r});
  CHECK(xml.find("<property name=\"loss_percent\" value=\"26.5\"/>") != std::string::npos);
  CHECK(xml.find("<property name=\"rtt_avg_ms\" value=\"0.081\"/>") != std::string::npos);
}

TEST_CASE("ping rtt bounds: the average rtt decides; no reply has no rtt") {
  World w;
  SECTION("0.081 ms average is at most 5 ms") {
    w.procs.on_run("ping", {0, kLossy});
    auto r = w.run(bounded_ping(std::nullopt, range(std::nullopt, 5)));
    CHECK(r.passed);
    CHECK(r.expected == "average rtt at most 5 ms over 200 pings to 10.66.1.2");
  }
  SECTION("0.081 ms is below min 1 ms") {
    w.procs.on_run("ping", {0, kLossy});
    auto r = w.run(bounded_ping(std::nullopt, range(1, std::nullopt)));
    CHECK(!r.passed);
    CHECK(r.actual.ends_with("; average rtt 0.081 ms is below min 1 ms"));
  }
  SECTION("all lost") {
    w.procs.on_run("ping", {1, kAllLost});
    auto r = w.run(bounded_ping(range(std::nullopt, 50), range(std::nullopt, 5), 20));
    CHECK(!r.passed);
    CHECK(r.expected == "loss at most 50%, average rtt at most 5 ms over 20 pings to 10.66.1.2");
    CHECK(r.actual ==
          "20 sent, 0 received, 100% loss (10.66.1.2); loss 100% is above max 50%; no reply, "
          "so no rtt to measure");
  }
  SECTION("all lost passes loss: {min: 100%}") {
    w.procs.on_run("ping", {1, kAllLost});
    auto r = w.run(bounded_ping(range(100, std::nullopt), std::nullopt, 20));
    CHECK(r.passed);
    CHECK(measured(r, "loss_percent") == 100);
  }
  SECTION("ping that cannot run is not a measurement") {
    w.procs.on_run("ping", {127, "ping: not found\n"});
    auto r = w.run(bounded_ping(range(100, std::nullopt), std::nullopt, 20));
    CHECK(!r.passed);
    CHECK(r.actual.find("ping exited with 127") == 0);
  }
}

TEST_CASE("throughput: the meter runs between the two namespaces; min and max decide") {
  World w;
  SECTION("9.5 Mbit/s is at least 5 Mbit/s") {
    auto r = w.run(throughput("red", endpoint_target("dhcp-r", "tap-r"), 5e6, std::nullopt));
    REQUIRE(w.meter.calls.size() == 1);
    CHECK(w.meter.calls[0].from_ns == "red");
    CHECK(w.meter.calls[0].to_ns == "dhcp-r");
    CHECK(w.meter.calls[0].address == "10.20.30.2");
    CHECK(w.meter.calls[0].seconds == 1);
    CHECK(r.passed);
    CHECK(r.name == "throughput red -> dhcp-r:tap-r (10.20.30.2)");
    CHECK(r.expected == "TCP throughput at least 5 Mbit/s over 1 s");
    CHECK(r.detail == "9.5 Mbit/s (1.19 MB in 1 s, 3 retransmits) to 10.20.30.2");
    CHECK(measured(r, "bits_per_second") == 9.5e6);
    CHECK(measured(r, "retransmits") == 3);
    CHECK(r.pos.line == 40);
  }
  SECTION("9.5 Mbit/s is above max 1 kbit/s, and says so with the figure") {
    auto r = w.run(throughput("red", endpoint_target("dhcp-r", "tap-r"), std::nullopt, 1e3));
    CHECK(!r.passed);
    CHECK(r.expected == "TCP throughput at most 1 kbit/s over 1 s");
    CHECK(r.actual == "measured 9.5 Mbit/s (1.19 MB in 1 s, 3 retransmits), above max 1 kbit/s");
    auto xml = junit_xml("demo", {r});
    CHECK(xml.find("<property name=\"bits_per_second\" value=\"9500000\"/>") != std::string::npos);
    CHECK(xml.find("above max 1 kbit/s") != std::string::npos);
  }
  SECTION("below min") {
    auto r = w.run(throughput("red", endpoint_target("dhcp-r", "tap-r"), 10e6, 20e6));
    CHECK(!r.passed);
    CHECK(r.expected == "TCP throughput between 10 Mbit/s and 20 Mbit/s over 1 s");
    CHECK(r.actual.ends_with(", below min 10 Mbit/s"));
  }
  SECTION("from the root namespace") {
    auto r =
        w.run(throughput("host", endpoint_target("dhcp-r", "tap-r"), std::nullopt, std::nullopt));
    CHECK(r.passed);
    REQUIRE(w.meter.calls.size() == 1);
    CHECK(w.meter.calls[0].from_ns.empty());
  }
}

TEST_CASE("throughput refuses targets outside the lab or ambiguous, and nothing runs") {
  World w;
  SECTION("outside the lab") {
    auto r = w.run(throughput("red", address_target("192.0.2.7"), std::nullopt, std::nullopt));
    CHECK(!r.passed);
    CHECK(r.actual ==
          "no lab interface holds 192.0.2.7: throughput is measured between lab namespaces "
          "only; name the target as NS:IF");
  }
  SECTION("held by two namespaces") {
    auto r = w.run(throughput("red", address_target("10.20.30.2"), std::nullopt, std::nullopt));
    CHECK(!r.passed);
    CHECK(r.actual ==
          "10.20.30.2 is held by several namespaces (dhcp-r, dhcp-b): name the target as NS:IF");
  }
  SECTION("the sender holds it too") {
    auto r =
        w.run(throughput("dhcp-b", endpoint_target("dhcp-r", "tap-r"), std::nullopt, std::nullopt));
    CHECK(!r.passed);
    CHECK(r.actual.find("is dhcp-b's own address too") != std::string::npos);
  }
  CHECK(w.meter.calls.empty());
}

TEST_CASE("throughput: a meter that fails is a failed result naming why") {
  World w;
  w.meter = StubMeter(make_error(ErrorKind::Process,
                                 "throughput client in netns red to 10.20.30.2: unable to connect "
                                 "to server - server may have stopped running or use a different "
                                 "port, firewall issue, etc.: Connection refused"));
  auto r = w.run(throughput("red", endpoint_target("dhcp-r", "tap-r"), 5e6, std::nullopt));
  CHECK(!r.passed);
  CHECK(r.actual.find("could not measure: throughput client in netns red to 10.20.30.2: "
                      "unable to connect") == 0);
  CHECK(r.measured.empty());
  CHECK(results_json("demo", {r})["results"][0]["measured"] == nlohmann::json::object());
}
