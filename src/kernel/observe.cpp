#include "kernel/observe.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "core/parallel_for.hpp"
#include "kernel/link_ops.hpp"
#include "kernel/nl_error.hpp"
#include "kernel/sysctl.hpp"

namespace netlab::nl {
namespace {

// What observation of one namespace leaves for the cross-namespace pass.
struct PeerRef {
  std::string link;  // our link's name
  int ifindex = 0;   // our link's ifindex
  int peer_ifindex = 0;
  int netnsid = -1;       // -1 = peer in the same namespace
  bool resolved = false;  // peer found by the pair matching
};

struct Observed {
  std::shared_ptr<NetnsHandle> handle;
  NamespaceState* state = nullptr;
  std::map<int, std::string> names;  // ifindex -> name
  std::vector<PeerRef> peers;
};

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

// Namespaces are read on this many threads: dumps of different namespaces
// overlap, but every rtnetlink dump round holds RTNL, so threads beyond the
// cores only spin on that mutex. Measured on 2 cores with 1000 namespaces
// after the raw dumps: 2 threads 111-127 ms, 3: 107-133, 4: 125-134,
// 6: 122-146 (before them, with libnl caches: 1 thread 400-480, 4: 250-280).
int observe_threads() {
  static const int n = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 2, 4);
  return n;
}

// ---- raw dumps --------------------------------------------------------------
// The namespace's links, addresses and routes are read with plain netlink
// dumps parsed here rather than through libnl's caches: the link dump asks
// the kernel to skip the per-link statistics (RTEXT_FILTER_SKIP_STATS, the
// costliest part of filling a link message) and no libnl object is allocated
// per entry. Measured on a no-op `up` of 1000 namespaces: see
// docs/performance.md.

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

// One link of the dump, before ifindexes are turned into names.
struct RawLink {
  LinkState state;
  int master = 0;
  int link = 0;      // IFLA_LINK: veth peer / vlan parent ifindex
  int netnsid = -1;  // IFLA_LINK_NETNSID: `link` lives in that namespace
  int vlan_id = -1;
};

std::optional<RawLink> parse_link_message(const ifinfomsg& ifi, nlattr** tb) {
  RawLink r;
  LinkState& ls = r.state;
  ls.name = attr_string(tb[IFLA_IFNAME]);
  if (ls.name.empty()) return std::nullopt;
  ls.ifindex = ifi.ifi_index;
  ls.up = (ifi.ifi_flags & IFF_UP) != 0;
  ls.mtu = static_cast<int>(attr_u32(tb[IFLA_MTU]));
  if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
    std::array<std::uint8_t, 6> mac{};
    std::memcpy(mac.data(), nla_data(tb[IFLA_ADDRESS]), 6);
    ls.mac = format_mac(mac);
  }
  ls.alias = attr_string(tb[IFLA_IFALIAS]);
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
    }
  }
  ls.kind = kind_of(ls.kind_text, ifi.ifi_type);
  return r;
}

// Dumps `type` (the request's family header is `request`) and calls
// on_entry(header, attributes) for every reply of `reply_type` whose
// attributes (up to kMaxAttr) parse.
template <int kMaxAttr, class Hdr, class OnEntry>
Status dump_entries(nl_sock* sk, int type, int reply_type, const Hdr& request,
                    std::uint32_t ext_mask, const std::string& what, OnEntry on_entry) {
  auto m = new_request(type, NLM_F_REQUEST | NLM_F_DUMP, request);
  if (!m || (ext_mask && nla_put_u32(m.get(), IFLA_EXT_MASK, ext_mask) < 0))
    return kernel_error(what, ENOMEM);
  Reply r = transact(sk, m.get(), [&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != reply_type) return;
    nlattr* tb[kMaxAttr + 1];
    if (nlmsg_parse(const_cast<nlmsghdr*>(hdr), sizeof(Hdr), tb, kMaxAttr, nullptr) < 0) return;
    on_entry(*static_cast<const Hdr*>(nlmsg_data(hdr)), tb);
  });
  if (!r.ok()) return kernel_error(what, r.err);
  return {};
}

