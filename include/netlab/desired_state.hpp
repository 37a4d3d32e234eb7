// The desired model of a lab, in the vocabulary of the live system: what
// `up` must make exist. Built once from the validated, prefixed Topology
// (src/plan/desired_state.cpp) and read by everyone that needs a derived
// fact: where each interface lives and what it carries, the lab's daemons
// with their files, the name of its NAT table. The planner compares it with
// the observed LiveState (live_state.hpp, a different type); `status`,
// `test` and the readiness waits read it too. Read the Topology only for
// what the file alone says (positions, assertions, labels).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netlab/daemon_spec.hpp"
#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "netlab/kernel.hpp"
#include "netlab/kernel_state.hpp"
#include "netlab/name_index.hpp"
#include "netlab/topology.hpp"

namespace netlab {

struct DesiredLink {
  std::string ns;  ///< "" = root
  std::string name;
  LinkKind kind = LinkKind::Veth;  ///< Veth, Bridge, Vlan, OvsInternal or Vxlan
  std::string peer_name, peer_ns;  ///< veth: the other end
  bool primary = true;             ///< veth: the end that creates the pair (the other is its peer)
  std::string vlan_parent;
  int vlan_id = 0;
  std::optional<int> mtu;
  std::optional<std::string> mac;
  std::string master;  ///< Linux bridge this is a port of
  std::vector<IpPrefix> addresses;
  bool dhcp = false;
  /// Its peer is a port of an OVS bridge: TX checksum offload off (see LinkChange).
  bool tx_checksum_off = false;
  /// `state:`: false keeps the link administratively down.
  bool up = true;
  /// What this end does to the traffic it sends (egress); nullopt = nothing.
  std::optional<LinkConditions> conditions;
  SourcePos pos;
  /// vxlan: this machine's end of a link to another machine (alias unset).
  std::optional<VxlanRequest> vxlan;
};

struct DesiredRoute {
  std::string ns;
  RouteRequest route;
  SourcePos pos;
};

struct DesiredSysctl {
  std::string ns;
  std::string key, value;
  SourcePos pos;
};

struct DesiredOvsPort {
  std::string bridge, name;
  bool internal = false;
  std::string ns;  ///< internal port: namespace it is moved to ("" = root)
  std::optional<int> tag;
  std::vector<int> trunks;  ///< sorted
  SourcePos pos;
};

struct DesiredOvsBridge {
  std::string name;
  Datapath datapath = Datapath::Auto;
  SourcePos pos;
};

struct DesiredNamespace {
  std::string name;
  SourcePos pos;
};

struct DesiredState {
  std::string lab;
  std::vector<DesiredNamespace> namespaces;
  std::vector<DesiredLink> links;  ///< every interface netlab manages, incl. lo of lab namespaces
  std::vector<DesiredRoute> routes;
  std::vector<DesiredSysctl> sysctls;
  std::vector<DesiredOvsBridge> ovs_bridges;
  std::vector<DesiredOvsPort> ovs_ports;
  /// The DHCP servers as the file says them (the planner compares a
  /// client's lease with their ranges).
  std::vector<DhcpServer> dhcp_servers;
  std::vector<NatRule> nat;
  /// DHCP servers and clients as daemons, with their files in the lab's
  /// state directory.
  std::vector<DaemonSpec> daemons;

  /// The interface `name` the lab makes in `ns` ("" = root), with its
  /// configuration (addresses, dhcp, mtu, mac), or nullptr.
  const DesiredLink* find_link(const std::string& ns, const std::string& name) const;
  /// Namespaces of the lab plus "" (root).
  std::vector<std::string> namespace_names() const;
  /// Namespaces ("" = root first, then the lab's in file order) where an
  /// interface of the lab has the static address `address`.
  std::vector<std::string> holders_of(const IpAddress& address) const;
  /// The lab's nftables table as plans and `status` name it: "ip netlab-<lab>".
  std::string nat_table() const;

  /// Cache behind find_link, not part of the state. It trusts a miss: after
  /// changing a link's ns or name in place, call link_index_.invalidate().
  NameIndex link_index_;
};

/// Derives the desired model of `topology` (already validated and
/// prefixed); its daemons keep their files in `state_dir` (the lab's state
/// directory). Errors: a daemon that cannot be configured.
Result<DesiredState> desired_state(const Topology& topology, const std::string& state_dir);

/// The same without the daemons: everything but `daemons`, which cannot fail.
/// What reads only the network (the assertions of `netlab test`) uses it.
DesiredState desired_network(const Topology& topology);

/// The desired state of a lab that should not exist (what `down` aims at).
DesiredState empty_desired_state(const std::string& lab);

}  // namespace netlab
