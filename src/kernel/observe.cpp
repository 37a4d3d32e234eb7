#include "kernel/observe.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "core/parallel_for.hpp"
#include "kernel/link_ops.hpp"
#include "kernel/nl_error.hpp"
#include "kernel/sysctl.hpp"

namespace netlab::nl {
namespace {

// What observation of one namespace leaves for the cross-namespace pass.
struct PeerRef {
  std::string link;  // our link's name
  int peer_ifindex = 0;
  int netnsid = -1;  // -1 = peer in the same namespace
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

std::optional<IpAddress> to_ip(nl_addr* a) {
  if (!a) return std::nullopt;
  IpAddress ip;
  int fam = nl_addr_get_family(a);
  unsigned len = nl_addr_get_len(a);
  if (fam == AF_INET && len == 4)
    ip.family = 4;
  else if (fam == AF_INET6 && len == 16)
    ip.family = 6;
  else
    return std::nullopt;
  std::memcpy(ip.bytes.data(), nl_addr_get_binary_addr(a), len);
  return ip;
}

bool is_v6_link_local(const IpAddress& a) {
  return a.family == 6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

// Namespaces are read on this many threads: most of the time is spent in the
// kernel, and dumps of different namespaces overlap. Measured on 2 cores with
// 1000 namespaces: 1 thread 400-480 ms, 2 threads ~300 ms, 4 threads 250-280 ms.
constexpr int kObserveThreads = 4;

template <class T, class F>
void for_each(nl_cache* cache, F f) {
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
    f(reinterpret_cast<T*>(o));
}

Status observe_one(Observed& ob) {
  NetnsHandle& h = *ob.handle;
  NamespaceState& st = *ob.state;
  const std::string where = object_in("namespace", h.name);
  std::lock_guard lock(h.mu);
  nl_sock* sk = h.sock.get();

  nl_cache* raw = nullptr;
  if (int r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &raw); r < 0)
    return kernel_error("list links in " + where, nle_to_errno(r));
  CachePtr links(raw);
  for_each<rtnl_link>(links.get(), [&](rtnl_link* l) {
    ob.names[rtnl_link_get_ifindex(l)] = rtnl_link_get_name(l);
  });
  for_each<rtnl_link>(links.get(), [&](rtnl_link* l) {
    LinkState ls;
    ls.name = rtnl_link_get_name(l);
    const char* type = rtnl_link_get_type(l);
    ls.kind_text = type ? type : "";
    ls.kind = kind_of(ls.kind_text, rtnl_link_get_arptype(l));
    ls.ifindex = rtnl_link_get_ifindex(l);
    ls.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
    ls.mtu = static_cast<int>(rtnl_link_get_mtu(l));
    if (nl_addr* a = rtnl_link_get_addr(l); a && nl_addr_get_len(a) == 6) {
      std::array<std::uint8_t, 6> mac{};
      std::memcpy(mac.data(), nl_addr_get_binary_addr(a), 6);
      ls.mac = format_mac(mac);
    }
    if (const char* alias = rtnl_link_get_ifalias(l)) ls.alias = alias;
    if (int m = rtnl_link_get_master(l); m > 0 && ob.names.count(m)) ls.master = ob.names[m];
    std::int32_t nsid = -1;
    bool other_ns = rtnl_link_get_link_netnsid(l, &nsid) == 0 && nsid >= 0;
    if (ls.kind == LinkKind::Veth && rtnl_link_get_link(l) > 0)
      ob.peers.push_back({ls.name, rtnl_link_get_link(l), other_ns ? nsid : -1});
    if (ls.kind == LinkKind::Vlan && rtnl_link_is_vlan(l)) {
      ls.vlan_id = rtnl_link_vlan_get_id(l);
      if (!other_ns && ob.names.count(rtnl_link_get_link(l)))
        ls.vlan_parent = ob.names[rtnl_link_get_link(l)];
    }
    st.links[ls.name] = std::move(ls);
  });

  raw = nullptr;
  if (int r = rtnl_addr_alloc_cache(sk, &raw); r < 0)
    return kernel_error("list addresses in " + where, nle_to_errno(r));
  CachePtr addrs(raw);
  for_each<rtnl_addr>(addrs.get(), [&](rtnl_addr* a) {
    auto ip = to_ip(rtnl_addr_get_local(a));
    auto it = ob.names.find(rtnl_addr_get_ifindex(a));
    if (!ip || is_v6_link_local(*ip) || it == ob.names.end()) return;
    auto link = st.links.find(it->second);
    if (link == st.links.end()) return;
    IpPrefix prefix{*ip, rtnl_addr_get_prefixlen(a)};
    link->second.addresses.push_back(prefix);
    // A DAD failure leaves IFA_F_TENTATIVE set too: report it as failed only.
    unsigned flags = rtnl_addr_get_flags(a);
    if (flags & IFA_F_DADFAILED)
      link->second.dad_failed.push_back(prefix);
    else if (flags & IFA_F_TENTATIVE)
      link->second.tentative.push_back(prefix);
  });

  raw = nullptr;
  if (int r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &raw); r < 0)
    return kernel_error("list routes in " + where, nle_to_errno(r));
  CachePtr routes(raw);
  for_each<rtnl_route>(routes.get(), [&](rtnl_route* r) {
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST) return;
    int fam = rtnl_route_get_family(r);
    if (fam != AF_INET && fam != AF_INET6) return;
    RouteState rs;
    rs.family = fam == AF_INET ? 4 : 6;
    nl_addr* dst = rtnl_route_get_dst(r);
    if (dst && nl_addr_get_prefixlen(dst) > 0) {
      if (auto ip = to_ip(dst))
        rs.dst = IpPrefix{*ip, static_cast<int>(nl_addr_get_prefixlen(dst))}.network();
    }
    if (rtnl_route_get_nnexthops(r) > 0) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
      rs.gateway = to_ip(rtnl_route_nh_get_gateway(nh));
      auto it = ob.names.find(rtnl_route_nh_get_ifindex(nh));
      if (it != ob.names.end()) rs.dev = it->second;
    }
    rs.protocol = rtnl_route_get_protocol(r);
    rs.scope = rtnl_route_get_scope(r);
    st.routes.push_back(std::move(rs));
  });
  return {};
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
  parallel_for(obs.size(), kObserveThreads, [&](std::size_t i) {
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

  // Peers in other namespaces are known only by the netns id the observing
  // namespace gives the peer's namespace: ask each candidate namespace's id
  // until all ids seen are resolved.
  std::map<std::string, Observed*> by_name;
  for (auto& ob : obs) by_name[ob.handle->name] = &ob;
  parallel_for(obs.size(), kObserveThreads, [&](std::size_t i) {
    Observed& ob = obs[i];
    std::set<int> needed;
    for (const auto& p : ob.peers)
      if (p.netnsid >= 0) needed.insert(p.netnsid);
    std::map<int, std::string> ns_of_id;
    auto try_candidate = [&](const std::string& name, int fd) {
      if (needed.empty() || name == ob.handle->name) return;
      int id = -1;
      if (peer_netns_id(*ob.handle, fd, id).ok() && needed.erase(id)) ns_of_id[id] = name;
    };
    for (auto& other : obs) try_candidate(other.handle->name, other.handle->fd.get());
    for (const auto& name : ks.all_namespaces) {
      if (needed.empty()) break;
      if (by_name.count(name)) continue;
      Fd fd(open((std::string(kNetnsRunDir) + "/" + name).c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.valid()) try_candidate(name, fd.get());
    }
    for (const auto& p : ob.peers) {
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
  return ks;
}

}  // namespace netlab::nl