Status read_links(nl_sock* sk, Observed& ob, const std::string& where) {
  std::vector<RawLink> raw;
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  auto st =
      dump_entries<IFLA_MAX>(sk, RTM_GETLINK, RTM_NEWLINK, ifi, RTEXT_FILTER_SKIP_STATS,
                             "list links in " + where, [&](const ifinfomsg& msg, nlattr** tb) {
                               if (auto l = parse_link_message(msg, tb))
                                 raw.push_back(std::move(*l));
                             });
  if (!st.ok()) return st;
  for (const auto& r : raw) ob.names[r.state.ifindex] = r.state.name;
  NamespaceState& ns = *ob.state;
  for (auto& r : raw) {
    LinkState& ls = r.state;
    bool other_ns = r.netnsid >= 0;
    if (auto m = ob.names.find(r.master); r.master > 0 && m != ob.names.end())
      ls.master = m->second;
    if (ls.kind == LinkKind::Veth && r.link > 0)
      ob.peers.push_back({ls.name, ls.ifindex, r.link, r.netnsid, false});
    if (ls.kind == LinkKind::Vlan) {
      ls.vlan_id = std::max(r.vlan_id, 0);
      if (auto p = ob.names.find(r.link); !other_ns && p != ob.names.end())
        ls.vlan_parent = p->second;
    }
    std::string name = ls.name;
    ns.links[name] = std::move(ls);
  }
  return {};
}

Status read_addresses(nl_sock* sk, Observed& ob, const std::string& where) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_UNSPEC;
  NamespaceState& ns = *ob.state;
  return dump_entries<IFA_MAX>(
      sk, RTM_GETADDR, RTM_NEWADDR, ifa, 0, "list addresses in " + where,
      [&](const ifaddrmsg& a, nlattr** tb) {
        // IFA_LOCAL is the interface's own address where it differs from
        // IFA_ADDRESS (the peer, on point-to-point links); IPv6 has only IFA_ADDRESS.
        auto ip = attr_ip(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], a.ifa_family);
        auto it = ob.names.find(static_cast<int>(a.ifa_index));
        if (!ip || is_v6_link_local(*ip) || it == ob.names.end()) return;
        auto link = ns.links.find(it->second);
        if (link == ns.links.end()) return;
        IpPrefix prefix{*ip, a.ifa_prefixlen};
        link->second.addresses.push_back(prefix);
        // IFA_FLAGS holds all 32 flag bits; ifa_flags only the first 8.
        std::uint32_t flags = tb[IFA_FLAGS] ? attr_u32(tb[IFA_FLAGS]) : a.ifa_flags;
        // A DAD failure leaves IFA_F_TENTATIVE set too: report it as failed only.
        if (flags & IFA_F_DADFAILED)
          link->second.dad_failed.push_back(prefix);
        else if (flags & IFA_F_TENTATIVE)
          link->second.tentative.push_back(prefix);
      });
}

Status read_routes(nl_sock* sk, Observed& ob, const std::string& where) {
  rtmsg rtm{};
  rtm.rtm_family = AF_UNSPEC;
  NamespaceState& ns = *ob.state;
  return dump_entries<RTA_MAX>(
      sk, RTM_GETROUTE, RTM_NEWROUTE, rtm, 0, "list routes in " + where,
      [&](const rtmsg& r, nlattr** tb) {
        std::uint32_t table = tb[RTA_TABLE] ? attr_u32(tb[RTA_TABLE]) : r.rtm_table;
        if (table != RT_TABLE_MAIN || r.rtm_type != RTN_UNICAST) return;
        if (r.rtm_family != AF_INET && r.rtm_family != AF_INET6) return;
        RouteState rs;
        rs.family = r.rtm_family == AF_INET ? 4 : 6;
        if (r.rtm_dst_len > 0) {
          if (auto ip = attr_ip(tb[RTA_DST], r.rtm_family))
            rs.dst = IpPrefix{*ip, r.rtm_dst_len}.network();
        }
        // The first next hop: RTA_OIF/RTA_GATEWAY, or the first of RTA_MULTIPATH.
        int oif = static_cast<int>(attr_u32(tb[RTA_OIF]));
        const nlattr* gateway = tb[RTA_GATEWAY];
        if (tb[RTA_MULTIPATH] &&
            nla_len(tb[RTA_MULTIPATH]) >= static_cast<int>(sizeof(rtnexthop))) {
          const auto* nh = static_cast<const rtnexthop*>(nla_data(tb[RTA_MULTIPATH]));
          int nh_len = std::min<int>(nh->rtnh_len, nla_len(tb[RTA_MULTIPATH]));
          oif = nh->rtnh_ifindex;
          gateway = nullptr;
          nlattr* nh_tb[RTA_MAX + 1];
          int attrs_len = nh_len - static_cast<int>(RTNH_LENGTH(0));
          if (attrs_len > 0 && nla_parse(nh_tb, RTA_MAX, reinterpret_cast<nlattr*>(RTNH_DATA(nh)),
                                         attrs_len, nullptr) == 0)
            gateway = nh_tb[RTA_GATEWAY];
        }
        rs.gateway = attr_ip(gateway, r.rtm_family);
        if (auto it = ob.names.find(oif); oif > 0 && it != ob.names.end()) rs.dev = it->second;
        rs.protocol = r.rtm_protocol;
        rs.scope = r.rtm_scope;
        ns.routes.push_back(std::move(rs));
      });
}

