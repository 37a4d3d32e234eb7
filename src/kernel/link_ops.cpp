#include "kernel/link_ops.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>

#include <cerrno>
#include <cstring>

namespace netlab::nl {
namespace {

const Reply kNoRoom{EMSGSIZE, "request does not fit a netlink message"};

bool put_name(nl_msg* m, const std::string& name) {
  return nla_put_string(m, IFLA_IFNAME, name.c_str()) == 0;
}

// The parts of a link after its ifinfomsg: name, namespace, parent.
bool put_link_body(nl_msg* m, const std::string& name, int ns_fd) {
  if (!put_name(m, name)) return false;
  if (ns_fd >= 0 && nla_put_u32(m, IFLA_NET_NS_FD, static_cast<std::uint32_t>(ns_fd)) < 0)
    return false;
  return true;
}

bool put_queues(nl_msg* m, int queues) {
  if (queues <= 0) return true;
  auto n = static_cast<std::uint32_t>(queues);
  return nla_put_u32(m, IFLA_NUM_TX_QUEUES, n) == 0 && nla_put_u32(m, IFLA_NUM_RX_QUEUES, n) == 0;
}

// Parses the ifindex and name of an RTM_NEWLINK reply.
void parse_link(const nlmsghdr* h, int* ifindex, std::string* name) {
  if (h->nlmsg_type != RTM_NEWLINK) return;
  const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(const_cast<nlmsghdr*>(h)));
  if (ifindex) *ifindex = ifi->ifi_index;
  if (name) {
    nlattr* tb[IFLA_MAX + 1];
    if (nlmsg_parse(const_cast<nlmsghdr*>(h), sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) == 0 &&
        tb[IFLA_IFNAME])
      *name = nla_get_string(tb[IFLA_IFNAME]);
  }
}

}  // namespace

Reply create_link(NetnsHandle& via, const NewLink& req) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  auto m = new_request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, ifi);
  if (!m) return kNoRoom;
  nl_msg* msg = m.get();
  if (!put_link_body(msg, req.name, req.ns_fd) || !put_queues(msg, req.queues)) return kNoRoom;
  if (req.link > 0 && nla_put_u32(msg, IFLA_LINK, static_cast<std::uint32_t>(req.link)) < 0)
    return kNoRoom;
  nlattr* info = nla_nest_start(msg, IFLA_LINKINFO);
  if (!info || nla_put_string(msg, IFLA_INFO_KIND, req.kind.c_str()) < 0) return kNoRoom;
  if (req.kind == "veth" || req.info_data) {
    nlattr* data = nla_nest_start(msg, IFLA_INFO_DATA);
    if (!data) return kNoRoom;
    if (req.kind == "veth") {
      // VETH_INFO_PEER carries a whole ifinfomsg plus the peer's attributes.
      nlattr* peer = nla_nest_start(msg, VETH_INFO_PEER);
      if (!peer) return kNoRoom;
      void* hdr = nlmsg_reserve(msg, sizeof(ifinfomsg), NLMSG_ALIGNTO);
      if (!hdr) return kNoRoom;
      std::memset(hdr, 0, sizeof(ifinfomsg));
      if (!put_link_body(msg, req.peer_name, req.peer_ns_fd) || !put_queues(msg, req.queues))
        return kNoRoom;
      nla_nest_end(msg, peer);
    }
    if (req.info_data && !req.info_data(msg)) return kNoRoom;
    nla_nest_end(msg, data);
  }
  nla_nest_end(msg, info);
  return transact(via, msg);
}

Reply set_link(NetnsHandle& h, const std::string& name, const SetLink& c) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  if (c.up) {
    ifi.ifi_change = IFF_UP;
    ifi.ifi_flags = *c.up ? IFF_UP : 0;
  }
  auto m = new_request(RTM_SETLINK, NLM_F_REQUEST, ifi);
  if (!m) return kNoRoom;
  nl_msg* msg = m.get();
  if (!put_link_body(msg, name, c.ns_fd)) return kNoRoom;
  if (c.mtu && nla_put_u32(msg, IFLA_MTU, static_cast<std::uint32_t>(*c.mtu)) < 0) return kNoRoom;
  if (c.mac && nla_put(msg, IFLA_ADDRESS, static_cast<int>(c.mac->size()), c.mac->data()) < 0)
    return kNoRoom;
  if (c.master && nla_put_u32(msg, IFLA_MASTER, static_cast<std::uint32_t>(*c.master)) < 0)
    return kNoRoom;
  // An empty IFLA_IFALIAS clears the alias.
  if (c.alias && nla_put(msg, IFLA_IFALIAS, static_cast<int>(c.alias->size()), c.alias->data()) < 0)
    return kNoRoom;
  return transact(h, msg);
}

Reply delete_link(NetnsHandle& h, const std::string& name) {
  ifinfomsg ifi{};
  auto m = new_request(RTM_DELLINK, NLM_F_REQUEST, ifi);
  if (!m || !put_name(m.get(), name)) return kNoRoom;
  return transact(h, m.get());
}

Reply link_index(NetnsHandle& h, const std::string& name, int& ifindex) {
  ifindex = 0;
  ifinfomsg ifi{};
  auto m = new_request(RTM_GETLINK, NLM_F_REQUEST, ifi);
  if (!m || !put_name(m.get(), name)) return kNoRoom;
  // Only the header is needed: ask the kernel to skip stats and VF info.
  nla_put_u32(m.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  Reply r = transact(h, m.get(), [&](const nlmsghdr* hdr) { parse_link(hdr, &ifindex, nullptr); });
  if (r.ok() && ifindex == 0) r.err = ENODEV;
  return r;
}

Reply link_names(NetnsHandle& h, std::vector<std::string>& names) {
  names.clear();
  ifinfomsg ifi{};
  auto m = new_request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifi);
  if (!m) return kNoRoom;
  nla_put_u32(m.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return transact(h, m.get(), [&](const nlmsghdr* hdr) {
    std::string n;
    parse_link(hdr, nullptr, &n);
    if (!n.empty()) names.push_back(std::move(n));
  });
}

}  // namespace netlab::nl
