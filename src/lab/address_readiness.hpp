// IPv6 duplicate address detection (DAD): an address netlab just added is
// "tentative" for about a second and cannot be used (bind() fails with
// EADDRNOTAVAIL, no packet leaves from it). `up` promises a lab that is ready
// when it returns, so it waits for the addresses of the topology to settle.
#pragma once

#include <string>
#include <vector>

#include "netlab/desired_state.hpp"
#include "netlab/error.hpp"
#include "netlab/plan.hpp"

namespace netlab {

/// An address of the topology that is not usable yet, or never will be.
struct UnsettledAddress {
  std::string ns, link;
  IpPrefix address;
  bool failed = false;  ///< DAD found another owner on the link
  SourcePos pos;        ///< the interface in the topology
};

/// The addresses of `desired` that `live` shows as tentative or DAD-failed.
std::vector<UnsettledAddress> unsettled_addresses(const DesiredState& desired,
                                                  const LiveState& live);

/// The namespaces ("" = root) that hold unsettled addresses, without repeats.
std::vector<std::string> namespaces_of(const std::vector<UnsettledAddress>& unsettled);

/// An error for a DAD failure: names the address, the interface and what to do.
Error dad_failed_error(const UnsettledAddress& address);
/// An error for addresses still tentative after the wait.
Error dad_timeout_error(const std::vector<UnsettledAddress>& unsettled, double seconds);

}  // namespace netlab
