// Quantities with units in assertions: rates, durations, percentages.
#include "core/quantity.hpp"

#include <catch2/catch.hpp>

using namespace netlab;

namespace {

double value(const char* text, QuantityKind kind) {
  auto q = parse_quantity(text, kind);
  INFO(text << ": " << q.problem);
  REQUIRE(q.value);
  return *q.value;
}

std::string problem(const char* text, QuantityKind kind) {
  auto q = parse_quantity(text, kind);
  CHECK(!q.value);
  return q.problem;
}

}  // namespace

TEST_CASE("rates are bits per second with tc's decimal units") {
  CHECK(value("5mbit", QuantityKind::Rate) == 5e6);
  CHECK(value("1.5gbit", QuantityKind::Rate) == 1.5e9);
  CHECK(value("100kbit", QuantityKind::Rate) == 1e5);
  CHECK(value("800bit", QuantityKind::Rate) == 800);
  CHECK(value("2tbit", QuantityKind::Rate) == 2e12);
  CHECK(value("10Mbit", QuantityKind::Rate) == 1e7);  // tc's spelling too
  CHECK(value("0bit", QuantityKind::Rate) == 0);
  CHECK(
      problem("5mbps", QuantityKind::Rate) ==
      "'5mbps' has an unknown unit 'mbps'; write it like 5mbit (bit, kbit, mbit, gbit, tbit) (bps "
      "would be bytes per second to tc, so it is not accepted)");
  CHECK(problem("5", QuantityKind::Rate) ==
        "'5' has no unit; write it like 5mbit (bit, kbit, mbit, gbit, tbit)");
  CHECK(problem("-1mbit", QuantityKind::Rate) == "'-1mbit' is negative");
  CHECK(problem("mbit", QuantityKind::Rate).find("is not a number") != std::string::npos);
  CHECK(problem("1e9bit", QuantityKind::Rate).find("unknown unit 'e9bit'") != std::string::npos);
  CHECK(!parse_quantity("5 mbit", QuantityKind::Rate).value);
  CHECK(!parse_quantity("1..5mbit", QuantityKind::Rate).value);
}

TEST_CASE("durations are milliseconds; percentages 0-100") {
  CHECK(value("10ms", QuantityKind::Duration) == 10);
  CHECK(value("2s", QuantityKind::Duration) == 2000);
  CHECK(value("1.5s", QuantityKind::Duration) == 1500);
  CHECK(value("250us", QuantityKind::Duration) == 0.25);
  CHECK(problem("5sec", QuantityKind::Duration) ==
        "'5sec' has an unknown unit 'sec'; write it like 10ms (us, ms, s)");
  CHECK(value("5%", QuantityKind::Percent) == 5);
  CHECK(value("0.5%", QuantityKind::Percent) == 0.5);
  CHECK(value("100%", QuantityKind::Percent) == 100);
  CHECK(problem("100.1%", QuantityKind::Percent) == "'100.1%' is more than 100%");
  CHECK(problem("5", QuantityKind::Percent) == "'5' has no unit; write it like 5%");
  CHECK(problem("5ms", QuantityKind::Percent) ==
        "'5ms' has an unknown unit 'ms'; write a percentage like 5%");
}

TEST_CASE("sizes are bytes in powers of 1024, as tc reads them") {
  CHECK(value("32kb", QuantityKind::Size) == 32 * 1024);
  CHECK(value("2mb", QuantityKind::Size) == 2 * 1024 * 1024);
  CHECK(value("1500b", QuantityKind::Size) == 1500);
  CHECK(problem("32kib", QuantityKind::Size) ==
        "'32kib' has an unknown unit 'kib'; write it like 32kb (b, kb, mb)");
  CHECK(format_quantity(32 * 1024, QuantityKind::Size) == "32 KiB");
  CHECK(format_quantity(1500, QuantityKind::Size) == "1.46 KiB");
  CHECK(format_quantity(100, QuantityKind::Size) == "100 B");
}

TEST_CASE("quantities read back with a unit that fits") {
  CHECK(format_quantity(9.52e6, QuantityKind::Rate) == "9.52 Mbit/s");
  CHECK(format_quantity(41.3e9, QuantityKind::Rate) == "41.3 Gbit/s");
  CHECK(format_quantity(1000, QuantityKind::Rate) == "1 kbit/s");
  CHECK(format_quantity(999, QuantityKind::Rate) == "999 bit/s");
  CHECK(format_quantity(0.052, QuantityKind::Duration) == "0.052 ms");
  CHECK(format_quantity(2000, QuantityKind::Duration) == "2 s");
  CHECK(format_quantity(29.5, QuantityKind::Percent) == "29.5%");
}
