// observe's parsing of rtnetlink dump replies, on messages built here with
// libnl (the shapes the kernel sends) and on broken ones (what a fuzzer sends).
#include "kernel/observe_parse.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <vector>

namespace netlab::nl {
namespace {

using Msg = std::unique_ptr<nl_msg, decltype(&nlmsg_free)>;

template <class Hdr>
Msg message(int type, const Hdr& hdr) {
  Msg m(nlmsg_alloc_simple(type, NLM_F_MULTI), &nlmsg_free);
  REQUIRE(m);
  REQUIRE(nlmsg_append(m.get(), const_cast<Hdr*>(&hdr), sizeof hdr, NLMSG_ALIGNTO) == 0);
  return m;
}

const nlmsghdr& header(const Msg& m) { return *nlmsg_hdr(m.get()); }

TEST_CASE("parse_link reads a veth end whose peer is in another namespace") {
  ifinfomsg ifi{};
  ifi.ifi_index = 7;
  ifi.ifi_flags = IFF_UP;
  auto m = message(RTM_NEWLINK, ifi);
  nla_put_string(m.get(), IFLA_IFNAME, "eth0");
  nla_put_string(m.get(), IFLA_IFALIAS, "netlab:demo");
  nla_put_u32(m.get(), IFLA_MTU, 1400);
  nla_put_u32(m.get(), IFLA_LINK, 9);
  nla_put_u32(m.get(), IFLA_LINK_NETNSID, 2);
  const std::uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0xab};
  nla_put(m.get(), IFLA_ADDRESS, 6, mac);
  nlattr* info = nla_nest_start(m.get(), IFLA_LINKINFO);
  nla_put_string(m.get(), IFLA_INFO_KIND, "veth");
  nla_nest_end(m.get(), info);

