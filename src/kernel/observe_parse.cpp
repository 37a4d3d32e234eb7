#include "kernel/observe_parse.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <algorithm>
#include <cstring>

namespace netlab::nl {
namespace {

LinkKind kind_of(const std::string& kind, unsigned arptype) {
  if (kind.empty() && arptype == ARPHRD_LOOPBACK) return LinkKind::Loopback;
  if (kind == "veth") return LinkKind::Veth;
  if (kind == "bridge") return LinkKind::Bridge;
  if (kind == "vlan") return LinkKind::Vlan;
  if (kind == "tun") return LinkKind::Tap;
  if (kind == "openvswitch") return LinkKind::OvsInternal;
  if (kind == "vxlan") return LinkKind::Vxlan;
  if (kind == "macvlan") return LinkKind::Macvlan;
  return LinkKind::Other;
}

bool is_v6_link_local(const IpAddress& a) {
  return a.family == 6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

std::string attr_string(const nlattr* a) {
  if (!a || nla_len(a) <= 0) return "";
  const char* text = static_cast<const char*>(nla_data(a));
  return std::string(text, strnlen(text, static_cast<std::size_t>(nla_len(a))));
}

std::uint32_t attr_u32(const nlattr* a) {
  return a && nla_len(a) >= 4 ? nla_get_u32(const_cast<nlattr*>(a)) : 0;
}

std::optional<IpAddress> attr_ip(const nlattr* a, int family) {
  if (!a) return std::nullopt;
  IpAddress ip;
  int len = nla_len(a);
  if (family == AF_INET && len == 4)
    ip.family = 4;
  else if (family == AF_INET6 && len == 16)
    ip.family = 6;
  else
    return std::nullopt;
  std::memcpy(ip.bytes.data(), nla_data(a), static_cast<std::size_t>(len));
  return ip;
}

// The family header of `msg` (of type Hdr) and its attributes up to kMaxAttr
// in `tb`; nullptr when `msg` is not `type` or does not parse.
template <int kMaxAttr, class Hdr>
const Hdr* header_and_attrs(const nlmsghdr& msg, int type, nlattr* (&tb)[kMaxAttr + 1]) {
  if (msg.nlmsg_type != type) return nullptr;
  auto* hdr = const_cast<nlmsghdr*>(&msg);
  if (nlmsg_parse(hdr, sizeof(Hdr), tb, kMaxAttr, nullptr) < 0) return nullptr;
  return static_cast<const Hdr*>(nlmsg_data(hdr));
}

}  // namespace

std::optional<RawLink> parse_link(const nlmsghdr& msg) {
  nlattr* tb[IFLA_MAX + 1];
  const auto* ifi = header_and_attrs<IFLA_MAX, ifinfomsg>(msg, RTM_NEWLINK, tb);
  if (!ifi) return std::nullopt;
  RawLink r;
  LinkState& ls = r.state;
  ls.name = attr_string(tb[IFLA_IFNAME]);
  if (ls.name.empty()) return std::nullopt;
  ls.ifindex = ifi->ifi_index;
  ls.up = (ifi->ifi_flags & IFF_UP) != 0;
  ls.mtu = static_cast<int>(attr_u32(tb[IFLA_MTU]));
  if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
    std::array<std::uint8_t, 6> mac{};
    std::memcpy(mac.data(), nla_data(tb[IFLA_ADDRESS]), 6);
    ls.mac = format_mac(mac);
  }
  ls.alias = attr_string(tb[IFLA_IFALIAS]);
  // Absent (no kernel leaves it out) counts as set: the dump then decides.
  const std::string qdisc = attr_string(tb[IFLA_QDISC]);
  r.root_qdisc_set = qdisc != "noqueue" && qdisc != "noop";
  r.master = static_cast<int>(attr_u32(tb[IFLA_MASTER]));
  r.link = static_cast<int>(attr_u32(tb[IFLA_LINK]));
  if (tb[IFLA_LINK_NETNSID] && nla_len(tb[IFLA_LINK_NETNSID]) >= 4)
    r.netnsid = static_cast<std::int32_t>(nla_get_u32(tb[IFLA_LINK_NETNSID]));
  if (tb[IFLA_LINKINFO]) {
    nlattr* info[IFLA_INFO_MAX + 1];
    if (nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) == 0) {
      ls.kind_text = attr_string(info[IFLA_INFO_KIND]);
      nlattr* vlan[IFLA_VLAN_MAX + 1];
      if (ls.kind_text == "vlan" && info[IFLA_INFO_DATA] &&
          nla_parse_nested(vlan, IFLA_VLAN_MAX, info[IFLA_INFO_DATA], nullptr) == 0 &&
          vlan[IFLA_VLAN_ID] && nla_len(vlan[IFLA_VLAN_ID]) >= 2)
        r.vlan_id = nla_get_u16(vlan[IFLA_VLAN_ID]);
      nlattr* vx[IFLA_VXLAN_MAX + 1];
      if (ls.kind_text == "vxlan" && info[IFLA_INFO_DATA] &&
          nla_parse_nested(vx, IFLA_VXLAN_MAX, info[IFLA_INFO_DATA], nullptr) == 0) {
        ls.vxlan_id = attr_u32(vx[IFLA_VXLAN_ID]);
        if (vx[IFLA_VXLAN_LOCAL]) ls.vxlan_local = attr_ip(vx[IFLA_VXLAN_LOCAL], AF_INET);
        if (vx[IFLA_VXLAN_GROUP]) ls.vxlan_remote = attr_ip(vx[IFLA_VXLAN_GROUP], AF_INET);
        if (vx[IFLA_VXLAN_PORT] && nla_len(vx[IFLA_VXLAN_PORT]) >= 2)
          ls.vxlan_port = ntohs(nla_get_u16(vx[IFLA_VXLAN_PORT]));
      }
    }
  }
  ls.kind = kind_of(ls.kind_text, ifi->ifi_type);
  return r;
}

