// An in-memory kernel for unit tests: namespaces, links, addresses, routes and
// sysctls with the semantics of Linux + iproute2 named namespaces, as
// documented in include/netlab/kernel.hpp and checked by the contract suite in
// tests/support/kernel_contract.hpp (which the real kernel passes too).
//
// Beyond the Kernel interface it offers what tests need:
// - failure injection (fail_next, set_fault_hook): an injected failure leaves
//   the state unchanged and returns the errno asked for;
// - call counters per operation (calls, mutations) to assert "nothing was
//   applied";
// - seeding of foreign objects (seed_namespace, seed_link, seed_route,
//   seed_sysctl) without going through counters or faults;
// - whole-state snapshots comparable with == (snapshot, restore) for
//   "the system ends exactly as before" tests;
// - an asynchronous teardown mode (set_teardown_delay): the veth peers of a
//   deleted namespace linger, as in the real kernel, until wait_links_gone or a
//   number of further observe calls.
// All public members are thread-safe (one mutex).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "netlab/kernel.hpp"

namespace netlab::testing {

/// One link as the fake stores it. Peers are always known here.
struct FakeLink {
  std::string name;
  LinkKind kind = LinkKind::Other;
  std::string kind_text;
  int ifindex = 0;          ///< 0 in seed_link = allocate
  std::string peer_name;    ///< veth only
  std::string peer_ns;      ///< veth only; "" = root
  std::string master;       ///< bridge in the same namespace, or ""
  std::string vlan_parent;  ///< vlan only
  int vlan_id = 0;          ///< vlan only
  bool up = false;
  int mtu = 1500;
  std::string mac;  ///< "" in seed_link = allocate
  std::string alias;
  bool tx_checksum = true;          ///< TX checksum offload (ethtool)
  std::vector<IpPrefix> addresses;  ///< in the order added
  /// A physical device: when its namespace is deleted it returns to the root
  /// namespace (down, addresses flushed) instead of being destroyed.
  bool physical = false;
  /// Async teardown: the peer's namespace was deleted and this link is about
  /// to vanish; it still shows in observe until then.
  bool pending_removal = false;
  /// Root qdisc other than the default (set_root_qdisc); a move drops it.
  std::optional<RootQdisc> qdisc;
  std::optional<VxlanRequest> vxlan;  ///< vxlan only: as created (alias aside)

  bool operator==(const FakeLink&) const = default;
};

/// One route of the main table.
struct FakeRoute {
  int family = 4;
  std::optional<IpPrefix> dst;  ///< network form; nullopt = default
  std::optional<IpAddress> gateway;
  std::string dev;
  int protocol = 4;  ///< RTPROT_KERNEL (2) for connected routes, RTPROT_STATIC (4) for added ones
  int scope = 0;     ///< RT_SCOPE_UNIVERSE (0) or RT_SCOPE_LINK (253)

  bool operator==(const FakeRoute&) const = default;
};

/// One namespace: "" is the root namespace.
struct FakeNamespace {
  std::map<std::string, FakeLink> links;
  std::vector<FakeRoute> routes;
  std::map<std::string, std::string> sysctls;  ///< dotted keys, incl. per-interface ones

  bool operator==(const FakeNamespace&) const = default;
};

/// The whole state of a FakeKernel (counters and allocators excluded), for
/// equality checks before/after.
struct FakeKernelSnapshot {
  std::map<std::string, FakeNamespace> namespaces;  ///< "" = root, always present

  bool operator==(const FakeKernelSnapshot&) const = default;
};

/// Human-readable dump (one object per line) so Catch2 shows differences.
std::ostream& operator<<(std::ostream& os, const FakeKernelSnapshot& s);
std::string to_string(const FakeKernelSnapshot& s);

/// Decides whether a call fails: returns an errno to inject, or nullopt.
/// `op` is the Kernel member's name ("create_veth", "add_route", ...), `ns`
/// the namespace it acts in, `object` the link / namespace / sysctl key /
/// route destination ("default" for a default route) it names.
using FaultHook = std::function<std::optional<int>(const std::string& op, const std::string& ns,
                                                   const std::string& object)>;

class FakeKernel : public Kernel {
 public:
  /// teardown delay meaning "only wait_links_gone finishes the teardown".
  static constexpr int kUntilWait = -1;

  /// A fresh kernel: root namespace with `lo` up (127.0.0.1/8, ::1/128),
  /// capabilities veth + bridge + bridge_vlan_filtering + vxlan + tbf (no netem,
  /// as on the machine this project is developed on).
  FakeKernel();