Status observe_one(Observed& ob) {
  NetnsHandle& h = *ob.handle;
  const std::string where = object_in("namespace", h.name);
  std::lock_guard lock(h.mu);
  nl_sock* sk = h.sock.get();
  if (auto st = read_links(sk, ob, where); !st.ok()) return st;
  if (auto st = read_addresses(sk, ob, where); !st.ok()) return st;
  return read_routes(sk, ob, where);
}

// Peers in other namespaces are known only by the id the observing namespace
// gives the peer's namespace (IFLA_LINK_NETNSID), and asking a namespace for
// an id (RTM_GETNSID) makes the kernel walk every id that namespace has
// given: the root namespace of a 1000-namespace lab has 1000, so asking from
// the root for each of its peers was quadratic. Instead:
// 1. Both ends observed: a veth end whose peer index is the other end's index
//    and the other way round is a candidate pair; one id query from the end
//    with fewer foreign peers (not the root) confirms it, and fills in both
//    ends, since veth peering is symmetric.
// 2. The ends left (peer in a namespace not observed, or indexes that did not
//    pair) ask each candidate namespace's id, as before.
void resolve_peers(std::vector<Observed>& obs, const std::vector<std::string>& all_namespaces) {
  struct End {
    std::size_t ob;
    std::size_t peer;  // index into obs[ob].peers
  };
  // (ifindex, peer ifindex) of every end whose peer is in another namespace.
  std::map<std::pair<int, int>, std::vector<End>> by_indexes;
  for (std::size_t i = 0; i < obs.size(); ++i)
    for (std::size_t k = 0; k < obs[i].peers.size(); ++k)
      if (const PeerRef& p = obs[i].peers[k]; p.netnsid >= 0)
        by_indexes[{p.ifindex, p.peer_ifindex}].push_back({i, k});
  auto asks_first = [&](std::size_t a, std::size_t b) {
    return std::pair(obs[a].peers.size(), a) < std::pair(obs[b].peers.size(), b);
  };

  std::vector<std::vector<std::pair<End, End>>> pairs(obs.size());
  parallel_for(obs.size(), observe_threads(), [&](std::size_t i) {
    Observed& ob = obs[i];
    std::map<std::size_t, int> id_of;  // obs index -> the id ob gives it
    for (std::size_t k = 0; k < ob.peers.size(); ++k) {
      const PeerRef& p = ob.peers[k];
      if (p.netnsid < 0) continue;
      auto c = by_indexes.find({p.peer_ifindex, p.ifindex});
      if (c == by_indexes.end()) continue;
      for (const End& other : c->second) {
        if (other.ob == i || !asks_first(i, other.ob)) continue;
        auto known = id_of.find(other.ob);
        if (known == id_of.end()) {
          int id = -1;
          if (!peer_netns_id(*ob.handle, obs[other.ob].handle->fd.get(), id).ok()) id = -1;
          known = id_of.emplace(other.ob, id).first;
        }
        if (known->second == p.netnsid) {
          pairs[i].push_back({End{i, k}, other});
          break;
        }
      }
    }
  });
  for (const auto& list : pairs) {
    for (const auto& [a, b] : list) {
      PeerRef& pa = obs[a.ob].peers[a.peer];
      PeerRef& pb = obs[b.ob].peers[b.peer];
      LinkState& la = obs[a.ob].state->links[pa.link];
      LinkState& lb = obs[b.ob].state->links[pb.link];
      la.peer_ns = obs[b.ob].handle->name, la.peer_name = pb.link, la.peer_known = true;
      lb.peer_ns = obs[a.ob].handle->name, lb.peer_name = pa.link, lb.peer_known = true;
      pa.resolved = pb.resolved = true;
    }
  }

  std::map<std::string, Observed*> by_name;
  for (auto& ob : obs) by_name[ob.handle->name] = &ob;
  parallel_for(obs.size(), observe_threads(), [&](std::size_t i) {
    Observed& ob = obs[i];
    std::set<int> needed;
    for (const auto& p : ob.peers)
      if (p.netnsid >= 0 && !p.resolved) needed.insert(p.netnsid);
    std::map<int, std::string> ns_of_id;
    auto try_candidate = [&](const std::string& name, int fd) {
      if (needed.empty() || name == ob.handle->name) return;
      int id = -1;
      if (peer_netns_id(*ob.handle, fd, id).ok() && needed.erase(id)) ns_of_id[id] = name;
    };
    for (auto& other : obs) try_candidate(other.handle->name, other.handle->fd.get());
    for (const auto& name : all_namespaces) {
      if (needed.empty()) break;
      if (by_name.count(name)) continue;
      Fd fd(open((std::string(kNetnsRunDir) + "/" + name).c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.valid()) try_candidate(name, fd.get());
    }
    for (const auto& p : ob.peers) {
      if (p.resolved) continue;
      LinkState& ls = ob.state->links[p.link];
      if (p.netnsid < 0) {
        ls.peer_ns = ob.handle->name;
        auto it = ob.names.find(p.peer_ifindex);
        if (it != ob.names.end()) ls.peer_name = it->second, ls.peer_known = true;
        continue;
      }
      auto id = ns_of_id.find(p.netnsid);
      if (id == ns_of_id.end()) continue;  // a namespace without a name under /run/netns
      ls.peer_ns = id->second;
      auto peer_ob = by_name.find(id->second);
      if (peer_ob == by_name.end()) continue;  // not observed
      // Only reads the other namespace's ifindex -> name map, written before.
      auto it = peer_ob->second->names.find(p.peer_ifindex);
      if (it != peer_ob->second->names.end()) ls.peer_name = it->second, ls.peer_known = true;
    }
  });
}

}  // namespace

