// The resource graph: one node per object a lab creates (namespace, link,
// bridge, port, address, route, sysctl, DHCP server/client, NAT rule) and the
// dependencies between them, as the topology states them; a cycle or a
// reference to nothing is an error (`validate`). Applies follow the
// dependencies of the plan's actions, named with the same keys (resource_key).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/topology.hpp"

namespace netlab {

enum class ResourceKind {
  Namespace,
  Link,  ///< a veth pair (both ends)
  LinuxBridge,
  OvsBridge,
  BridgePort,    ///< a link end on a bridge, or a declared non-internal port
  InternalPort,  ///< an OVS internal port (possibly moved into a namespace)
  VlanInterface,
  Address,
  Route,
  Sysctl,
  DhcpServer,
  DhcpClient,
  NatRule,
};

/// "namespace", "link", "linux-bridge", ... (stable; used in output).
const char* to_string(ResourceKind kind);

/// The keys that name resources, shared by the graph of a topology
/// (build_resource_graph) and the dependencies of a plan's actions
/// (src/plan/dependencies.cpp). `ns` "" is the root namespace, written "host".
namespace resource_key {
std::string netns(const std::string& ns);                                ///< "netns:red"
std::string link(const std::string& ns, const std::string& ifname);      ///< "link:red/eth0-r"
std::string bridge(const std::string& name);                             ///< "bridge:br0"
std::string port(const std::string& bridge, const std::string& ifname);  ///< "port:br0/eth1"
std::string internal_port(const std::string& bridge, const std::string& ifname);
std::string vlan(const std::string& ns, const std::string& ifname);  ///< "vlan:red/eth0.10"
std::string address(const std::string& ns, const std::string& ifname,
                    const std::string& prefix);  ///< "address:red/eth0/10.0.0.1/24"
std::string route(const std::string& ns, const std::string& name);  ///< "route:red/default"
std::string sysctl(const std::string& ns,
                   const std::string& key);  ///< "sysctl:host/net.ipv4.ip_forward"
std::string dhcp_server(const std::string& ns, const std::string& ifname);
std::string dhcp_client(const std::string& ns, const std::string& ifname);
std::string nat(const std::string& out, const std::string& source);  ///< "nat:eth0/10.0.0.0/24"
}  // namespace resource_key

/// One object to create. `key` is unique in a graph and identifies the node
/// in edges and messages ("netns:red", "link:red/eth0-r"); `label` is a short
/// human description; `pos` points into the topology file (may be unknown).
struct ResourceNode {
  ResourceKind kind = ResourceKind::Namespace;
  std::string key;
  std::string label;
  SourcePos pos;
};

/// A directed dependency graph over ResourceNodes. Edges are added by key and
/// resolved lazily, so an edge may name a key that is added later (or never:
/// that is a dangling reference, which check() reports). Value type; all
/// queries are deterministic (insertion order breaks every tie).
class ResourceGraph {
 public:
  /// `from` needs `to`: `to` is created before `from`, removed after it.
  struct Edge {
    std::string from;
    std::string to;
  };

  /// Appends a node and returns its index. A key that is already present is
  /// still appended (indices stay stable) but is reported by check() as
  /// defined twice; find() keeps returning the first node with that key.
  std::size_t add_node(ResourceNode node);
  /// Records "from_key needs to_key". A repeated edge is ignored; an edge from
  /// a key to itself is a cycle of one node.
  void add_edge(std::string from_key, std::string to_key);

  std::size_t size() const { return nodes_.size(); }
  const std::vector<ResourceNode>& nodes() const { return nodes_; }
  const ResourceNode& node(std::size_t i) const { return nodes_.at(i); }
  const std::vector<Edge>& edges() const { return edges_; }
  /// Index of the (first) node with `key`, or nullopt.
  std::optional<std::size_t> find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key).has_value(); }
  /// Indices of the nodes that node `i` needs (edges that resolve), in the
  /// order the edges were added.
  std::vector<std::size_t> dependencies(std::size_t i) const;

  /// Every problem, as Error{InvalidTopology}: keys defined twice (at the
  /// second node's position), dangling edges (at the dependent's position,
  /// naming both keys), then dependency cycles (at the position of the cycle's
  /// first node, "dependency cycle: a -> b -> a", each arrow meaning "needs").
  /// Empty for a graph whose nodes can be created in some order. `validate`
  /// reports these; the order an apply follows is the dependencies of the
  /// plan's actions (derive_dependencies), named with the same keys.
  std::vector<Error> check() const;

 private:
  struct Sorted {
    std::vector<std::size_t> order;      ///< the nodes Kahn could place
    std::vector<std::size_t> remaining;  ///< nodes on or behind a cycle
  };
  Sorted kahn() const;
  std::vector<std::vector<std::size_t>> resolved_dependencies() const;

  // Hashed, not ordered: the keys of a big lab share long prefixes
  // ("address:h12/eth0/..."), and ordered maps spent ~a third of the graph's
  // check comparing them (1000 hosts). Nothing iterates these maps, so the
  // order of every query stays the insertion order.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct EdgeHash {
    std::size_t operator()(const std::pair<std::string, std::string>& e) const {
      std::size_t h = KeyHash{}(e.first);
      return h ^ (KeyHash{}(e.second) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    }
  };

  std::vector<ResourceNode> nodes_;
  std::unordered_map<std::string, std::size_t, KeyHash, std::equal_to<>> index_;
  std::vector<std::pair<std::size_t, std::size_t>> duplicates_;  ///< (second, first)
  std::vector<Edge> edges_;
  /// key -> edges_ (in the order they were added)
  std::unordered_map<std::string, std::vector<std::size_t>, KeyHash, std::equal_to<>> edges_from_;
  /// (from, to) of the edges of nodes with many (add_edge)
  std::unordered_set<std::pair<std::string, std::string>, EdgeHash> many_edges_;
};

/// The graph of everything `topology` creates. Nodes (keys in parentheses;
/// "host" stands for the root namespace): each namespace ("netns:NS"), veth
/// link ("link:OWNER/IF", its first end as written), Linux or OVS bridge
/// ("bridge:BR"), bridge port ("port:BR/IF": a link end on a bridge or a
/// declared non-internal port), internal port ("internal-port:BR/IF"), vlan
/// sub-interface ("vlan:NS/IF"), static address ("address:NS/IF/PREFIX"),
/// route ("route:NS/NETWORK"), sysctl ("sysctl:NS/KEY"), DHCP server
/// ("dhcp-server:NS/IF"), DHCP client ("dhcp-client:NS/IF"), NAT rule
/// ("nat:OUT/SOURCE"; routes and NAT rules that repeat get "#2", "#3"...). Edges: link -> its
/// namespaces and bridges; port -> its bridge and its interface when the lab makes it; internal
/// port -> bridge and namespace; vlan -> namespace and parent; address -> its interface; route ->
/// namespace, `dev` interface, and the addresses whose subnet holds `via`; sysctl -> namespace;
/// DHCP server -> its interface's addresses (the interface when it has none); DHCP client -> its
/// interface and every DHCP server of the lab; NAT rule -> `out` when the lab makes it. Interfaces
/// are placed from links, internal ports and vlan sub-interfaces (the
/// `interfaces:` sections only configure them), so a setting on an interface
/// the lab does not make gives a dangling edge. Never fails; check() the
/// result. Pure: no I/O.
ResourceGraph build_resource_graph(const Topology& topology);

}  // namespace netlab
