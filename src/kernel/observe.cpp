#include "kernel/observe.hpp"

#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "core/parallel_for.hpp"
#include "kernel/link_ops.hpp"
#include "kernel/netns_file.hpp"
#include "kernel/nl_error.hpp"
#include "kernel/observe_parse.hpp"
#include "kernel/qdisc_ops.hpp"
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
  /// Only some links were read (ObserveOptions::root_links): routes on the
  /// others are left out rather than reported without their device.
  bool some_links = false;
  /// A link read has a root qdisc other than the kernel's defaults
  /// (RawLink::root_qdisc_set): the namespace's qdiscs are dumped.
  bool qdiscs = false;
  /// The addresses and routes read to find those links: not dumped again.
  std::optional<std::vector<RawAddress>> addresses;
  std::optional<std::vector<RawRoute>> routes;
};

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

// Dumps `type` (the request's family header is `request`) and calls
// on_reply(message) for every reply message.
template <class Hdr, class OnReply>
Status dump(nl_sock* sk, int type, const Hdr& request, std::uint32_t ext_mask,
            const std::string& what, OnReply on_reply) {
  auto m = new_request(type, NLM_F_REQUEST | NLM_F_DUMP, request);
  if (!m || (ext_mask && nla_put_u32(m.get(), IFLA_EXT_MASK, ext_mask) < 0))
    return kernel_error(what, ENOMEM);
  Reply r = transact(sk, m.get(), [&](const nlmsghdr* hdr) { on_reply(*hdr); });
  if (!r.ok()) return kernel_error(what, r.err);
  return {};
}

