// Address and route requests (RTM_NEWADDR/DELADDR, RTM_NEWROUTE/DELROUTE).
#pragma once

#include <optional>

#include "kernel/nl_transact.hpp"
#include "netlab/ip.hpp"

namespace netlab::nl {

/// Adds (add = true) or deletes `address` on link `ifindex`. Adding an
/// existing address fails with EEXIST.
Reply change_address(NetnsHandle& h, bool add, int ifindex, const IpPrefix& address);

/// A main-table route as sent to the kernel.
struct RouteSpec {
  int family = 4;
  std::optional<IpPrefix> dst;  ///< network form; nullopt = default route
  std::optional<IpAddress> gateway;
  int oif = 0;  ///< output ifindex, 0 = none
};

/// Adds a RTPROT_STATIC unicast route (EEXIST if present), or deletes the
/// matching route (ESRCH if none).
Reply change_route(NetnsHandle& h, bool add, const RouteSpec& route);

}  // namespace netlab::nl
