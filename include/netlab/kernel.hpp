// The kernel seam: observe and change namespaces, links, addresses, routes
// and sysctls. Real implementation: libnl (make_netlink_kernel); fake:
// tests/fakes/fake_kernel.hpp. Both honour the same contract, checked by one
// set of tests run against both.
//
// Conventions for every call:
// - `ns` names a namespace under /run/netns; "" is the root namespace.
// - Errors name the operation, the object and its namespace, and carry the
//   real errno in Error::sys_errno (EEXIST, ENOENT, ENODEV, EBUSY, ...), e.g.
//   "create veth eth0-r (netns red) <-> veth-r: File exists (EEXIST)".
// - Calls for different namespaces may run concurrently from different
//   threads; calls for one namespace are serialised by the implementation.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "netlab/kernel_state.hpp"

namespace netlab {

/// A veth pair created in one request with each end directly in its namespace.
struct VethRequest {
  std::string name, ns;            ///< first end
  std::string peer_name, peer_ns;  ///< second end
  std::string alias;               ///< ownership mark set on both ends ("" = none)
};

/// A point-to-point VXLAN device: created from the root namespace, which
/// keeps its UDP socket (the underlay), and put directly into `ns` under
/// `name`, so that the lab's interface is the tunnel itself.
struct VxlanRequest {
  std::string ns, name;
  std::uint32_t vni = 0;
  IpAddress local, remote;  ///< underlay addresses (IPv4) of this machine and the other
  int port = 4789;          ///< UDP destination (and listening) port
  std::string alias;        ///< ownership mark ("" = none)
  bool operator==(const VxlanRequest&) const = default;
};

/// A change of link attributes; unset fields are left alone.
struct LinkChange {
  std::optional<bool> up;
  std::optional<int> mtu;
  std::optional<std::string> mac;
  std::optional<std::string> master;  ///< Linux bridge name in the same namespace; "" = no master
  std::optional<std::string> alias;   ///< "" clears the alias
  /// TX checksum offload (ethtool tx-checksumming). A veth feeding the OVS
  /// userspace datapath must compute its checksums itself: OVS forwards the
  /// partial checksums of offloaded TCP/UDP, and the receiver drops them.
  std::optional<bool> tx_checksum;
  bool empty() const { return !up && !mtu && !mac && !master && !alias && !tx_checksum; }
};

/// A route of the main table; dst nullopt = default route of `family`.
struct RouteRequest {
  int family = 4;
  std::optional<IpPrefix> dst;  ///< network form (host bits clear)
  std::optional<IpAddress> gateway;
  std::string dev;  ///< output interface ("" = resolved from gateway)
};

/// Which link kinds and features this kernel supports (see Kernel::probe).
struct KernelCapabilities {
  bool veth = false;
  bool bridge = false;
  bool bridge_vlan_filtering = false;
  bool vlan_8021q = false;
  bool vxlan = false;
  bool macvlan = false;
  /// Root qdiscs for link conditions: tbf (rate) and netem (everything).
  bool tbf = false;
  bool netem = false;
};

/// How observe finds the namespace of a veth peer in a namespace that was not
/// asked for. The kernel names that namespace only by an id local to the
/// observing namespace, so naming it means asking that namespace for the id
/// of every other namespace on the machine, each question costing time in
/// proportion to the ids it has given: a small lab's root-side observation
/// would grow with every other lab's size.
enum class PeerLookup {
  /// Also name peers' namespaces that were not asked for (peer_ns set,
  /// peer_known false).
  AllNamespaces,
  /// Only among the namespaces asked for and the root: a peer elsewhere is
  /// reported with peer_known false and peer_ns "". What a lab needs: it
  /// acts only on peers in its own namespaces.
  ObservedOnly,
};

/// What Kernel::observe reads besides the namespaces asked for.
struct ObserveOptions {
  PeerLookup peers = PeerLookup::AllNamespaces;
  /// False: the root namespace is not read (KernelState::root is left empty,
  /// and peers there are not known), for a caller that knows it unchanged.
  bool root = true;
  /// Set: the root namespace's links are read by name, only these (absent
  /// ones are simply not reported), plus every root link that holds an
  /// address (other than IPv6 link-local) or is the device of a route (other
  /// than fe80::/64), and the bridge each link read is a port of; a veth end
  /// elsewhere whose peer is a root link not read has its peer unknown.
  /// Unset: every root link, in one dump. The kernel fills each veth end of that dump with the
  /// id of its peer's namespace, a walk over every id the root has given:
  /// beside a 1000-host lab, one dump of its 1000 root ends cost a small lab
  /// ~70 ms of a no-op `up`. Addresses, routes and qdiscs are read as ever,
  /// for the links reported.
  std::optional<std::vector<std::string>> root_links;
};

class Kernel {
 public:
  virtual ~Kernel() = default;

