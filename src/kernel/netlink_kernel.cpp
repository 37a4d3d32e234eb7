// The real Kernel: namespaces through NetnsStore, everything else through
// one netlink socket per namespace.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/unique_fd.hpp"
#include "kernel/addr_route_ops.hpp"
#include "kernel/ethtool.hpp"
#include "kernel/link_ops.hpp"
#include "kernel/netns_store.hpp"
#include "kernel/nl_error.hpp"
#include "kernel/observe.hpp"
#include "kernel/probe.hpp"
#include "kernel/qdisc_ops.hpp"
#include "kernel/sysctl.hpp"
#include "netlab/kernel.hpp"

namespace netlab {
namespace {

using nl::NetnsHandle;
using nl::object_in;
using nl::Reply;
using Handle = std::shared_ptr<NetnsHandle>;

// A failed reply as an Error naming the operation.
Error fail(const std::string& op, const Reply& r) { return nl::kernel_error(op, r.err, r.ext); }

// A namespace lookup failure, prefixed with the operation it stopped.
Error fail(const std::string& op, const Error& e) {
  return Error{e.kind, op + ": " + e.message, e.where, e.sys_errno};
}

// Creating a kind the kernel lacks answers EOPNOTSUPP ("Unknown device type").
Error create_fail(const std::string& op, const Reply& r) {
  Error e = fail(op, r);
  if (r.err == EOPNOTSUPP) e.kind = ErrorKind::Unsupported;
  return e;
}

std::string route_text(const RouteRequest& r) {
  std::string s = r.dst ? r.dst->str() : "default";
  if (r.family == 6 && !r.dst) s += " (ipv6)";
  if (r.gateway) s += " via " + r.gateway->str();
  if (!r.dev.empty()) s += " dev " + r.dev;
  return s;
}

// Descriptor table size prepared at start (two descriptors per namespace).
constexpr rlim_t kDescriptorsAhead = 4096;

class NetlinkKernel final : public Kernel {
 public:
  NetlinkKernel() {
    // One socket and one namespace file per namespace: a lab of a thousand
    // hosts needs more descriptors than the usual soft limit of 1024.
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    // Grow the descriptor table now, once, to what a lab of about two
    // thousand namespaces needs. The kernel grows it by doubling, and in a
    // multi-threaded process each growth waits for an RCU grace period while
    // every other thread's open() and socket() wait too: six growths of
    // 20-60 ms each in a 1000-host bench_kernel run.
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
      const rlim_t want = std::min<rlim_t>(rl.rlim_cur, kDescriptorsAhead);
      // Both closed at once: only the table's size stays.
      UniqueFd any(open("/dev/null", O_RDONLY | O_CLOEXEC));
      if (any.valid() && want > 0)
        UniqueFd highest(fcntl(any.get(), F_DUPFD_CLOEXEC, static_cast<int>(want - 1)));
    }
  }

  Result<std::vector<std::string>> list_namespaces() override { return store_.list(); }

  Result<KernelState> observe(const std::vector<std::string>& namespaces,
                              const std::vector<std::string>& sysctl_keys,
                              const ObserveOptions& options = {}) override {
    return nl::observe(store_, namespaces, sysctl_keys, options);
  }

  Status create_namespace(const std::string& ns) override { return store_.create(ns); }
  Status delete_namespace(const std::string& ns) override { return store_.remove(ns); }

