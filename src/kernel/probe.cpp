#include "kernel/probe.hpp"

#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <sched.h>

#include <system_error>
#include <thread>

#include "kernel/link_ops.hpp"
#include "kernel/qdisc_ops.hpp"

namespace netlab::nl {
namespace {

// Whether bridge `name` reports IFLA_BR_VLAN_FILTERING = 1. A kernel built
// without CONFIG_BRIDGE_VLAN_FILTERING accepts the attribute silently but
// neither applies nor reports it, so only reading it back tells.
bool vlan_filtering_on(NetnsHandle& h, const std::string& name) {
  ifinfomsg ifi{};
  auto m = new_request(RTM_GETLINK, NLM_F_REQUEST, ifi);
  if (!m || nla_put_string(m.get(), IFLA_IFNAME, name.c_str()) < 0) return false;
  bool on = false;
  transact(h, m.get(), [&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != RTM_NEWLINK) return;
    nlattr* tb[IFLA_MAX + 1];
    if (nlmsg_parse(const_cast<nlmsghdr*>(hdr), sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 ||
        !tb[IFLA_LINKINFO])
      return;
    nlattr* info[IFLA_INFO_MAX + 1];
    if (nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) < 0 ||
        !info[IFLA_INFO_DATA])
      return;
    nlattr* br[IFLA_BR_MAX + 1];
    if (nla_parse_nested(br, IFLA_BR_MAX, info[IFLA_INFO_DATA], nullptr) == 0 &&
        br[IFLA_BR_VLAN_FILTERING])
      on = nla_get_u8(br[IFLA_BR_VLAN_FILTERING]) == 1;
  });
  return on;
}

void probe_in_current_netns(NetnsHandle& h, KernelCapabilities& caps) {
  NewLink veth{"nlp-v0", -1, "veth", 0, "nlp-v1", -1, {}};
  caps.veth = create_link(h, veth).ok();
  caps.bridge = create_link(h, NewLink{"nlp-br0", -1, "bridge", 0, "", -1, {}}).ok();
  NewLink filtering{"nlp-br1", -1, "bridge", 0, "", -1, [](nl_msg* m) {
                      return nla_put_u8(m, IFLA_BR_VLAN_FILTERING, 1) == 0;
                    }};
  caps.bridge_vlan_filtering = create_link(h, filtering).ok() && vlan_filtering_on(h, "nlp-br1");
  caps.vxlan =
      create_link(h, NewLink{"nlp-vx0", -1, "vxlan", 0, "", -1,
                             [](nl_msg* m) { return nla_put_u32(m, IFLA_VXLAN_ID, 42) == 0; }})
          .ok();
  int parent = 0;
  if (caps.veth && link_index(h, "nlp-v0", parent).ok()) {
    // Qdisc kinds for link conditions: a real request each (the modules
    // load on demand, so /proc/modules would not tell).
    RootQdisc tbf{"tbf", kConditionsQdiscHandle, {8000000, 12000, 65536}, {}};
    if (auto m = build_root_qdisc_request(parent, tbf)) caps.tbf = transact(h, m.get()).ok();
    RootQdisc netem{"netem", kConditionsQdiscHandle, {}, {}};
    netem.netem.loss = 10000;
    if (auto m = build_root_qdisc_request(parent, netem)) caps.netem = transact(h, m.get()).ok();
    caps.vlan_8021q =
        create_link(h, NewLink{"nlp-vl0", -1, "vlan", parent, "", -1,
                               [](nl_msg* m) { return nla_put_u16(m, IFLA_VLAN_ID, 10) == 0; }})
            .ok();
    caps.macvlan =
        create_link(h, NewLink{"nlp-mv0", -1, "macvlan", parent, "", -1,
                               [](nl_msg* m) {
                                 return nla_put_u32(m, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE) == 0;
                               }})
            .ok();
  }
}

}  // namespace

KernelCapabilities probe_capabilities() {
  KernelCapabilities caps;
  try {
    std::thread t([&] {
      if (unshare(CLONE_NEWNET) != 0) return;
      auto sock = open_route_socket();
      if (!sock) return;
      NetnsHandle h;
      h.name = "(probe)";
      h.sock = std::move(*sock);
      probe_in_current_netns(h, caps);
      // Closing the last socket and ending the thread drops the namespace
      // and everything probed in it.
    });
    t.join();
  } catch (const std::system_error&) {
  }
  return caps;
}

}  // namespace netlab::nl
