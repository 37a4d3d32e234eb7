#include "kernel/qdisc_ops.hpp"

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <netlink/utils.h>

#include <algorithm>
#include <cstring>

#include "kernel/link_ops.hpp"

namespace netlab::nl {
namespace {

using QdiscPtr = std::unique_ptr<rtnl_qdisc, FreeWith<rtnl_qdisc_put>>;

// bits/s -> bytes/s as the 32-bit field tbf and netem take (the parser
// caps rates below 2^32 bytes/s).
std::uint32_t bytes_per_second(std::uint64_t bits) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(bits / 8, UINT32_MAX));
}

// Ticks of the packet scheduler's clock for `us` microseconds, and back:
// /proc/net/psched through libnl.
std::uint32_t from_ticks(std::uint32_t ticks) { return nl_ticks2us(ticks); }

}  // namespace

std::uint32_t netem_probability(std::uint32_t ppm) {
  if (ppm >= 1000000) return UINT32_MAX;
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(ppm) * UINT32_MAX + 500000) /
                                    1000000);
}

static std::uint32_t ppm_of(std::uint32_t prob) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(prob) * 1000000 + UINT32_MAX / 2) /
                                    UINT32_MAX);
}

MsgPtr build_root_qdisc_request(int ifindex, const RootQdisc& want) {
  QdiscPtr q(rtnl_qdisc_alloc());
  if (!q) return nullptr;
  rtnl_tc* tc = TC_CAST(q.get());
  rtnl_tc_set_ifindex(tc, ifindex);
  rtnl_tc_set_parent(tc, TC_H_ROOT);
  rtnl_tc_set_handle(tc, want.handle);
  if (rtnl_tc_set_kind(tc, want.kind.c_str()) < 0) return nullptr;
  if (want.kind == "tbf") {
    rtnl_qdisc_tbf_set_limit(q.get(), static_cast<int>(want.tbf.limit));
    rtnl_qdisc_tbf_set_rate(q.get(), static_cast<int>(bytes_per_second(want.tbf.rate)),
                            static_cast<int>(want.tbf.burst), 0);
  } else if (want.kind == "netem") {
    const NetemParams& n = want.netem;
    rtnl_netem_set_limit(q.get(), static_cast<int>(n.limit ? n.limit : kNetemLimit));
    if (n.delay) rtnl_netem_set_delay(q.get(), static_cast<int>(n.delay));
    if (n.jitter) rtnl_netem_set_jitter(q.get(), static_cast<int>(n.jitter));
    if (n.delay_correlation)
      rtnl_netem_set_delay_correlation(q.get(),
                                       static_cast<int>(netem_probability(n.delay_correlation)));
    if (n.loss) rtnl_netem_set_loss(q.get(), static_cast<int>(netem_probability(n.loss)));
    if (n.duplicate)
      rtnl_netem_set_duplicate(q.get(), static_cast<int>(netem_probability(n.duplicate)));
    if (n.reorder)
      rtnl_netem_set_reorder_probability(q.get(), static_cast<int>(netem_probability(n.reorder)));
    if (n.corrupt)
      rtnl_netem_set_corruption_probability(q.get(),
                                            static_cast<int>(netem_probability(n.corrupt)));
  } else {
    return nullptr;
  }
  nl_msg* raw = nullptr;
  if (rtnl_qdisc_build_add_request(q.get(), NLM_F_CREATE | NLM_F_REPLACE, &raw) < 0) return nullptr;
  MsgPtr m(raw);
  // A complete request as the kernel gets it (nl_send_auto would add both,
  // but not every path sends through it); transact() waits for the ack.
  nlmsg_hdr(m.get())->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (want.kind == "netem" && want.netem.rate) {
    // libnl-route 3.7 has no setter for netem's rate: TCA_NETEM_RATE goes
    // after the other netem attributes, inside TCA_OPTIONS (which netem
    // lays out as struct tc_netem_qopt followed by attributes), and
    // TCA_OPTIONS, the last attribute of the request, grows by it.
    nlmsghdr* hdr = nlmsg_hdr(m.get());
    nlattr* options = nullptr;
    nlattr* a = nlmsg_attrdata(hdr, sizeof(tcmsg));
    int rem = nlmsg_attrlen(hdr, sizeof(tcmsg));
    for (; nla_ok(a, rem); a = nla_next(a, &rem))
      if (nla_type(a) == TCA_OPTIONS) options = a;
    if (!options) return nullptr;
    tc_netem_rate r{};
    r.rate = bytes_per_second(want.netem.rate);
    const auto before = hdr->nlmsg_len;
    const auto offset = reinterpret_cast<char*>(options) - reinterpret_cast<char*>(hdr);
    if (nla_put(m.get(), TCA_NETEM_RATE, sizeof r, &r) < 0) return nullptr;
    hdr = nlmsg_hdr(m.get());  // the buffer may have moved
    options = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(hdr) + offset);
    options->nla_len = static_cast<std::uint16_t>(options->nla_len + (hdr->nlmsg_len - before));
  }
  return m;
}