  Status create_veth(const VethRequest& req) override {
    const std::string op = "create veth " + object_in(req.name, req.ns) + " <-> " +
                           object_in(req.peer_name, req.peer_ns);
    auto h = store_.get(req.ns);
    if (!h) return fail(op, h.error());
    auto ph = store_.get(req.peer_ns);
    if (!ph) return fail(op, ph.error());
    nl::NewLink link{req.name, (*h)->fd.get(), "veth", 0, req.peer_name, (*ph)->fd.get(), {}};
    // One queue each way per end, as a veth uses by default anyway. Left
    // unset, the kernel allocates and registers one queue per possible CPU
    // for each end, then trims the real count to one again, waiting for an
    // expedited RCU grace period each time while holding the RTNL lock: two
    // waits per pair that serialise every parallel create. The only
    // difference is the ceiling for `ethtool -L` (channels), which netlab
    // does not use.
    link.queues = 1;
    if (Reply r = nl::create_link(**h, link); !r.ok()) return create_fail(op, r);
    if (req.alias.empty()) return {};
    // The kernel ignores IFLA_IFALIAS in a create request: set it right
    // after, and undo the pair if that fails (an unmarked link would be
    // someone else's to netlab).
    nl::SetLink mark;
    mark.alias = req.alias;
    const std::string* marking = &req.name;
    Reply r = nl::set_link(**h, req.name, mark);
    if (r.ok()) {
      marking = &req.peer_name;
      r = nl::set_link(**ph, req.peer_name, mark);
    }
    if (!r.ok()) {
      nl::delete_link(**h, req.name);
      return fail(op + ": set alias of " + *marking, r);
    }
    return {};
  }

  Status create_bridge(const std::string& ns, const std::string& name,
                       const std::string& alias) override {
    return create_simple("create bridge " + object_in(name, ns), ns,
                         nl::NewLink{name, -1, "bridge", 0, "", -1, {}}, alias);
  }

  Status create_vlan(const std::string& ns, const std::string& name, const std::string& parent,
                     int id, const std::string& alias) override {
    const std::string op =
        "create vlan " + object_in(name, ns) + " on " + parent + " id " + std::to_string(id);
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    int parent_index = 0;
    if (Reply r = nl::link_index(**h, parent, parent_index); !r.ok())
      return fail(op + ": parent " + parent, r);
    auto vid = static_cast<std::uint16_t>(id);
    return create_simple(
        op, ns,
        nl::NewLink{name, -1, "vlan", parent_index, "", -1,
                    [vid](nl_msg* m) { return nla_put_u16(m, IFLA_VLAN_ID, vid) == 0; }},
        alias);
  }

  Status create_vxlan(const VxlanRequest& req) override {
    const std::string op = "create vxlan " + object_in(req.name, req.ns) + " id " +
                           std::to_string(req.vni) + " local " + req.local.str() + " remote " +
                           req.remote.str() + " dstport " + std::to_string(req.port);
    if (req.local.family != 4 || req.remote.family != 4)
      return nl::kernel_error(op, EAFNOSUPPORT, "the underlay must be IPv4");
    // Sent on the root namespace's socket with IFLA_NET_NS_FD: the kernel
    // binds the tunnel's UDP socket in the namespace the request came from
    // (the root, where the underlay is) and registers the device in `ns`.
    auto root = store_.get("");
    if (!root) return fail(op, root.error());
    auto h = store_.get(req.ns);
    if (!h) return fail(op, h.error());
    int ns_fd = req.ns.empty() ? -1 : (*h)->fd.get();
    nl::NewLink link{req.name, ns_fd, "vxlan", 0, "", -1, [req](nl_msg* m) {
                       std::uint32_t local = 0, remote = 0;
                       std::memcpy(&local, req.local.bytes.data(), 4);
                       std::memcpy(&remote, req.remote.bytes.data(), 4);
                       return nla_put_u32(m, IFLA_VXLAN_ID, req.vni) == 0 &&
                              nla_put(m, IFLA_VXLAN_LOCAL, 4, &local) == 0 &&
                              nla_put(m, IFLA_VXLAN_GROUP, 4, &remote) == 0 &&
                              nla_put_u16(m, IFLA_VXLAN_PORT,
                                          htons(static_cast<std::uint16_t>(req.port))) == 0;
                     }};
    if (Reply r = nl::create_link(**root, link); !r.ok()) return create_fail(op, r);
    if (req.alias.empty()) return {};
    nl::SetLink mark;
    mark.alias = req.alias;
    if (Reply r = nl::set_link(**h, req.name, mark); !r.ok()) {
      nl::delete_link(**h, req.name);
      return fail(op + ": set alias", r);
    }
    return {};
  }

  Status delete_link(const std::string& ns, const std::string& name) override {
    const std::string op = "delete link " + object_in(name, ns);
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    if (Reply r = nl::delete_link(**h, name); !r.ok()) return fail(op, r);
    return {};
  }

