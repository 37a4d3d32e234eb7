// Measured quantities in assertions, written with their unit: a rate
// (`5mbit`), a duration (`10ms`) or a percentage (`5%`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace netlab {

enum class QuantityKind {
  Rate,      ///< bit, kbit, mbit, gbit, tbit (powers of 1000, as tc): bit/s
  Duration,  ///< us, ms, s: milliseconds
  Percent,   ///< N%: percent, 0-100
};

/// A quantity, or why the text is not one ("unknown unit 'mbps'; ...").
struct Quantity {
  std::optional<double> value;  ///< in the kind's base unit (bit/s, ms, %)
  std::string problem;          ///< set when !value
};

/// Parses "1.5gbit", "10ms", "0.5%". A number without its unit, an unknown
/// unit, a negative or non-finite number and (for percent) more than 100 are
/// problems.
Quantity parse_quantity(std::string_view text, QuantityKind kind);

/// The value written back with a unit that reads well: "9.52 Mbit/s",
/// "0.123 ms", "30%".
std::string format_quantity(double value, QuantityKind kind);

}  // namespace netlab
