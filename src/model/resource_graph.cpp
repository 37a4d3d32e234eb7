// ResourceGraph: nodes by key, edges by key, Kahn's algorithm (for check()'s
// cycles) with a min-heap of ready indices so that ties go to the node added
// first; and the keys that name resources.
#include "model/resource_graph.hpp"

#include <algorithm>
#include <functional>
#include <queue>

namespace netlab {

const char* to_string(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::Namespace:
      return "namespace";
    case ResourceKind::Link:
      return "link";
    case ResourceKind::LinuxBridge:
      return "linux-bridge";
    case ResourceKind::OvsBridge:
      return "ovs-bridge";
    case ResourceKind::BridgePort:
      return "bridge-port";
    case ResourceKind::InternalPort:
      return "internal-port";
    case ResourceKind::VlanInterface:
      return "vlan-interface";
    case ResourceKind::Address:
      return "address";
    case ResourceKind::Route:
      return "route";
    case ResourceKind::Sysctl:
      return "sysctl";
    case ResourceKind::DhcpServer:
      return "dhcp-server";
    case ResourceKind::DhcpClient:
      return "dhcp-client";
    case ResourceKind::NatRule:
      return "nat-rule";
  }
  return "?";
}

namespace resource_key {

namespace {
// "" (the root namespace) is written "host" in keys.
std::string owner(const std::string& ns) { return ns.empty() ? std::string(kHostName) : ns; }
}  // namespace

std::string netns(const std::string& ns) { return "netns:" + owner(ns); }
std::string link(const std::string& ns, const std::string& ifname) {
  return "link:" + owner(ns) + "/" + ifname;
}
std::string bridge(const std::string& name) { return "bridge:" + name; }
std::string port(const std::string& bridge, const std::string& ifname) {
  return "port:" + bridge + "/" + ifname;
}
std::string internal_port(const std::string& bridge, const std::string& ifname) {
  return "internal-port:" + bridge + "/" + ifname;
}
std::string vlan(const std::string& ns, const std::string& ifname) {
  return "vlan:" + owner(ns) + "/" + ifname;
}
std::string address(const std::string& ns, const std::string& ifname, const std::string& prefix) {
  return "address:" + owner(ns) + "/" + ifname + "/" + prefix;
}
std::string route(const std::string& ns, const std::string& name) {
  return "route:" + owner(ns) + "/" + name;
}
std::string sysctl(const std::string& ns, const std::string& key) {
  return "sysctl:" + owner(ns) + "/" + key;
}
std::string dhcp_server(const std::string& ns, const std::string& ifname) {
  return "dhcp-server:" + owner(ns) + "/" + ifname;
}
std::string dhcp_client(const std::string& ns, const std::string& ifname) {
  return "dhcp-client:" + owner(ns) + "/" + ifname;
}
std::string nat(const std::string& out, const std::string& source) {
  return "nat:" + out + "/" + source;
}

}  // namespace resource_key

std::size_t ResourceGraph::add_node(ResourceNode node) {
  std::size_t i = nodes_.size();
  auto [it, inserted] = index_.emplace(node.key, i);
  if (!inserted) duplicates_.emplace_back(i, it->second);
  nodes_.push_back(std::move(node));
  return i;
}

void ResourceGraph::add_edge(std::string from_key, std::string to_key) {
  // A repeat is found among the node's own edges: by a scan for the few most
  // nodes have, in a set of (from, to) for a node with many (a DHCP client
  // needs every server). Keeping every edge's keys in a set cost as much as
  // the edges themselves.
  constexpr std::size_t kScanUpTo = 16;
  auto& out = edges_from_[from_key];
  if (out.size() < kScanUpTo) {
    for (std::size_t e : out)
      if (edges_[e].to == to_key) return;
  } else {
    if (out.size() == kScanUpTo)
      for (std::size_t e : out) many_edges_.emplace(edges_[e].from, edges_[e].to);
    if (!many_edges_.emplace(from_key, to_key).second) return;
  }
  out.push_back(edges_.size());
  edges_.push_back({std::move(from_key), std::move(to_key)});
}