  /// Named namespaces under /run/netns, sorted.
  virtual Result<std::vector<std::string>> list_namespaces() = 0;

  /// A fresh snapshot of the root namespace and of each namespace in
  /// `namespaces` that exists (missing ones are simply absent), with the
  /// sysctls `sysctl_keys` (dotted, e.g. "net.ipv4.ip_forward") read in each;
  /// a key a namespace does not have (ENOENT) is in its missing_sysctls.
  /// Loopback is reported like any link.
  /// `options`: how far peers are looked for (PeerLookup), whether the root
  /// namespace is read.
  virtual Result<KernelState> observe(const std::vector<std::string>& namespaces,
                                      const std::vector<std::string>& sysctl_keys,
                                      const ObserveOptions& options = {}) = 0;

  /// Creates /run/netns/NAME exactly as `ip netns add` does. EEXIST if present.
  virtual Status create_namespace(const std::string& ns) = 0;
  /// Removes the namespace (`ip netns del`); its links go away (asynchronously
  /// in the real kernel: see wait_links_gone). ENOENT if absent.
  virtual Status delete_namespace(const std::string& ns) = 0;

  /// Creates a veth pair, each end directly in its namespace. Both ends down.
  virtual Status create_veth(const VethRequest& req) = 0;
  /// Creates a Linux bridge (down).
  virtual Status create_bridge(const std::string& ns, const std::string& name,
                               const std::string& alias) = 0;
  /// Creates an 802.1Q sub-interface of `parent`; ENOTSUP/EOPNOTSUPP-like
  /// error kind Unsupported where the kernel has no 8021q.
  virtual Status create_vlan(const std::string& ns, const std::string& name,
                             const std::string& parent, int id, const std::string& alias) = 0;
  /// Creates a VXLAN device (down); see VxlanRequest. Unsupported where the
  /// kernel has no vxlan.
  virtual Status create_vxlan(const VxlanRequest& req) = 0;
  /// Deletes a link; deleting one veth end removes the other. ENODEV if absent.
  virtual Status delete_link(const std::string& ns, const std::string& name) = 0;
  virtual Status change_link(const std::string& ns, const std::string& name,
                             const LinkChange& change) = 0;
  /// Moves a link to another namespace (keeps its name; its addresses are lost).
  virtual Status move_link(const std::string& ns, const std::string& name,
                           const std::string& to_ns) = 0;

  virtual Status add_address(const std::string& ns, const std::string& ifname,
                             const IpPrefix& address) = 0;
  virtual Status delete_address(const std::string& ns, const std::string& ifname,
                                const IpPrefix& address) = 0;
  /// Adds a route with protocol RTPROT_STATIC. EEXIST if the same route exists.
  virtual Status add_route(const std::string& ns, const RouteRequest& route) = 0;
  virtual Status delete_route(const std::string& ns, const RouteRequest& route) = 0;

  /// Sets (creates or replaces) the root qdisc of link `name` to `qdisc`
  /// (kind "tbf" or "netem", handle kConditionsQdiscHandle). Unsupported
  /// (EOPNOTSUPP / ENOENT from the kernel) where the kernel lacks the kind.
  virtual Status set_root_qdisc(const std::string& ns, const std::string& name,
                                const RootQdisc& qdisc) = 0;
  /// Deletes the root qdisc of link `name` (the default one comes back).
  /// ENOENT when it has none but the default; ENODEV when the link is absent.
  virtual Status delete_root_qdisc(const std::string& ns, const std::string& name) = 0;

  virtual Result<std::string> read_sysctl(const std::string& ns, const std::string& key) = 0;
  virtual Status write_sysctl(const std::string& ns, const std::string& key,
                              const std::string& value) = 0;

  /// Waits until none of `names` exists in `ns` (links of a deleted namespace
  /// vanish asynchronously). Error kind Timeout naming what is left.
  virtual Status wait_links_gone(const std::string& ns, const std::vector<std::string>& names,
                                 std::chrono::milliseconds timeout) = 0;

  /// Probes link kinds by creating and deleting throw-away objects in a
  /// throw-away namespace. Cached after the first call.
  virtual KernelCapabilities capabilities() = 0;
};

/// The real kernel through libnl-3 / libnl-route-3.
std::unique_ptr<Kernel> make_netlink_kernel();

}  // namespace netlab
