// Observed state of the kernel, in the vocabulary of the topology plus what
// only the live system knows (ifindex, peer, ownership mark). The kernel's
// part of a lab's LiveState (live_state.hpp); core, so that the kernel seam
// and its observers use it without seeing the rest of the lab.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "netlab/ip.hpp"

namespace netlab {

/// Prefix of the interface alias (IFLA_IFALIAS) that marks a link as owned:
/// "netlab:<lab>".
inline constexpr const char* kOwnerAliasPrefix = "netlab:";
std::string owner_alias(const std::string& lab);
/// The lab named by an alias "netlab:<lab>", or "" when the alias is no mark.
std::string owner_from_alias(const std::string& alias);

enum class LinkKind { Loopback, Veth, Bridge, Vlan, Tap, OvsInternal, Vxlan, Macvlan, Other };
const char* to_string(LinkKind kind);

/// The handle netlab gives the root qdisc of a link it conditions (major
/// 0x4e4c, "NL": `tc` shows "qdisc tbf 4e4c: root"). It is the qdisc's mark:
/// on a link of the lab, a root qdisc with this handle is the lab's; any
/// other non-default root qdisc is someone else's, never touched without
/// --adopt. The kernel's default root qdiscs have handle 0.
inline constexpr std::uint32_t kConditionsQdiscHandle = 0x4e4c0000;

/// tbf parameters as netlab sets them and reads them back.
struct TbfParams {
  std::uint64_t rate = 0;   ///< bits per second
  std::uint32_t burst = 0;  ///< bytes
  std::uint32_t limit = 0;  ///< bytes of queue
  bool operator==(const TbfParams&) const = default;
};

/// netem parameters; probabilities in parts per million, times in microseconds.
struct NetemParams {
  std::uint32_t delay = 0, jitter = 0, delay_correlation = 0;
  std::uint32_t loss = 0, duplicate = 0, reorder = 0, corrupt = 0;
  std::uint64_t rate = 0;   ///< bits per second, 0 = none
  std::uint32_t limit = 0;  ///< packets of queue
  bool operator==(const NetemParams&) const = default;
};

/// A link's root qdisc: what netlab asks for (Kernel::set_root_qdisc) and
/// what observe reports when a link has one other than the default.
struct RootQdisc {
  std::string kind;  ///< "tbf", "netem", or what the kernel says ("htb", ...)
  std::uint32_t handle = 0;
  TbfParams tbf;      ///< kind "tbf"
  NetemParams netem;  ///< kind "netem"
  bool ours() const { return handle == kConditionsQdiscHandle; }
  bool operator==(const RootQdisc&) const = default;
};

struct LinkState {
  std::string name;
  LinkKind kind = LinkKind::Other;
  std::string kind_text;  ///< IFLA_INFO_KIND as the kernel says ("veth", "tun", ...)
  int ifindex = 0;
  /// veth only: the peer's name and namespace ("" = root). peer_known is
  /// false when the peer lives in a namespace that was not observed.
  std::string peer_name;
  std::string peer_ns;
  bool peer_known = false;
  std::string master;  ///< name of the Linux bridge this is a port of, or ""
  std::string vlan_parent;
  int vlan_id = 0;
  bool up = false;  ///< administratively up (IFF_UP)
  int mtu = 0;
  std::string mac;                  ///< lower-case
  std::string alias;                ///< IFLA_IFALIAS, "" when unset
  std::vector<IpPrefix> addresses;  ///< global and link-scope, v4 and v6, excluding IPv6 link-local
  /// IPv6 addresses of `addresses` still in duplicate address detection
  /// (IFA_F_TENTATIVE): not usable yet, a bind() to them fails.
  std::vector<IpPrefix> tentative;
  /// IPv6 addresses of `addresses` whose DAD found another owner (IFA_F_DADFAILED).
  std::vector<IpPrefix> dad_failed;
  /// The root qdisc when it is not the kernel's default (handle 0: noqueue,
  /// pfifo_fast, mq): nullopt = default.
  std::optional<RootQdisc> qdisc;
  /// vxlan only: its id, underlay addresses and UDP port (IFLA_VXLAN_*).
  std::uint32_t vxlan_id = 0;
  std::optional<IpAddress> vxlan_local, vxlan_remote;
  int vxlan_port = 0;

  std::string owner() const { return owner_from_alias(alias); }
};

/// A route of the main table.
struct RouteState {
  int family = 4;
  std::optional<IpPrefix> dst;  ///< network; nullopt = default route
  std::optional<IpAddress> gateway;
  std::string dev;
  int protocol = 0;  ///< RTPROT_*: routes netlab adds use RTPROT_STATIC (4)
  int scope = 0;
};

struct NamespaceState {
  std::string name;  ///< "" = the root namespace
  std::map<std::string, LinkState> links;
  std::vector<RouteState> routes;
  std::map<std::string, std::string> sysctls;  ///< only the keys asked for; value trimmed
  /// Keys asked for that this namespace does not have (reading them: ENOENT),
  /// e.g. a key of the host's initial namespace when netlab runs in another.
  std::set<std::string> missing_sysctls;
  const LinkState* find_link(const std::string& n) const {
    auto it = links.find(n);
    return it == links.end() ? nullptr : &it->second;
  }
};

/// What the kernel holds, for the namespaces that were asked for and exist.
struct KernelState {
  NamespaceState root;
  std::map<std::string, NamespaceState> namespaces;  ///< named namespaces that exist
  /// All named namespaces under /run/netns (not only the ones asked for).
  std::vector<std::string> all_namespaces;

  /// The observed namespace `ns` ("" = root), or nullptr when it does not
  /// exist or was not observed. The one way to look a namespace up.
  const NamespaceState* find_ns(const std::string& ns) const {
    if (ns.empty()) return &root;
    auto it = namespaces.find(ns);
    return it == namespaces.end() ? nullptr : &it->second;
  }
  /// The observed link `name` in `ns`, or nullptr.
  const LinkState* find_link(const std::string& ns, const std::string& name) const {
    const NamespaceState* s = find_ns(ns);
    return s ? s->find_link(name) : nullptr;
  }
};

}  // namespace netlab
