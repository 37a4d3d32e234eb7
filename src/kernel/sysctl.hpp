// Sysctls of a namespace. /proc/sys/net shows the namespace of the thread
// that opens the file, so files are opened from a thread inside it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kernel/netns_handle.hpp"
#include "netlab/error.hpp"

namespace netlab::nl {

/// "/proc/sys/net/ipv4/ip_forward" for "net.ipv4.ip_forward" (a key that
/// already contains '/' is taken as a path below /proc/sys, which allows
/// interface names with dots); "" for a key that is not acceptable: anything
/// that does not name a file under /proc/sys/net by plain components
/// (kernel.core_pattern, net/../kernel/x, net//x). Reading and writing go
/// through it, so no caller can reach outside /proc/sys/net.
std::string sysctl_path(const std::string& key);

/// Reads `keys` inside `h`'s namespace; values trimmed. Keys that do not
/// exist (ENOENT) are left out and go to `missing`; `errors` receives one
/// Error per other failure.
std::map<std::string, std::string> read_sysctls(NetnsHandle& h,
                                                const std::vector<std::string>& keys,
                                                std::set<std::string>* missing,
                                                std::vector<Error>* errors);

Result<std::string> read_sysctl(NetnsHandle& h, const std::string& key);
Status write_sysctl(NetnsHandle& h, const std::string& key, const std::string& value);

}  // namespace netlab::nl