// Names the raw links and adds them to the namespace's state: masters, veth
// peers (for resolve_peers) and vlan parents by index.
void add_links(std::vector<RawLink>& raw, Observed& ob) {
  for (const auto& r : raw) ob.names[r.state.ifindex] = r.state.name;
  NamespaceState& ns = *ob.state;
  for (auto& r : raw) {
    ob.qdiscs |= r.root_qdisc_set;
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
}

Status read_links(nl_sock* sk, Observed& ob, const std::string& where) {
  std::vector<RawLink> raw;
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  auto st = dump(sk, RTM_GETLINK, ifi, RTEXT_FILTER_SKIP_STATS, "list links in " + where,
                 [&](const nlmsghdr& msg) {
                   if (auto l = parse_link(msg)) raw.push_back(std::move(*l));
                 });
  if (!st.ok()) return st;
  add_links(raw, ob);
  return {};
}

// One link, by name (ifindex 0) or by index: nullopt when absent (ENODEV).
Result<std::optional<RawLink>> get_link(nl_sock* sk, int ifindex, const std::string& name,
                                        const std::string& where) {
  std::string what =
      "read link " + (name.empty() ? "#" + std::to_string(ifindex) : name) + " in " + where;
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  auto m = new_request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifi);
  if (!m || (!name.empty() && nla_put_string(m.get(), IFLA_IFNAME, name.c_str()) < 0) ||
      nla_put_u32(m.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0)
    return kernel_error(what, ENOMEM);
  std::optional<RawLink> link;
  Reply r = transact(sk, m.get(), [&](const nlmsghdr* hdr) {
    if (auto l = parse_link(*hdr)) link = std::move(*l);
  });
  if (r.err == ENODEV) return std::optional<RawLink>{};
  if (!r.ok()) return kernel_error(what, r.err);
  return link;
}

// Addresses and routes are dumped per family, IPv4 then IPv6: an AF_UNSPEC
// dump goes through rtnl_dump_all, which holds RTNL for every family's part,
// while each family's own dump runs without it (RTNL_FLAG_DUMP_UNLOCKED,
// Linux 6.9 on). One round trip more per namespace, but the observing
// threads no longer wait for each other: 1000 namespaces, 2 threads,
// bench/observe_floor 54 -> 46 ms, netlab's observe 76 -> 69 ms (medians of
// 15). On an older kernel both hold RTNL alike.
constexpr unsigned char kFamilies[] = {AF_INET, AF_INET6};

Status dump_addresses(nl_sock* sk, std::vector<RawAddress>& out, const std::string& where) {
  for (unsigned char family : kFamilies) {
    ifaddrmsg ifa{};
    ifa.ifa_family = family;
    auto st = dump(sk, RTM_GETADDR, ifa, 0, "list addresses in " + where, [&](const nlmsghdr& msg) {
      // A kernel without the family answers with every family (PF_UNSPEC).
      if (auto a = parse_address(msg); a && (a->prefix.address.family == 4) == (family == AF_INET))
        out.push_back(std::move(*a));
    });
    if (!st.ok()) return st;
  }
  return {};
}

Status dump_routes(nl_sock* sk, std::vector<RawRoute>& out, const std::string& where) {
  for (unsigned char family : kFamilies) {
    rtmsg rtm{};
    rtm.rtm_family = family;
    auto st = dump(sk, RTM_GETROUTE, rtm, 0, "list routes in " + where, [&](const nlmsghdr& msg) {
      if (auto r = parse_route(msg); r && (r->route.family == 4) == (family == AF_INET))
        out.push_back(std::move(*r));
    });
    if (!st.ok()) return st;
  }
  return {};
}

Status read_addresses(nl_sock* sk, Observed& ob, const std::string& where) {
  if (!ob.addresses) {
    ob.addresses.emplace();
    if (auto st = dump_addresses(sk, *ob.addresses, where); !st.ok()) return st;
  }
  NamespaceState& ns = *ob.state;
  for (const auto& a : *ob.addresses) {
    auto it = ob.names.find(a.ifindex);
    if (it == ob.names.end()) continue;
    auto link = ns.links.find(it->second);
    if (link == ns.links.end()) continue;
    link->second.addresses.push_back(a.prefix);
    if (a.dad_failed) link->second.dad_failed.push_back(a.prefix);
    if (a.tentative) link->second.tentative.push_back(a.prefix);
  }
  return {};
}

Status read_routes(nl_sock* sk, Observed& ob, const std::string& where) {
  if (!ob.routes) {
    ob.routes.emplace();
    if (auto st = dump_routes(sk, *ob.routes, where); !st.ok()) return st;
  }
  NamespaceState& ns = *ob.state;
  for (auto& r : *ob.routes) {
    auto it = ob.names.find(r.oif);
    if (r.oif > 0 && it != ob.names.end())
      r.route.dev = it->second;
    else if (r.oif > 0 && ob.some_links)
      continue;
    ns.routes.push_back(std::move(r.route));
  }
  return {};
}

// Root qdiscs other than the default (link conditions): one more dump, only
// where a link's IFLA_QDISC named one. The host namespaces of a lab have
// veths and lo only, whose default is noqueue: without the dump, each takes
// one round trip less, and one less that holds RTNL (tc dumps still do),
// which the other observing threads wait for (1000 namespaces: 75 -> 69 ms).
Status read_qdiscs(nl_sock* sk, Observed& ob, const std::string& where) {
  if (!ob.qdiscs) return {};
  Reply r = read_root_qdiscs(sk, [&](const RawQdisc& q) {
    auto it = ob.names.find(q.ifindex);
    if (it == ob.names.end()) return;
    auto link = ob.state->links.find(it->second);
    if (link != ob.state->links.end()) link->second.qdisc = q.qdisc;
  });
  if (!r.ok()) return kernel_error("list qdiscs in " + where, r.err);
  return {};
}

// The links named (see ObserveOptions::root_links), then the ones the
// addresses and routes of the namespace are on and the bridges of those read:
// one request each, where a dump would fill every link of the namespace.
Status read_links_by_name(nl_sock* sk, Observed& ob, const std::vector<std::string>& wanted,
                          const std::string& where) {
  std::vector<RawLink> raw;
  std::set<int> have;
  auto get = [&](int ifindex, const std::string& name) -> Status {
    auto l = get_link(sk, ifindex, name, where);
    if (!l.ok()) return l.error();
    if (*l && have.insert((*l)->state.ifindex).second) raw.push_back(std::move(**l));
    return {};
  };
  for (const auto& name : std::set<std::string>(wanted.begin(), wanted.end()))
    // A name the kernel cannot hold names no link (IFNAMSIZ).
    if (!name.empty() && name.size() < 16)
      if (auto st = get(0, name); !st.ok()) return st;
  // Kept for read_addresses and read_routes, which would dump them again.
  std::set<int> more;
  ob.addresses.emplace();
  if (auto st = dump_addresses(sk, *ob.addresses, where); !st.ok()) return st;
  for (const auto& a : *ob.addresses) more.insert(a.ifindex);
  ob.routes.emplace();
  if (auto st = dump_routes(sk, *ob.routes, where); !st.ok()) return st;
  for (const auto& r : *ob.routes) {
    // Not the fe80::/64 route every link with IPv6 has: on the other labs'
    // 1000 root ends, those would bring the cost of the dump back.
    if (r.oif <= 0) continue;
    const auto& dst = r.route.dst;
    bool link_local = r.route.family == 6 && dst && dst->address.bytes[0] == 0xfe &&
                      (dst->address.bytes[1] & 0xc0) == 0x80;
    if (!link_local) more.insert(r.oif);
  }
  for (int ifindex : more)
    if (!have.count(ifindex))
      if (auto st = get(ifindex, ""); !st.ok()) return st;
  // The bridge of every link read, named or found above.
  std::set<int> masters;
  for (const auto& r : raw)
    if (r.master > 0 && !have.count(r.master)) masters.insert(r.master);
  for (int ifindex : masters)
    if (auto st = get(ifindex, ""); !st.ok()) return st;
  ob.some_links = true;
  add_links(raw, ob);
  return {};
}

Status observe_one(Observed& ob, const std::optional<std::vector<std::string>>& by_name) {
  NetnsHandle& h = *ob.handle;
  const std::string where = object_in("namespace", h.name);
  std::lock_guard lock(h.mu);
  nl_sock* sk = h.sock.get();
  Status links = by_name ? read_links_by_name(sk, ob, *by_name, where) : read_links(sk, ob, where);
  if (!links.ok()) return links;
  if (auto st = read_addresses(sk, ob, where); !st.ok()) return st;
  if (auto st = read_qdiscs(sk, ob, where); !st.ok()) return st;
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
//    pair) ask each observed namespace's id, and with PeerLookup::AllNamespaces
//    then every other namespace's on the machine (the cost that grows with
//    other labs' size, see PeerLookup).
void resolve_peers(std::vector<Observed>& obs, const std::vector<std::string>& all_namespaces,
                   PeerLookup lookup) {
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
  // A pair also tells each end's namespace the id it gives the other: the
  // ids needed no question any more.
  std::vector<std::map<int, std::size_t>> known_ids(obs.size());
  for (const auto& list : pairs) {
    for (const auto& [a, b] : list) {
      PeerRef& pa = obs[a.ob].peers[a.peer];
      PeerRef& pb = obs[b.ob].peers[b.peer];
      known_ids[a.ob][pa.netnsid] = b.ob;
      known_ids[b.ob][pb.netnsid] = a.ob;
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
    std::set<std::size_t> id_known;  // obs whose id in ob is known from a pair
    for (const auto& [id, other] : known_ids[i]) {
      id_known.insert(other);
      if (needed.erase(id)) ns_of_id[id] = obs[other].handle->name;
    }
    auto try_candidate = [&](const std::string& name, int fd) {
      if (needed.empty() || name == ob.handle->name) return;
      int id = -1;
      if (peer_netns_id(*ob.handle, fd, id).ok() && needed.erase(id)) ns_of_id[id] = name;
    };
    // Not the namespaces whose id is known: their id is not a needed one.
    // Asking the root of a 1000-namespace lab for each of them, because one
    // root veth of another lab stayed unresolved, was quadratic again.
    for (std::size_t k = 0; k < obs.size(); ++k)
      if (!id_known.count(k)) try_candidate(obs[k].handle->name, obs[k].handle->fd.get());
    for (const auto& name : all_namespaces) {
      if (needed.empty() || lookup == PeerLookup::ObservedOnly) break;
      if (by_name.count(name)) continue;
      if (auto fd = open_netns(name)) try_candidate(name, fd->get());
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
                            const std::vector<std::string>& sysctl_keys,
                            const ObserveOptions& options) {
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
  obs[0].handle = store.root();
  obs[0].state = &ks.root;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto& st = ks.namespaces[names[i]];
    st.name = names[i];
    obs[i + 1].state = &st;
  }
  parallel_for(obs.size(), observe_threads(), [&](std::size_t i) {
    if (i == 0 && !options.root) return;
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
    status[i] = observe_one(ob, i == 0 ? options.root_links : std::nullopt);
    if (status[i].ok())
      ob.state->sysctls =
          read_sysctls(*ob.handle, sysctl_keys, &ob.state->missing_sysctls, &sysctl_errors[i]);
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

  if (!options.root) obs.erase(obs.begin());
  resolve_peers(obs, ks.all_namespaces, options.peers);
  return ks;
}

}  // namespace netlab::nl