  auto l = parse_link(header(m));
  REQUIRE(l);
  CHECK(l->state.name == "eth0");
  CHECK(l->state.ifindex == 7);
  CHECK(l->state.up);
  CHECK(l->state.mtu == 1400);
  CHECK(l->state.mac == "02:00:00:00:00:ab");
  CHECK(l->state.alias == "netlab:demo");
  CHECK(l->state.kind == LinkKind::Veth);
  CHECK(l->link == 9);
  CHECK(l->netnsid == 2);
}

TEST_CASE("parse_link skips a message without a name or of another type") {
  ifinfomsg ifi{};
  auto unnamed = message(RTM_NEWLINK, ifi);
  CHECK_FALSE(parse_link(header(unnamed)));
  auto other = message(RTM_NEWADDR, ifi);
  nla_put_string(other.get(), IFLA_IFNAME, "eth0");
  CHECK_FALSE(parse_link(header(other)));
}

TEST_CASE("parse_link ignores attributes too short for their type") {
  ifinfomsg ifi{};
  auto m = message(RTM_NEWLINK, ifi);
  nla_put_string(m.get(), IFLA_IFNAME, "eth0");
  const std::uint8_t two[2] = {1, 2};
  nla_put(m.get(), IFLA_MTU, 2, two);
  nla_put(m.get(), IFLA_ADDRESS, 2, two);
  auto l = parse_link(header(m));
  REQUIRE(l);
  CHECK(l->state.mtu == 0);
  CHECK(l->state.mac.empty());
}

TEST_CASE("parse_link refuses a message shorter than its family header") {
  // nlmsg_len covers the netlink header and 4 of ifinfomsg's 16 bytes.
  std::vector<std::uint32_t> buf(8, 0);
  auto* hdr = reinterpret_cast<nlmsghdr*>(buf.data());
  hdr->nlmsg_len = sizeof(nlmsghdr) + 4;
  hdr->nlmsg_type = RTM_NEWLINK;
  CHECK_FALSE(parse_link(*hdr));
}

TEST_CASE("parse_link tells a root qdisc of the kernel's default from another") {
  auto with_qdisc = [](const char* kind) {
    ifinfomsg ifi{};
    auto m = message(RTM_NEWLINK, ifi);
    nla_put_string(m.get(), IFLA_IFNAME, "eth0");
    if (kind) nla_put_string(m.get(), IFLA_QDISC, kind);
    auto l = parse_link(header(m));
    REQUIRE(l);
    return l->root_qdisc_set;
  };
  CHECK_FALSE(with_qdisc("noqueue"));
  CHECK_FALSE(with_qdisc("noop"));
  CHECK(with_qdisc("tbf"));
  CHECK(with_qdisc("fq_codel"));
  CHECK(with_qdisc(nullptr));  // not said: the dump decides
}

TEST_CASE("parse_address reads IFA_FLAGS: tentative, and DAD failure as failed only") {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET6;
  ifa.ifa_prefixlen = 64;
  ifa.ifa_index = 3;
  auto m = message(RTM_NEWADDR, ifa);
  std::uint8_t ip[16] = {0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  nla_put(m.get(), IFA_ADDRESS, 16, ip);
  nla_put_u32(m.get(), IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_DADFAILED);
  auto a = parse_address(header(m));
  REQUIRE(a);
  CHECK(a->ifindex == 3);
  CHECK(a->prefix.str() == "fd00::1/64");
  CHECK(a->dad_failed);
  CHECK_FALSE(a->tentative);
}

TEST_CASE("parse_address skips IPv6 link-local addresses and wrong-sized ones") {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET6;
  auto link_local = message(RTM_NEWADDR, ifa);
  std::uint8_t ll[16] = {0xfe, 0x80};
  nla_put(link_local.get(), IFA_ADDRESS, 16, ll);
  CHECK_FALSE(parse_address(header(link_local)));
  ifa.ifa_family = AF_INET;
  auto short_v4 = message(RTM_NEWADDR, ifa);
  nla_put(short_v4.get(), IFA_LOCAL, 3, ll);
  CHECK_FALSE(parse_address(header(short_v4)));
}

TEST_CASE("parse_route takes the first next hop of a multipath route") {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_dst_len = 16;
  rtm.rtm_table = RT_TABLE_MAIN;
  rtm.rtm_type = RTN_UNICAST;
  rtm.rtm_protocol = 4;
  auto m = message(RTM_NEWROUTE, rtm);
  std::uint8_t dst[4] = {10, 97, 1, 2};
  nla_put(m.get(), RTA_DST, 4, dst);
  // Two next hops of 16 bytes each: rtnexthop (8) + RTA_GATEWAY (8).
  std::uint8_t hops[32] = {};
  for (int i = 0; i < 2; ++i) {
    auto* nh = reinterpret_cast<rtnexthop*>(hops + 16 * i);
    nh->rtnh_len = 16;
    nh->rtnh_ifindex = 5 + i;
    auto* gw = reinterpret_cast<rtattr*>(hops + 16 * i + 8);
    gw->rta_len = 8;
    gw->rta_type = RTA_GATEWAY;
    std::uint8_t addr[4] = {10, 9, static_cast<std::uint8_t>(i), 2};
    std::memcpy(hops + 16 * i + 12, addr, 4);
  }
  nla_put(m.get(), RTA_MULTIPATH, sizeof hops, hops);
  auto r = parse_route(header(m));
  REQUIRE(r);
  CHECK(r->oif == 5);
  REQUIRE(r->route.dst);
  CHECK(r->route.dst->str() == "10.97.0.0/16");
  REQUIRE(r->route.gateway);
  CHECK(r->route.gateway->str() == "10.9.0.2");
  CHECK(r->route.protocol == 4);
}

TEST_CASE("parse_route skips routes outside the main table and non-unicast ones") {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_table = RT_TABLE_LOCAL;
  rtm.rtm_type = RTN_UNICAST;
  auto local = message(RTM_NEWROUTE, rtm);
  CHECK_FALSE(parse_route(header(local)));
  rtm.rtm_table = RT_TABLE_MAIN;
  rtm.rtm_type = RTN_BLACKHOLE;
  auto blackhole = message(RTM_NEWROUTE, rtm);
  CHECK_FALSE(parse_route(header(blackhole)));
}

}  // namespace
}  // namespace netlab::nl
