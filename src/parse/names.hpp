// Validity of the names a topology gives to Linux objects.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/lab_name.hpp"  // lab_name_problem: the one lab-name rule

namespace netlab {

/// BR_MAX_PORTS: the most ports a Linux bridge takes.
inline constexpr std::size_t kLinuxBridgeMaxPorts = 1024;
/// IFNAMSIZ - 1: the longest interface (and so bridge) name Linux accepts.
inline constexpr std::size_t kIfNameMax = 15;
/// Longest namespace name (a file name under /run/netns).
inline constexpr std::size_t kNetnsNameMax = 255;

/// Why `name` is not a valid interface or bridge name ("is 17 characters;
/// Linux allows 15"), or nullopt when it is valid. The kernel's
/// dev_valid_name() (1-15 bytes, no '/', ':' or whitespace, not "." or "..")
/// narrowed to what no daemon reads as an option, list or pattern: ASCII
/// letters, digits, '-', '_' and '.', starting with a letter or digit.
std::optional<std::string> ifname_problem(std::string_view name);

/// Why `name` is not a valid namespace name (the interface rule, up to 255
/// bytes: a namespace name is one path component), or nullopt.
std::optional<std::string> netns_problem(std::string_view name);

}  // namespace netlab
