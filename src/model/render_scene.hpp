// What render_dot and render_mermaid draw, computed once from a Topology:
// every interface placed in its namespace (by the rules of
// model/placement.hpp), with the text lines to show.
#pragma once

#include <string>
#include <vector>

#include "netlab/topology.hpp"

namespace netlab::render_detail {

/// One interface as drawn: where it lives and what to write on it.
struct SceneInterface {
  std::string ns;  ///< namespace name; "" = root namespace
  std::string name;
  std::string bridge;       ///< non-empty: this interface is a port of that bridge
  bool internal = false;    ///< OVS internal port
  bool unresolved = false;  ///< only named (e.g. a NAT `out:` like eth0), not made by the lab
  int access_vlan = 0;      ///< port access VLAN (0 = none)
  std::vector<int> trunks;  ///< port trunk VLANs
  std::string vlan_parent;  ///< 802.1Q sub-interface of this parent (same namespace)
  int vlan_id = 0;
  std::vector<std::string> lines;  ///< addresses, "DHCP", "mtu 1400", MAC
  /// "VLAN 100", "trunks 100,200" or "" (for ports).
  std::string port_tag() const;
};

/// A veth pair between interfaces `a` and `b` (indices into Scene::interfaces).
struct SceneLink {
  int a = 0, b = 0;
};

/// A note attached to an interface: a DHCP server or a NAT rule.
struct SceneNote {
  int interface = 0;
  std::string title;               ///< "dnsmasq (DHCP server)", "NAT masquerade"
  std::vector<std::string> lines;  ///< "range 10.20.30.10 - 10.20.30.100", ...
};

struct SceneBridge {
  const Bridge* bridge = nullptr;
  std::vector<std::string> lines;  ///< "OVS bridge", "datapath auto", addresses
};

struct SceneNamespace {
  std::string name;                ///< "" = root namespace
  std::vector<std::string> notes;  ///< routes and sysctls, one per line
};

struct Scene {
  std::vector<SceneNamespace> namespaces;  ///< file order, root namespace last
  std::vector<SceneInterface> interfaces;
  std::vector<SceneBridge> bridges;
  std::vector<SceneLink> links;
  std::vector<SceneNote> notes;
  /// Index of the interface `name` in namespace `ns`, or -1.
  int find(const std::string& ns, const std::string& name) const;
};

/// Builds the scene. Never fails: references that do not resolve are drawn as
/// they are written (an unknown owner in NAME:IF is treated as a namespace).
Scene build_scene(const Topology& topology);

}  // namespace netlab::render_detail