Reply peer_netns_id(NetnsHandle& observer, int target_fd, int& nsid) {
  nsid = -1;
  rtgenmsg g{};
  g.rtgen_family = AF_UNSPEC;
  auto m = new_request(RTM_GETNSID, NLM_F_REQUEST, g);
  if (!m || nla_put_u32(m.get(), NETNSA_FD, static_cast<std::uint32_t>(target_fd)) < 0)
    return Reply{EMSGSIZE, ""};
  return transact(observer, m.get(), [&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != RTM_NEWNSID) return;
    nlattr* tb[NETNSA_MAX + 1];
    if (nlmsg_parse(const_cast<nlmsghdr*>(hdr), sizeof(rtgenmsg), tb, NETNSA_MAX, nullptr) == 0 &&
        tb[NETNSA_NSID])
      nsid = static_cast<std::int32_t>(nla_get_u32(tb[NETNSA_NSID]));
  });
}

Result<KernelState> observe(NetnsStore& store, const std::vector<std::string>& namespaces,
                            const std::vector<std::string>& sysctl_keys) {
  KernelState ks;
  auto all = store.list();
  if (!all) return all.error();
  ks.all_namespaces = *all;

  // Each namespace is read through its own socket, so the namespaces are
  // read in parallel (opening a namespace's socket included); the results go
  // to slots fixed beforehand, in name order.
  std::set<std::string> wanted(namespaces.begin(), namespaces.end());
  wanted.erase("");
  std::vector<std::string> names(wanted.begin(), wanted.end());
  std::vector<Observed> obs(names.size() + 1);
  std::vector<Status> status(obs.size());
  std::vector<std::vector<Error>> sysctl_errors(obs.size());
  obs[0] = {store.root(), &ks.root, {}, {}};
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto& st = ks.namespaces[names[i]];
    st.name = names[i];
    obs[i + 1].state = &st;
  }
  parallel_for(obs.size(), observe_threads(), [&](std::size_t i) {
    Observed& ob = obs[i];
    if (!ob.handle) {
      auto h = store.get(names[i - 1]);
      if (!h) {
        // Absent (ENOENT), or a plain file left by a create interrupted
        // before its bind mount (EINVAL): simply not reported.
        if (h.error().sys_errno != ENOENT && h.error().sys_errno != EINVAL) status[i] = h.error();
        return;
      }
      ob.handle = *h;
    }
    status[i] = observe_one(ob);
    if (status[i].ok())
      ob.state->sysctls = read_sysctls(*ob.handle, sysctl_keys, &sysctl_errors[i]);
  });
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (!status[i].ok()) return status[i].error();
    if (!sysctl_errors[i].empty()) return sysctl_errors[i].front();
  }
  // Namespaces that turned out absent are not reported.
  for (std::size_t i = obs.size(); i-- > 1;) {
    if (obs[i].handle) continue;
    ks.namespaces.erase(names[i - 1]);
    obs.erase(obs.begin() + static_cast<std::ptrdiff_t>(i));
  }

  resolve_peers(obs, ks.all_namespaces);
  return ks;
}

}  // namespace netlab::nl
