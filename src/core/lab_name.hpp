// The one rule for lab names. A lab name becomes a path component under the
// state root (/run/netlab/<lab>/, /run/netlab/<lab>.lock) and a mark on kernel
// and OVS objects, so every name from any source (name:, a file stem,
// --prefix, a command-line argument, an entry of the state root) passes this
// rule before it touches a path: "..", ".", "a/b" and "" can never reach one.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "netlab/error.hpp"

namespace netlab {

/// Longest lab name (it prefixes state paths and marks).
inline constexpr std::size_t kLabNameMax = 24;

/// The mark of netlab's own OVS datapath probe bridges ("nlprobe<pid>"):
/// no lab may be called so, or its bridges would be swept as leftovers.
inline constexpr const char* kReservedLabName = "netlab-probe";
/// The name prefix of those probe bridges, which no topology bridge may use.
inline constexpr const char* kProbeBridgePrefix = "nlprobe";

/// The rule in words, for error messages.
inline constexpr const char* kLabNameRule = "a lab name is 1-24 characters of a-z, 0-9 and '-'";

/// Why `name` is not a valid lab name ([a-z0-9-], 1-24 characters), or nullopt.
std::optional<std::string> lab_name_problem(std::string_view name);

/// True when every character is in [a-z0-9-].
bool is_lab_charset(std::string_view s);

/// An InvalidTopology error for a lab name that breaks the rule, naming where
/// it came from (`source`, e.g. "lab argument": "lab argument '..' may contain
/// only a-z, 0-9 and '-'; a lab name is ..."), or ok.
Status check_lab_name(std::string_view name, std::string_view source);

}  // namespace netlab