std::optional<RawAddress> parse_address(const nlmsghdr& msg) {
  nlattr* tb[IFA_MAX + 1];
  const auto* a = header_and_attrs<IFA_MAX, ifaddrmsg>(msg, RTM_NEWADDR, tb);
  if (!a) return std::nullopt;
  // IFA_LOCAL is the interface's own address where it differs from
  // IFA_ADDRESS (the peer, on point-to-point links); IPv6 has only IFA_ADDRESS.
  auto ip = attr_ip(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], a->ifa_family);
  if (!ip || is_v6_link_local(*ip)) return std::nullopt;
  RawAddress r;
  r.ifindex = static_cast<int>(a->ifa_index);
  r.prefix = IpPrefix{*ip, a->ifa_prefixlen};
  // IFA_FLAGS holds all 32 flag bits; ifa_flags only the first 8.
  std::uint32_t flags = tb[IFA_FLAGS] ? attr_u32(tb[IFA_FLAGS]) : a->ifa_flags;
  // A DAD failure leaves IFA_F_TENTATIVE set too: report it as failed only.
  r.dad_failed = (flags & IFA_F_DADFAILED) != 0;
  r.tentative = !r.dad_failed && (flags & IFA_F_TENTATIVE) != 0;
  return r;
}

std::optional<RawRoute> parse_route(const nlmsghdr& msg) {
  nlattr* tb[RTA_MAX + 1];
  const auto* r = header_and_attrs<RTA_MAX, rtmsg>(msg, RTM_NEWROUTE, tb);
  if (!r) return std::nullopt;
  std::uint32_t table = tb[RTA_TABLE] ? attr_u32(tb[RTA_TABLE]) : r->rtm_table;
  if (table != RT_TABLE_MAIN || r->rtm_type != RTN_UNICAST) return std::nullopt;
  if (r->rtm_family != AF_INET && r->rtm_family != AF_INET6) return std::nullopt;
  RawRoute out;
  RouteState& rs = out.route;
  rs.family = r->rtm_family == AF_INET ? 4 : 6;
  if (r->rtm_dst_len > 0) {
    if (auto ip = attr_ip(tb[RTA_DST], r->rtm_family))
      rs.dst = IpPrefix{*ip, r->rtm_dst_len}.network();
  }
  // The first next hop: RTA_OIF/RTA_GATEWAY, or the first of RTA_MULTIPATH.
  out.oif = static_cast<int>(attr_u32(tb[RTA_OIF]));
  const nlattr* gateway = tb[RTA_GATEWAY];
  if (tb[RTA_MULTIPATH] && nla_len(tb[RTA_MULTIPATH]) >= static_cast<int>(sizeof(rtnexthop))) {
    const auto* nh = static_cast<const rtnexthop*>(nla_data(tb[RTA_MULTIPATH]));
    int nh_len = std::min<int>(nh->rtnh_len, nla_len(tb[RTA_MULTIPATH]));
    out.oif = nh->rtnh_ifindex;
    gateway = nullptr;
    nlattr* nh_tb[RTA_MAX + 1];
    int attrs_len = nh_len - static_cast<int>(RTNH_LENGTH(0));
    if (attrs_len > 0 && nla_parse(nh_tb, RTA_MAX, reinterpret_cast<nlattr*>(RTNH_DATA(nh)),
                                   attrs_len, nullptr) == 0)
      gateway = nh_tb[RTA_GATEWAY];
  }
  rs.gateway = attr_ip(gateway, r->rtm_family);
  rs.protocol = r->rtm_protocol;
  rs.scope = r->rtm_scope;
  return out;
}

}  // namespace netlab::nl