  // --- Kernel ---------------------------------------------------------------
  Result<std::vector<std::string>> list_namespaces() override;
  Result<KernelState> observe(const std::vector<std::string>& namespaces,
                              const std::vector<std::string>& sysctl_keys,
                              const ObserveOptions& options = {}) override;
  Status create_namespace(const std::string& ns) override;
  Status delete_namespace(const std::string& ns) override;
  Status create_veth(const VethRequest& req) override;
  Status create_bridge(const std::string& ns, const std::string& name,
                       const std::string& alias) override;
  Status create_vlan(const std::string& ns, const std::string& name, const std::string& parent,
                     int id, const std::string& alias) override;
  Status create_vxlan(const VxlanRequest& req) override;
  Status delete_link(const std::string& ns, const std::string& name) override;
  Status change_link(const std::string& ns, const std::string& name,
                     const LinkChange& change) override;
  Status move_link(const std::string& ns, const std::string& name,
                   const std::string& to_ns) override;
  Status add_address(const std::string& ns, const std::string& ifname,
                     const IpPrefix& address) override;
  Status delete_address(const std::string& ns, const std::string& ifname,
                        const IpPrefix& address) override;
  Status add_route(const std::string& ns, const RouteRequest& route) override;
  Status delete_route(const std::string& ns, const RouteRequest& route) override;
  Status set_root_qdisc(const std::string& ns, const std::string& name,
                        const RootQdisc& qdisc) override;
  Status delete_root_qdisc(const std::string& ns, const std::string& name) override;
  Result<std::string> read_sysctl(const std::string& ns, const std::string& key) override;
  Status write_sysctl(const std::string& ns, const std::string& key,
                      const std::string& value) override;
  Status wait_links_gone(const std::string& ns, const std::vector<std::string>& names,
                         std::chrono::milliseconds timeout) override;
  KernelCapabilities capabilities() override;

  // --- configuration --------------------------------------------------------
  /// What capabilities() returns; create_vlan fails with Unsupported
  /// (EOPNOTSUPP) unless vlan_8021q is set, likewise create_bridge / bridge.
  void set_capabilities(const KernelCapabilities& caps);
  /// Async teardown: after delete_namespace, veth peers in other namespaces
  /// stay (pending_removal) for `observes` further observe calls, or until
  /// wait_links_gone; kUntilWait = only wait_links_gone. 0 (default) = at once.
  void set_teardown_delay(int observes);

  // --- failure injection ----------------------------------------------------
  /// The call of `op` after `after_n_calls` further calls of it fails with
  /// `err` (state unchanged). Several may be queued, also for one op.
  void fail_next(const std::string& op, int err, int after_n_calls = 0);
  /// Consulted on every call after fail_next's queue; nullopt = no fault.
  void set_fault_hook(FaultHook hook);
  /// Consulted after a change_link took effect: an errno makes the call fail
  /// with the change applied, as the real change_link does when its ethtool
  /// request fails after the netlink one (the only Kernel call made of
  /// several requests that does not undo its own first part).
  void set_late_fault_hook(FaultHook hook);
  /// Drops queued failures and the hook.
  void clear_faults();

  // --- counters -------------------------------------------------------------
  /// Calls of `op` so far (successful or not, injected failures included).
  int calls(const std::string& op) const;
  /// Successful calls of operations that change state (create_*, delete_*,
  /// change_link, move_link, add_*, write_sysctl).
  int mutations() const;
  /// The options of every observe call so far, in order (what a caller
  /// asked of the root namespace).
  std::vector<ObserveOptions> observe_options() const;
  void reset_counters();

  // --- seeding and snapshots ------------------------------------------------
  /// Creates a namespace if absent (no counters, no faults).
  void seed_namespace(const std::string& ns);
  /// Puts `link` into `ns` as is (name must be free; ifindex/mac allocated when
  /// 0/""); connected routes are added for its addresses when it is up.
  void seed_link(const std::string& ns, FakeLink link);
  void seed_route(const std::string& ns, const FakeRoute& route);
  void seed_sysctl(const std::string& ns, const std::string& key, const std::string& value);
  /// The whole state.
  FakeKernelSnapshot snapshot() const;
  /// Replaces the whole state (allocators keep counting up).
  void restore(const FakeKernelSnapshot& s);
  /// The identity of namespace `ns` ("" = root) as /proc/PID/ns/net shows it,
  /// "net:[N]"; nullopt when it does not exist. A namespace deleted and made
  /// again under the same name gets a new one (for FakeProcesses).
  std::optional<std::string> netns_id(const std::string& ns);

 private:
  std::optional<int> fault(const std::string& op, const std::string& ns, const std::string& object);
  FakeNamespace* find_ns(const std::string& ns);
  FakeNamespace make_namespace(bool root);
  std::string alloc_mac();
  int alloc_ifindex(const std::string& ns, FakeNamespace& n, int wanted = 0);
  void add_interface_sysctls(FakeNamespace& n, const std::string& ifname);
  void remove_interface_sysctls(FakeNamespace& n, const std::string& ifname);
  void set_up(FakeNamespace& n, FakeLink& l);
  void set_down(FakeNamespace& n, FakeLink& l);
  void add_connected_routes(FakeNamespace& n, const FakeLink& l);
  void remove_routes_via(FakeNamespace& n, const std::string& dev);
  void destroy_link(const std::string& ns, const std::string& name, bool async_peer);
  void finish_teardown();

  mutable std::mutex mu_;
  std::map<std::string, FakeNamespace> ns_;  ///< "" = root
  std::map<std::string, int> next_ifindex_;
  int mac_counter_ = 0;
  KernelCapabilities caps_;
  int teardown_delay_ = 0;
  int teardown_left_ = 0;
  struct Queued {
    std::string op;
    int err;
    int skip;
  };
  std::vector<Queued> queued_;
  FaultHook hook_;
  FaultHook late_hook_;
  std::map<std::string, int> calls_;
  std::vector<ObserveOptions> observe_options_;
  int mutations_ = 0;
  std::map<std::string, unsigned long long> ns_inodes_;  ///< assigned on first netns_id
  unsigned long long next_inode_ = 4026532000ULL;
};

}  // namespace netlab::testing
