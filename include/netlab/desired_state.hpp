// The desired state of a lab in the vocabulary of the live system: what
// `up` must make exist. Derived from a Topology; compared with the live
// state by the planner (one model for desired and current, as nmstate does).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netlab/daemon_spec.hpp"
#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "netlab/kernel.hpp"
#include "netlab/live_state.hpp"
#include "netlab/name_index.hpp"
#include "netlab/topology.hpp"

namespace netlab {

struct DesiredLink {
  std::string ns;  ///< "" = root
  std::string name;
  LinkKind kind = LinkKind::Veth;  ///< Veth, Bridge, Vlan or OvsInternal
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
  SourcePos pos;
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
  std::vector<DhcpServer> dhcp_servers;
  std::vector<InterfaceConfig> dhcp_clients;  ///< with their namespace in `client_ns`
  std::vector<std::string> dhcp_client_ns;
  std::vector<NatRule> nat;
  /// DHCP servers and clients as daemons (filled by the Lab, which knows the
  /// state directory their files live in).
  std::vector<DaemonSpec> daemons;

  const DesiredLink* find_link(const std::string& ns, const std::string& name) const;
  /// Namespaces of the lab plus "" (root).
  std::vector<std::string> namespace_names() const;

  NameIndex link_index_;  ///< cache behind find_link, not part of the state
};

/// Derives the desired state of `topology` (already validated and prefixed).
DesiredState desired_state(const Topology& topology);

/// The desired state of a lab that should not exist (what `down` aims at).
DesiredState empty_desired_state(const std::string& lab);

}  // namespace netlab
