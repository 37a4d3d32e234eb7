// Which sysctls a topology may set: networking only, and in a lab namespace
// only what that namespace owns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace netlab {

/// The path below /proc/sys that `key` names: "net/ipv4/ip_forward" for
/// "net.ipv4.ip_forward"; a key that contains '/' is already such a path
/// (which allows interface names with dots: net/ipv4/conf/eth0.100/forwarding).
std::string sysctl_relative_path(std::string_view key);

/// Why a topology may not set `key` (under host.sysctls when `in_namespace`
/// is false, under a namespace's sysctls when true), or nullopt. Allowed:
/// keys under net. only (anything else — kernel.core_pattern, vm.swappiness —
/// changes the whole machine), and in a namespace only keys the kernel keeps
/// per network namespace (see sysctl_keys.cpp for how that list was made).
std::optional<std::string> sysctl_key_problem(std::string_view key, bool in_namespace);

}  // namespace netlab
