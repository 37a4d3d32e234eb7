// The measuring assertions of `tests:`: ping's count, interval, rtt and loss
// bounds, and throughput, parsed into the model with their defaults.
#include <catch2/catch.hpp>

#include "parse/parse.hpp"

using namespace netlab;

namespace {

const char* kLab = R"(name: measure
namespaces:
  red: {}
  blue: {}
links:
  - [red:eth0, blue:eth0]
)";

LoadResult load(const std::string& tests) {
  return parse_topology(std::string(kLab) + "tests:\n" + tests, "measure.yaml");
}

std::string errors_of(const LoadResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e.where.str() + ": " + e.message + "\n";
  return s;
}

}  // namespace

TEST_CASE("ping: interval, rtt and loss bounds land in the model", "[parse]") {
  auto r = load(
      "  - ping: {from: red, to: blue:eth0, count: 200, interval: 5ms,\n"
      "           loss: {min: 20%, max: 40%}, rtt: {max: 1.5s}}\n"
      "  - ping: {from: red, to: blue:eth0}\n");
  INFO(errors_of(r));
  REQUIRE(r.ok());
  const auto& p = std::get<PingTest>(r.topology->tests[0].check);
  CHECK(p.count == 200);
  CHECK(p.interval_ms == 5);
  REQUIRE(p.loss);
  CHECK(p.loss->min == 20.0);
  CHECK(p.loss->max == 40.0);
  REQUIRE(p.rtt_ms);
  CHECK(!p.rtt_ms->min);
  CHECK(p.rtt_ms->max == 1500.0);
  CHECK(p.rtt_ms->pos.line == 9);
  CHECK(p.loss->contains(20));
  CHECK(p.loss->contains(40));
  CHECK(!p.loss->contains(40.5));
  CHECK(!p.loss->contains(19.9));

  const auto& d = std::get<PingTest>(r.topology->tests[1].check);
  CHECK(d.count == 1);          // as before: one echo request
  CHECK(d.interval_ms == 200);  // iputils' default spacing
  CHECK(!d.loss);
  CHECK(!d.rtt_ms);
}

TEST_CASE("throughput: from, to, duration and min/max in bit/s", "[parse]") {
  auto r = load(
      "  - throughput: {from: red, to: blue:eth0, duration: 3s, min: 5mbit, max: 1.5gbit}\n"
      "  - throughput: {from: host, to: 10.0.0.2}\n");
  INFO(errors_of(r));
  REQUIRE(r.ok());
  const auto& t = std::get<ThroughputTest>(r.topology->tests[0].check);
  CHECK(t.from == "red");
  CHECK(t.to.endpoint->owner == "blue");
  CHECK(t.to.endpoint->ifname == "eth0");
  CHECK(t.duration_s == 3);
  CHECK(t.bits_per_second.min == 5e6);
  CHECK(t.bits_per_second.max == 1.5e9);
  CHECK(r.topology->tests[0].pos.line == 8);

  const auto& d = std::get<ThroughputTest>(r.topology->tests[1].check);
  CHECK(d.duration_s == 2);
  CHECK(!d.bits_per_second.min);
  CHECK(!d.bits_per_second.max);
  CHECK(d.to.address->str() == "10.0.0.2");
}

TEST_CASE("throughput: every mistake of one assertion is reported at once", "[parse]") {
  auto r = load("  - throughput: {from: red, to: blue:eth0, duration: 1500ms, min: 5, max: x}\n");
  CHECK(!r.ok());
  CHECK(errors_of(r) ==
        "measure.yaml:8:54: throughput test: duration 1.5 s must be whole seconds from 1s to "
        "10s\n"
        "measure.yaml:8:67: throughput test: min '5' has no unit; write it like 5mbit (bit, kbit, "
        "mbit, gbit, tbit)\n"
        "measure.yaml:8:75: throughput test: max 'x' is not a number with a unit like 5mbit "
        "(bit, kbit, mbit, gbit, tbit)\n");
}

TEST_CASE("a --prefix renames a throughput assertion's namespaces", "[parse]") {
  auto r = load("  - throughput: {from: red, to: blue:eth0}\n");
  REQUIRE(r.ok());
  Topology t = *r.topology;
  auto errors = apply_prefix(t, "p1-");
  INFO(errors.size());
  REQUIRE(errors.empty());
  const auto& p = std::get<ThroughputTest>(t.tests[0].check);
  CHECK(p.from == "p1-red");
  CHECK(p.to.endpoint->owner == "p1-blue");
}