MsgPtr build_delete_root_qdisc_request(int ifindex) {
  tcmsg t{};
  t.tcm_family = AF_UNSPEC;
  t.tcm_ifindex = ifindex;
  t.tcm_parent = TC_H_ROOT;
  return new_request(RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK, t);
}

std::optional<RawQdisc> parse_qdisc(const nlmsghdr& msg) {
  if (msg.nlmsg_type != RTM_NEWQDISC) return std::nullopt;
  auto* hdr = const_cast<nlmsghdr*>(&msg);
  const auto* t = static_cast<const tcmsg*>(nlmsg_data(hdr));
  if (t->tcm_parent != TC_H_ROOT || t->tcm_handle == 0) return std::nullopt;
  nlattr* tb[TCA_MAX + 1];
  if (nlmsg_parse(hdr, sizeof(tcmsg), tb, TCA_MAX, nullptr) < 0 || !tb[TCA_KIND])
    return std::nullopt;
  RawQdisc out;
  out.ifindex = t->tcm_ifindex;
  out.qdisc.handle = t->tcm_handle;
  out.qdisc.kind = nla_get_string(tb[TCA_KIND]);
  nlattr* opt = tb[TCA_OPTIONS];
  if (out.qdisc.kind == "tbf" && opt) {
    nlattr* tbf[TCA_TBF_MAX + 1];
    if (nla_parse_nested(tbf, TCA_TBF_MAX, opt, nullptr) == 0 && tbf[TCA_TBF_PARMS] &&
        nla_len(tbf[TCA_TBF_PARMS]) >= static_cast<int>(sizeof(tc_tbf_qopt))) {
      tc_tbf_qopt p;
      std::memcpy(&p, nla_data(tbf[TCA_TBF_PARMS]), sizeof p);
      std::uint64_t rate = p.rate.rate;
      if (tbf[TCA_TBF_RATE64]) rate = nla_get_u64(tbf[TCA_TBF_RATE64]);
      out.qdisc.tbf.rate = rate * 8;
      out.qdisc.tbf.limit = p.limit;
      out.qdisc.tbf.burst = static_cast<std::uint32_t>(
          rtnl_tc_calc_bufsize(static_cast<int>(from_ticks(p.buffer)), static_cast<int>(rate)));
    }
  } else if (out.qdisc.kind == "netem" && opt &&
             nla_len(opt) >= static_cast<int>(sizeof(tc_netem_qopt))) {
    tc_netem_qopt q;
    std::memcpy(&q, nla_data(opt), sizeof q);
    NetemParams& n = out.qdisc.netem;
    n.limit = q.limit;
    n.loss = ppm_of(q.loss);
    n.duplicate = ppm_of(q.duplicate);
    n.delay = from_ticks(q.latency);
    n.jitter = from_ticks(q.jitter);
    // The attributes after the struct.
    int rem = nla_len(opt) - static_cast<int>(NLA_ALIGN(sizeof q));
    auto* a = reinterpret_cast<nlattr*>(static_cast<char*>(nla_data(opt)) + NLA_ALIGN(sizeof q));
    for (; rem > 0 && nla_ok(a, rem); a = nla_next(a, &rem)) {
      switch (nla_type(a)) {
        case TCA_NETEM_CORR:
          if (nla_len(a) >= static_cast<int>(sizeof(tc_netem_corr)))
            n.delay_correlation =
                ppm_of(static_cast<const tc_netem_corr*>(nla_data(a))->delay_corr);
          break;
        case TCA_NETEM_REORDER:
          if (nla_len(a) >= static_cast<int>(sizeof(tc_netem_reorder)))
            n.reorder = ppm_of(static_cast<const tc_netem_reorder*>(nla_data(a))->probability);
          break;
        case TCA_NETEM_CORRUPT:
          if (nla_len(a) >= static_cast<int>(sizeof(tc_netem_corrupt)))
            n.corrupt = ppm_of(static_cast<const tc_netem_corrupt*>(nla_data(a))->probability);
          break;
        case TCA_NETEM_RATE:
          if (nla_len(a) >= static_cast<int>(sizeof(tc_netem_rate)))
            n.rate = std::uint64_t{static_cast<const tc_netem_rate*>(nla_data(a))->rate} * 8;
          break;
        case TCA_NETEM_LATENCY64:
          n.delay = static_cast<std::uint32_t>(nla_get_s64(a) / 1000);
          break;
        case TCA_NETEM_JITTER64:
          n.jitter = static_cast<std::uint32_t>(nla_get_s64(a) / 1000);
          break;
        default:
          break;
      }
    }
  }
  return out;
}

Reply read_root_qdiscs(nl_sock* sk, const std::function<void(const RawQdisc&)>& on_qdisc) {
  tcmsg t{};
  t.tcm_family = AF_UNSPEC;
  auto m = new_request(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP, t);
  if (!m) return Reply{ENOMEM, ""};
  return transact(sk, m.get(), [&](const nlmsghdr* hdr) {
    if (auto q = parse_qdisc(*hdr)) on_qdisc(*q);
  });
}

}  // namespace netlab::nl
