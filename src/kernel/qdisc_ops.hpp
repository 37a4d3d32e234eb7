// Root qdisc requests (RTM_NEWQDISC / RTM_DELQDISC) built with libnl-route's
// qdisc API (rtnl_qdisc_tbf_*, rtnl_netem_*), and the parse of a qdisc dump
// entry for observe. No `tc` process: the same attributes tc would send.
#pragma once

#include <linux/netlink.h>

#include <optional>

#include "kernel/nl_handles.hpp"
#include "kernel/nl_transact.hpp"
#include "netlab/kernel_state.hpp"

namespace netlab::nl {

/// The probability netem and the kernel use for `ppm` parts per million:
/// ppm * UINT32_MAX / 10^6, rounded (tc's `loss 1%` = 42949673).
std::uint32_t netem_probability(std::uint32_t ppm);

/// netem's queue limit in packets (tc's default).
inline constexpr std::uint32_t kNetemLimit = 1000;

/// The RTM_NEWQDISC request (NLM_F_CREATE | NLM_F_REPLACE) that makes `q`
/// the root qdisc of link `ifindex`; nullptr for a kind netlab does not set.
MsgPtr build_root_qdisc_request(int ifindex, const RootQdisc& q);
/// The RTM_DELQDISC request for the root qdisc of link `ifindex`.
MsgPtr build_delete_root_qdisc_request(int ifindex);

/// A root qdisc of a dump entry, with its link's index; nullopt for a
/// non-root qdisc or a default one (handle 0).
struct RawQdisc {
  int ifindex = 0;
  RootQdisc qdisc;
};
std::optional<RawQdisc> parse_qdisc(const nlmsghdr& msg);

/// Adds each link's root qdisc of `h`'s namespace to `links` (by ifindex).
Reply read_root_qdiscs(nl_sock* sk, const std::function<void(const RawQdisc&)>& on_qdisc);

}  // namespace netlab::nl