  Status change_link(const std::string& ns, const std::string& name,
                     const LinkChange& change) override {
    std::string op = "set link " + object_in(name, ns);
    if (change.up) op += *change.up ? " up" : " down";
    if (change.mtu) op += " mtu " + std::to_string(*change.mtu);
    if (change.mac) op += " address " + *change.mac;
    if (change.master) op += change.master->empty() ? " nomaster" : " master " + *change.master;
    if (change.alias) op += " alias '" + *change.alias + "'";
    if (change.tx_checksum) op += *change.tx_checksum ? " tx-checksum on" : " tx-checksum off";
    if (change.empty()) return {};
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    nl::SetLink set;
    set.up = change.up;
    set.mtu = change.mtu;
    set.alias = change.alias;
    if (change.mac) {
      auto mac = parse_mac(*change.mac);
      if (!mac) return nl::kernel_error(op, EINVAL, "not a MAC address");
      set.mac = std::vector<std::uint8_t>(mac->begin(), mac->end());
    }
    if (change.master) {
      int index = 0;
      if (!change.master->empty()) {
        if (Reply r = nl::link_index(**h, *change.master, index); !r.ok())
          return fail(op + ": master " + *change.master, r);
      }
      set.master = index;
    }
    LinkChange netlink_part = change;
    netlink_part.tx_checksum.reset();
    if (!netlink_part.empty()) {
      if (Reply r = nl::set_link(**h, name, set); !r.ok()) return fail(op, r);
    }
    if (change.tx_checksum) {
      if (int err = nl::set_tx_checksum(**h, name, *change.tx_checksum); err != 0)
        return nl::kernel_error(op, err, "");
    }
    return {};
  }

  Status move_link(const std::string& ns, const std::string& name,
                   const std::string& to_ns) override {
    const std::string op = "move link " + object_in(name, ns) + " to " +
                           (to_ns.empty() ? "root namespace" : "netns " + to_ns);
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    auto to = store_.get(to_ns);
    if (!to) return fail(op, to.error());
    nl::SetLink set;
    set.ns_fd = (*to)->fd.get();
    if (Reply r = nl::set_link(**h, name, set); !r.ok()) return fail(op, r);
    return {};
  }

  Status add_address(const std::string& ns, const std::string& ifname,
                     const IpPrefix& address) override {
    return change_address(true, "add address " + address.str() + " to " + object_in(ifname, ns), ns,
                          ifname, address);
  }
  Status delete_address(const std::string& ns, const std::string& ifname,
                        const IpPrefix& address) override {
    return change_address(false,
                          "delete address " + address.str() + " from " + object_in(ifname, ns), ns,
                          ifname, address);
  }

  Status add_route(const std::string& ns, const RouteRequest& route) override {
    return change_route(true, ns, route);
  }
  Status delete_route(const std::string& ns, const RouteRequest& route) override {
    return change_route(false, ns, route);
  }

  Status set_root_qdisc(const std::string& ns, const std::string& name,
                        const RootQdisc& qdisc) override {
    const std::string op = "set " + qdisc.kind + " qdisc on " + object_in(name, ns);
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    int index = 0;
    if (Reply r = nl::link_index(**h, name, index); !r.ok()) return fail(op, r);
    nl::MsgPtr m = nl::build_root_qdisc_request(index, qdisc);
    if (!m) return make_error(ErrorKind::Bug, op + ": cannot build the request");
    Reply r = nl::transact(**h, m.get());
    if (r.ok()) return {};
    Error e = fail(op, r);
    // A kind the kernel lacks: ENOENT ("Specified qdisc kind is unknown").
    if (r.err == ENOENT || r.err == EOPNOTSUPP) {
      e.kind = ErrorKind::Unsupported;
      e.message += " (the kernel has no sch_" + qdisc.kind + ")";
    }
    return e;
  }

  Status delete_root_qdisc(const std::string& ns, const std::string& name) override {
    const std::string op = "delete root qdisc of " + object_in(name, ns);
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    int index = 0;
    if (Reply r = nl::link_index(**h, name, index); !r.ok()) return fail(op, r);
    nl::MsgPtr m = nl::build_delete_root_qdisc_request(index);
    if (!m) return nl::kernel_error(op, ENOMEM);
    if (Reply r = nl::transact(**h, m.get()); !r.ok()) return fail(op, r);
    return {};
  }

