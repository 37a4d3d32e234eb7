// Parsing of the rtnetlink dump replies that observe reads (RTM_NEWLINK,
// RTM_NEWADDR, RTM_NEWROUTE): pure functions from one message to plain
// values, apart from the sockets, so that unit tests and the fuzzer
// (tests/fuzz/fuzz_netlink.cpp) can feed them any bytes.
#pragma once

#include <linux/netlink.h>

#include <optional>

#include "netlab/kernel_state.hpp"

namespace netlab::nl {

/// One link of the dump, before ifindexes are turned into names.
struct RawLink {
  LinkState state;
  int master = 0;
  int link = 0;      ///< IFLA_LINK: veth peer / vlan parent ifindex
  int netnsid = -1;  ///< IFLA_LINK_NETNSID: `link` lives in that namespace
  int vlan_id = -1;
  /// The link's root qdisc (IFLA_QDISC) is not one the kernel gives every
  /// link by itself: noqueue (veth, bridge, lo) or noop (a link down). Only
  /// then can a qdisc dump of its namespace report something (link
  /// conditions, or someone else's qdisc).
  bool root_qdisc_set = true;
};

/// One address, on the link with index `ifindex`.
struct RawAddress {
  int ifindex = 0;
  IpPrefix prefix;
  bool tentative = false;   ///< still in IPv6 duplicate address detection
  bool dad_failed = false;  ///< DAD found another owner
};

/// One route of the main table; `route.dev` is left empty, `oif` names it.
struct RawRoute {
  RouteState route;
  int oif = 0;
};

// Each takes a message whose nlmsg_len lies within the bytes received (as
// libnl's receive loop guarantees) and returns nullopt for a message of
// another type, one too short for its header or attributes, or one observe
// does not report (a link without a name, an IPv6 link-local address, a
// route outside the main table or not unicast).
std::optional<RawLink> parse_link(const nlmsghdr& msg);
std::optional<RawAddress> parse_address(const nlmsghdr& msg);
std::optional<RawRoute> parse_route(const nlmsghdr& msg);

}  // namespace netlab::nl
