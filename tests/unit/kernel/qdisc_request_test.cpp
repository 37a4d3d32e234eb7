// The root qdisc requests netlab sends, checked byte for byte against the
// kernel's own layouts (linux/pkt_sched.h: struct tcmsg, tc_netem_qopt,
// tc_netem_rate, tc_tbf_qopt), with expected values worked out here from the
// topology's numbers and /proc/net/psched, not from the code under test.
// netem is absent on the development machine: this is what its path sends.
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "kernel/qdisc_ops.hpp"

namespace netlab::nl {
namespace {

using Bytes = std::vector<std::uint8_t>;

template <class T>
void put(Bytes& b, const T& v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  b.insert(b.end(), p, p + sizeof v);
}
void put_attr(Bytes& b, std::uint16_t type, const Bytes& payload) {
  put<std::uint16_t>(b, static_cast<std::uint16_t>(4 + payload.size()));
  put<std::uint16_t>(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  while (b.size() % 4) b.push_back(0);
}

// Ticks of the packet scheduler for `us` microseconds, as tc computes them
// from /proc/net/psched ("t2us us2t ..." : ticks = us * t2us / us2t).
std::uint32_t ticks(std::uint32_t us) {
  std::ifstream in("/proc/net/psched");
  unsigned t2us = 0, us2t = 0;
  in >> std::hex >> t2us >> us2t;
  REQUIRE(us2t > 0);
  return static_cast<std::uint32_t>(static_cast<double>(us) * t2us / us2t);
}

std::uint32_t prob(double percent) {
  return static_cast<std::uint32_t>(std::llround(percent / 100.0 * 4294967295.0));
}

Bytes bytes_of(nl_msg* m) {
  nlmsghdr* h = nlmsg_hdr(m);
  const auto* p = reinterpret_cast<const std::uint8_t*>(h);
  return Bytes(p, p + h->nlmsg_len);
}

Bytes header(std::uint32_t len, std::uint16_t type, std::uint16_t flags, int ifindex) {
  Bytes b;
  put<std::uint32_t>(b, len);
  put<std::uint16_t>(b, type);
  put<std::uint16_t>(b, flags);
  put<std::uint32_t>(b, 0);  // seq: filled in when sent
  put<std::uint32_t>(b, 0);  // port id
  tcmsg t{};
  t.tcm_family = AF_UNSPEC;
  t.tcm_ifindex = ifindex;
  t.tcm_handle = 0x4e4c0000;
  t.tcm_parent = TC_H_ROOT;
  put(b, t);
  return b;
}

}  // namespace

TEST_CASE("netem request: struct tc_netem_qopt, then TCA_NETEM_RATE inside TCA_OPTIONS",
          "[kernel][qdisc]") {
  RootQdisc q;
  q.kind = "netem";
  q.handle = kConditionsQdiscHandle;
  q.netem.limit = 1000;
  q.netem.delay = 20000;     // 20ms
  q.netem.jitter = 5000;     // 5ms
  q.netem.loss = 10000;      // 1%
  q.netem.duplicate = 5000;  // 0.5%
  q.netem.rate = 10000000;   // 10mbit
  MsgPtr m = build_root_qdisc_request(7, q);
  REQUIRE(m);

  tc_netem_qopt qopt{};
  qopt.latency = ticks(20000);
  qopt.limit = 1000;
  qopt.loss = prob(1);
  qopt.gap = 0;
  qopt.duplicate = prob(0.5);
  qopt.jitter = ticks(5000);
  tc_netem_rate rate{};
  rate.rate = 1250000;  // bytes per second
  Bytes rate_attr;
  put_attr(rate_attr, TCA_NETEM_RATE, [&] {
    Bytes p;
    put(p, rate);
    return p;
  }());
  Bytes options;
  put(options, qopt);
  options.insert(options.end(), rate_attr.begin(), rate_attr.end());
  Bytes attrs;
  put_attr(attrs, TCA_KIND, Bytes{'n', 'e', 't', 'e', 'm', 0});
  put_attr(attrs, TCA_OPTIONS, options);
  const std::uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  Bytes want =
      header(static_cast<std::uint32_t>(16 + sizeof(tcmsg) + attrs.size()), RTM_NEWQDISC, flags, 7);
  want.insert(want.end(), attrs.begin(), attrs.end());
  CHECK(bytes_of(m.get()) == want);
}

TEST_CASE("netem request without rate: only the struct in TCA_OPTIONS", "[kernel][qdisc]") {
  RootQdisc q;
  q.kind = "netem";
  q.handle = kConditionsQdiscHandle;
  q.netem.loss = 300000;  // 30%, and netem's default queue of 1000 packets
  MsgPtr m = build_root_qdisc_request(3, q);
  REQUIRE(m);
  tc_netem_qopt qopt{};
  qopt.limit = 1000;
  qopt.loss = prob(30);
  Bytes options;
  put(options, qopt);
  Bytes attrs;
  put_attr(attrs, TCA_KIND, Bytes{'n', 'e', 't', 'e', 'm', 0});
  put_attr(attrs, TCA_OPTIONS, options);
  Bytes want = header(static_cast<std::uint32_t>(16 + sizeof(tcmsg) + attrs.size()), RTM_NEWQDISC,
                      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, 3);
  want.insert(want.end(), attrs.begin(), attrs.end());
  CHECK(bytes_of(m.get()) == want);
}

TEST_CASE("tbf request: rate, limit and bucket in struct tc_tbf_qopt", "[kernel][qdisc]") {
  RootQdisc q{"tbf", kConditionsQdiscHandle, {10000000, 12500, 75000}, {}};
  MsgPtr m = build_root_qdisc_request(9, q);
  REQUIRE(m);
  nlmsghdr* h = nlmsg_hdr(m.get());
  CHECK(h->nlmsg_type == RTM_NEWQDISC);
  CHECK(h->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE));
  const auto* t = static_cast<const tcmsg*>(nlmsg_data(h));
  CHECK(t->tcm_ifindex == 9);
  CHECK(t->tcm_handle == 0x4e4c0000u);
  CHECK(t->tcm_parent == TC_H_ROOT);
  nlattr* tb[TCA_MAX + 1];
  REQUIRE(nlmsg_parse(h, sizeof(tcmsg), tb, TCA_MAX, nullptr) == 0);
  REQUIRE(tb[TCA_KIND]);
  CHECK(std::string(static_cast<const char*>(nla_data(tb[TCA_KIND]))) == "tbf");
  REQUIRE(tb[TCA_OPTIONS]);
  nlattr* o[TCA_TBF_MAX + 1];
  REQUIRE(nla_parse_nested(o, TCA_TBF_MAX, tb[TCA_OPTIONS], nullptr) == 0);
  REQUIRE(o[TCA_TBF_PARMS]);
  REQUIRE(nla_len(o[TCA_TBF_PARMS]) == static_cast<int>(sizeof(tc_tbf_qopt)));
  tc_tbf_qopt p;
  std::memcpy(&p, nla_data(o[TCA_TBF_PARMS]), sizeof p);
  CHECK(p.rate.rate == 1250000u);  // 10 Mbit/s in bytes per second
  CHECK(p.limit == 75000u);
  // The bucket travels as the time it takes at the rate: 12500 bytes at
  // 1 250 000 bytes/s = 10 ms.
  CHECK(p.buffer == ticks(10000));
  CHECK(p.peakrate.rate == 0u);
}

TEST_CASE("delete request: the root qdisc of the link", "[kernel][qdisc]") {
  MsgPtr m = build_delete_root_qdisc_request(4);
  REQUIRE(m);
  Bytes want = header(16 + sizeof(tcmsg), RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK, 4);
  // The handle is not part of a delete by parent.
  reinterpret_cast<tcmsg*>(want.data() + 16)->tcm_handle = 0;
  CHECK(bytes_of(m.get()) == want);
}

TEST_CASE("probabilities: parts per million as the kernel's 32-bit fraction", "[kernel][qdisc]") {
  CHECK(netem_probability(0) == 0u);
  CHECK(netem_probability(10000) == 42949673u);  // tc's "loss 1%"
  CHECK(netem_probability(1000000) == 4294967295u);
}

}  // namespace netlab::nl
