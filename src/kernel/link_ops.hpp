// Link requests (RTM_NEWLINK / RTM_SETLINK / RTM_DELLINK / RTM_GETLINK)
// built with libnl's message primitives, so that every attribute is the one
// the kernel documents and every ack keeps its errno.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernel/nl_transact.hpp"
#include "netlab/error.hpp"

namespace netlab::nl {

/// A link to create. `ns_fd` (>= 0) puts it directly into that namespace
/// (IFLA_NET_NS_FD); for a veth, `peer_name`/`peer_ns_fd` do the same for
/// the peer, in the same request.
struct NewLink {
  std::string name;
  int ns_fd = -1;
  std::string kind;  ///< IFLA_INFO_KIND: "veth", "bridge", "vlan", "vxlan", "macvlan"
  int link = 0;      ///< IFLA_LINK (parent ifindex) when > 0
  std::string peer_name;
  int peer_ns_fd = -1;
  /// Adds IFLA_INFO_DATA attributes (already inside the nest); false = no room.
  std::function<bool(nl_msg*)> info_data;
  /// IFLA_NUM_TX_QUEUES and IFLA_NUM_RX_QUEUES of the link and of a veth
  /// peer; 0 = the kind's default.
  int queues = 0;
};

/// Attributes to change on an existing link; unset ones are left alone.
struct SetLink {
  std::optional<bool> up;
  std::optional<int> mtu;
  std::optional<std::vector<std::uint8_t>> mac;
  std::optional<int> master;  ///< ifindex, 0 = none
  std::optional<std::string> alias;
  int ns_fd = -1;  ///< move to this namespace when >= 0
};

Reply create_link(NetnsHandle& via, const NewLink& req);
Reply set_link(NetnsHandle& h, const std::string& name, const SetLink& change);
Reply delete_link(NetnsHandle& h, const std::string& name);
/// ifindex of `name` in `h`'s namespace; err ENODEV when absent.
Reply link_index(NetnsHandle& h, const std::string& name, int& ifindex);
/// The names of all links in `h`'s namespace.
Reply link_names(NetnsHandle& h, std::vector<std::string>& names);

/// A fresh request message with `hdr` as its family header.
template <class Hdr>
MsgPtr new_request(int type, int flags, const Hdr& hdr) {
  MsgPtr m(nlmsg_alloc_simple(type, flags));
  if (m && nlmsg_append(m.get(), const_cast<Hdr*>(&hdr), sizeof hdr, NLMSG_ALIGNTO) < 0) m.reset();
  return m;
}

}  // namespace netlab::nl