  Result<std::string> read_sysctl(const std::string& ns, const std::string& key) override {
    auto h = store_.get(ns);
    if (!h) return fail("read sysctl " + object_in(key, ns), h.error());
    return nl::read_sysctl(**h, key);
  }
  Status write_sysctl(const std::string& ns, const std::string& key,
                      const std::string& value) override {
    auto h = store_.get(ns);
    if (!h) return fail("write sysctl " + object_in(key, ns), h.error());
    return nl::write_sysctl(**h, key, value);
  }

  Status wait_links_gone(const std::string& ns, const std::vector<std::string>& names,
                         std::chrono::milliseconds timeout) override {
    const std::string op = "wait for links to go in " + object_in("namespace", ns);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto delay = std::chrono::milliseconds(1);
    for (;;) {
      auto h = store_.get(ns);
      if (!h) {
        if (h.error().sys_errno == ENOENT) return {};  // the namespace itself is gone
        return fail(op, h.error());
      }
      std::vector<std::string> left;
      if (names.size() <= 4) {
        for (const auto& n : names) {
          int index = 0;
          Reply r = nl::link_index(**h, n, index);
          if (r.ok())
            left.push_back(n);
          else if (r.err != ENODEV)
            return fail(op + ": " + n, r);
        }
      } else {
        // One dump is cheaper than many lookups.
        std::vector<std::string> present;
        if (Reply r = nl::link_names(**h, present); !r.ok()) return fail(op, r);
        std::sort(present.begin(), present.end());
        for (const auto& n : names)
          if (std::binary_search(present.begin(), present.end(), n)) left.push_back(n);
      }
      if (left.empty()) return {};
      if (std::chrono::steady_clock::now() >= deadline) {
        std::string list;
        for (const auto& n : left) list += (list.empty() ? "" : ", ") + n;
        return Error{
            ErrorKind::Timeout,
            op + ": still present after " + std::to_string(timeout.count()) + " ms: " + list,
            {},
            ETIMEDOUT};
      }
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, std::chrono::milliseconds(20));
    }
  }

  KernelCapabilities capabilities() override {
    std::call_once(probed_, [this] { caps_ = nl::probe_capabilities(); });
    return caps_;
  }

 private:
  Status create_simple(const std::string& op, const std::string& ns, nl::NewLink link,
                       const std::string& alias) {
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    if (Reply r = nl::create_link(**h, link); !r.ok()) return create_fail(op, r);
    if (alias.empty()) return {};
    nl::SetLink mark;
    mark.alias = alias;
    if (Reply r = nl::set_link(**h, link.name, mark); !r.ok()) {
      nl::delete_link(**h, link.name);
      return fail(op + ": set alias", r);
    }
    return {};
  }

  Status change_address(bool add, const std::string& op, const std::string& ns,
                        const std::string& ifname, const IpPrefix& address) {
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    int index = 0;
    if (Reply r = nl::link_index(**h, ifname, index); !r.ok()) return fail(op, r);
    if (Reply r = nl::change_address(**h, add, index, address); !r.ok()) return fail(op, r);
    return {};
  }

  Status change_route(bool add, const std::string& ns, const RouteRequest& route) {
    const std::string op = std::string(add ? "add" : "delete") + " route " + route_text(route) +
                           (ns.empty() ? "" : " (netns " + ns + ")");
    auto h = store_.get(ns);
    if (!h) return fail(op, h.error());
    nl::RouteSpec spec{route.family, route.dst, route.gateway, 0};
    if (spec.dst) spec.dst = spec.dst->network();
    if (!route.dev.empty()) {
      if (Reply r = nl::link_index(**h, route.dev, spec.oif); !r.ok())
        return fail(op + ": dev " + route.dev, r);
    }
    if (Reply r = nl::change_route(**h, add, spec); !r.ok()) return fail(op, r);
    return {};
  }

  nl::NetnsStore store_;
  std::once_flag probed_;
  KernelCapabilities caps_;
};

}  // namespace

std::unique_ptr<Kernel> make_netlink_kernel() { return std::make_unique<NetlinkKernel>(); }

}  // namespace netlab