std::optional<std::size_t> ResourceGraph::find(std::string_view key) const {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::vector<std::size_t>> ResourceGraph::resolved_dependencies() const {
  std::vector<std::vector<std::size_t>> deps(nodes_.size());
  for (const auto& e : edges_) {
    auto from = find(e.from);
    auto to = find(e.to);
    if (from && to) deps[*from].push_back(*to);  // distinct: edges are deduplicated
  }
  return deps;
}

std::vector<std::size_t> ResourceGraph::dependencies(std::size_t i) const {
  std::vector<std::size_t> out;
  const std::string& key = nodes_.at(i).key;
  // A duplicate node has no edges of its own: edges resolve to the first.
  if (find(key) != i) return out;
  auto it = edges_from_.find(key);
  if (it == edges_from_.end()) return out;
  for (std::size_t e : it->second)
    if (auto to = find(edges_[e].to)) out.push_back(*to);
  return out;
}

ResourceGraph::Sorted ResourceGraph::kahn() const {
  const auto deps = resolved_dependencies();
  const std::size_t n = nodes_.size();
  std::vector<std::size_t> missing(n);  // dependencies not yet created
  std::vector<std::vector<std::size_t>> dependents(n);
  for (std::size_t i = 0; i < n; ++i) {
    missing[i] = deps[i].size();
    for (std::size_t d : deps[i]) dependents[d].push_back(i);
  }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (missing[i] == 0) ready.push(i);
  Sorted s;
  s.order.reserve(n);
  while (!ready.empty()) {
    std::size_t i = ready.top();
    ready.pop();
    s.order.push_back(i);
    for (std::size_t d : dependents[i])
      if (--missing[d] == 0) ready.push(d);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (missing[i] != 0) s.remaining.push_back(i);
  return s;
}

std::vector<Error> ResourceGraph::check() const {
  std::vector<Error> errors;
  for (const auto& [second, first] : duplicates_) {
    const auto& f = nodes_[first];
    std::string msg = "resource " + f.key + " is defined twice";
    if (f.pos.known()) msg += " (first at " + f.pos.str() + ")";
    errors.push_back({ErrorKind::InvalidTopology, msg, nodes_[second].pos, 0});
  }
  for (const auto& e : edges_) {
    if (contains(e.to)) continue;
    auto from = find(e.from);
    std::string msg = (from ? nodes_[*from].key : "undefined resource " + e.from) + " needs " +
                      e.to + ", which is not defined";
    errors.push_back({ErrorKind::InvalidTopology, msg, from ? nodes_[*from].pos : SourcePos{}, 0});
  }

  // Every node Kahn could not place waits on at least one other such node, so
  // following "first waiting dependency" from any of them must come back to a
  // node already on the path: that closes a cycle. A walk that runs into an
  // earlier walk's nodes finds nothing new.
  const Sorted s = kahn();
  if (s.remaining.empty()) return errors;
  const auto deps = resolved_dependencies();
  std::vector<bool> waiting(nodes_.size(), false);
  for (std::size_t i : s.remaining) waiting[i] = true;
  std::vector<int> walk_of(nodes_.size(), -1);
  int walk = 0;
  for (std::size_t start : s.remaining) {
    if (walk_of[start] >= 0) continue;
    std::vector<std::size_t> path;
    std::size_t cur = start;
    bool closed = false;
    while (walk_of[cur] < 0) {
      walk_of[cur] = walk;
      path.push_back(cur);
      auto next = std::find_if(deps[cur].begin(), deps[cur].end(),
                               [&](std::size_t d) { return waiting[d]; });
      if (next == deps[cur].end()) break;  // cannot happen (see above); be safe
      cur = *next;
      closed = walk_of[cur] == walk;
    }
    if (closed) {
      auto first = std::find(path.begin(), path.end(), cur);
      std::vector<std::size_t> cycle(first, path.end());
      // Start the message at the node added first, for a stable text.
      std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
      std::string msg = "dependency cycle:";
      for (std::size_t i : cycle) msg += " " + nodes_[i].key + " ->";
      msg += " " + nodes_[cycle.front()].key;
      errors.push_back({ErrorKind::InvalidTopology, msg, nodes_[cycle.front()].pos, 0});
    }
    ++walk;
  }
  return errors;
}

}  // namespace netlab
