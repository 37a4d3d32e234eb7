#include "core/quantity.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

namespace netlab {

namespace {

struct Unit {
  const char* name;
  double factor;
};

// tc's rate units: bits per second with decimal prefixes. tc reads "bps" as
// *bytes* per second, which nobody expects in an assertion: not accepted.
const std::vector<Unit> kRateUnits = {
    {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12}};
const std::vector<Unit> kDurationUnits = {{"us", 1e-3}, {"ms", 1}, {"s", 1e3}};
const std::vector<Unit> kSizeUnits = {{"b", 1}, {"kb", 1024}, {"mb", 1024 * 1024}};

const char* example(QuantityKind kind) {
  switch (kind) {
    case QuantityKind::Rate:
      return "like 5mbit (bit, kbit, mbit, gbit, tbit)";
    case QuantityKind::Duration:
      return "like 10ms (us, ms, s)";
    case QuantityKind::Percent:
      return "like 5%";
    case QuantityKind::Size:
      return "like 32kb (b, kb, mb)";
  }
  return "";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

Quantity parse_quantity(std::string_view text, QuantityKind kind) {
  Quantity q;
  std::string shown(text.substr(0, 40));
  if (!text.empty() && text.front() == '-') {
    q.problem = "'" + shown + "' is negative";
    return q;
  }
  // The number: digits with an optional fraction (no sign, exponent, inf, nan).
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  double number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (i == 0 || ec != std::errc() || ptr != text.data() + i || !std::isfinite(number)) {
    q.problem = "'" + shown + "' is not a number with a unit " + example(kind);
    return q;
  }
  std::string unit = lower(text.substr(i));
  if (unit.empty()) {
    q.problem = "'" + shown + "' has no unit; write it " + example(kind);
    return q;
  }
  if (kind == QuantityKind::Percent) {
    if (unit != "%") {
      q.problem =
          "'" + shown + "' has an unknown unit '" + unit + "'; write a percentage " + example(kind);
      return q;
    }
    if (number > 100) {
      q.problem = "'" + shown + "' is more than 100%";
      return q;
    }
    q.value = number;
    return q;
  }
  const auto& units = kind == QuantityKind::Rate       ? kRateUnits
                      : kind == QuantityKind::Duration ? kDurationUnits
                                                       : kSizeUnits;
  for (const auto& u : units) {
    if (unit == u.name) {
      q.value = number * u.factor;
      return q;
    }
  }
  std::string why = "'" + shown + "' has an unknown unit '" + unit + "'; write it " + example(kind);
  if (kind == QuantityKind::Rate && (unit == "bps" || unit.ends_with("bps")))
    why += " (bps would be bytes per second to tc, so it is not accepted)";
  q.problem = why;
  return q;
}

std::string format_quantity(double value, QuantityKind kind) {
  char buf[48];
  switch (kind) {
    case QuantityKind::Rate: {
      const std::pair<double, const char*> steps[] = {
          {1e12, "Tbit/s"}, {1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}};
      for (const auto& [f, name] : steps) {
        if (value >= f) {
          std::snprintf(buf, sizeof buf, "%.3g %s", value / f, name);
          return buf;
        }
      }
      std::snprintf(buf, sizeof buf, "%.3g bit/s", value);
      return buf;
    }
    case QuantityKind::Duration:
      if (value >= 1000)
        std::snprintf(buf, sizeof buf, "%.3g s", value / 1000);
      else
        std::snprintf(buf, sizeof buf, "%.3g ms", value);
      return buf;
    case QuantityKind::Percent:
      std::snprintf(buf, sizeof buf, "%.3g%%", value);
      return buf;
    case QuantityKind::Size:
      if (value >= 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.3g MiB", value / (1024 * 1024));
      else if (value >= 1024)
        std::snprintf(buf, sizeof buf, "%.3g KiB", value / 1024);
      else
        std::snprintf(buf, sizeof buf, "%.3g B", value);
      return buf;
  }
  return "";
}

}  // namespace netlab
