// Link features set through the ethtool ioctl (no netlink equivalent in
// libnl-route-3).
#pragma once

#include <string>

#include "kernel/netns_handle.hpp"

namespace netlab::nl {

/// Turns TX checksum offload of link `name` in namespace `h` on or off
/// (ETHTOOL_STXCSUM). Returns 0 or the errno.
int set_tx_checksum(NetnsHandle& h, const std::string& name, bool on);

}  // namespace netlab::nl
