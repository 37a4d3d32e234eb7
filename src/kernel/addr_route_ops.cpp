#include "kernel/addr_route_ops.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <sys/socket.h>

#include <cerrno>

#include "kernel/link_ops.hpp"

namespace netlab::nl {
namespace {

const Reply kNoRoom{EMSGSIZE, "request does not fit a netlink message"};

int af(int family) { return family == 6 ? AF_INET6 : AF_INET; }

bool put_ip(nl_msg* m, int type, const IpAddress& a) {
  return nla_put(m, type, a.byte_len(), a.bytes.data()) == 0;
}

}  // namespace

Reply change_address(NetnsHandle& h, bool add, int ifindex, const IpPrefix& address) {
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<unsigned char>(af(address.family()));
  ifa.ifa_prefixlen = static_cast<unsigned char>(address.length);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<unsigned>(ifindex);
  int flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto m = new_request(add ? RTM_NEWADDR : RTM_DELADDR, flags, ifa);
  if (!m) return kNoRoom;
  // As `ip addr add`: IFA_LOCAL is the address, IFA_ADDRESS the same (no peer).
  if (!put_ip(m.get(), IFA_LOCAL, address.address) ||
      !put_ip(m.get(), IFA_ADDRESS, address.address))
    return kNoRoom;
  return transact(h, m.get());
}

Reply change_route(NetnsHandle& h, bool add, const RouteSpec& route) {
  rtmsg rt{};
  rt.rtm_family = static_cast<unsigned char>(af(route.family));
  rt.rtm_dst_len = static_cast<unsigned char>(route.dst ? route.dst->length : 0);
  rt.rtm_table = RT_TABLE_MAIN;
  if (add) {
    rt.rtm_protocol = RTPROT_STATIC;
    rt.rtm_type = RTN_UNICAST;
    // A route without a gateway is on-link (as `ip route add ... dev X`).
    rt.rtm_scope = (route.family == 4 && !route.gateway) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  } else {
    // As `ip route del`: protocol, type and scope match anything.
    rt.rtm_scope = RT_SCOPE_NOWHERE;
  }
  int flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto m = new_request(add ? RTM_NEWROUTE : RTM_DELROUTE, flags, rt);
  if (!m) return kNoRoom;
  if (nla_put_u32(m.get(), RTA_TABLE, RT_TABLE_MAIN) < 0) return kNoRoom;
  if (route.dst && route.dst->length > 0 && !put_ip(m.get(), RTA_DST, route.dst->address))
    return kNoRoom;
  if (route.gateway && !put_ip(m.get(), RTA_GATEWAY, *route.gateway)) return kNoRoom;
  if (route.oif > 0 && nla_put_u32(m.get(), RTA_OIF, static_cast<std::uint32_t>(route.oif)) < 0)
    return kNoRoom;
  return transact(h, m.get());
}

}  // namespace netlab::nl
