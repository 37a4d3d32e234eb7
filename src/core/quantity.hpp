// Quantities written with their unit, in link conditions and in the
// assertions that measure them: a rate (`5mbit`), a duration (`10ms`), a
// percentage (`5%`) or a size (`32kb`). One reader, so `rate: 10mbit` and
// `min: 10mbit` mean the same and refuse the same things.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace netlab {

enum class QuantityKind {
  Rate,      ///< bit, kbit, mbit, gbit, tbit (powers of 1000, as tc): bit/s
  Duration,  ///< us, ms, s: milliseconds
  Percent,   ///< N%: percent, 0-100
  Size,      ///< b, kb, mb (powers of 1024, as tc): bytes
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
/// "0.123 ms", "30%", "32 KiB".
std::string format_quantity(double value, QuantityKind kind);

}  // namespace netlab
