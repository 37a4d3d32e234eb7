// derive_dependencies: what each action's operations create, change,
// require and destroy, named with the resource graph's keys, and the edges
// that follows from. Every rule only looks back in plan order, so every edge
// points to an earlier action. The rules (a "needs" b: b finishes first):
//
//  1. Use: an action that requires or changes a resource needs the last
//     earlier action that created, changed or destroyed it. So a link, an
//     address, a route, a sysctl or a daemon in a namespace needs the
//     namespace; a veth both namespaces; an address, attribute change,
//     bridge port or move its link, after every earlier change of that link
//     (stale addresses go before new ones: deleting a primary address deletes
//     the secondaries of its subnet); a bridge port its bridge; a vlan its
//     parent; an OVS port row its bridge and (not internal) its device; the
//     move or setup of an internal port the OVS row that made its device.
//  2. Routes: the kernel accepts a gateway only on a connected network: a
//     route needs the plan's addresses in its namespace whose subnet holds
//     `via`, and their links; when the plan adds none, every link the plan
//     makes or changes in that namespace (which one holds `via` is not in
//     the plan).
//  3. Replace by name: creating a resource needs every earlier action that
//     destroyed a resource of that key (a delete of X before a create of X).
//  4. Users before destroy: destroying a resource needs every earlier action
//     that required or changed it: daemons stop before their namespace and
//     interface go, a NAT table is removed before its `out` interface.
//  5. Settle: waiting for links to vanish needs every earlier namespace
//     delete (they go with their peers' namespaces, which the op does not name).
//  6. OVS row deletes need the earlier kernel deletes (namespaces, links,
//     waits): a row whose device is gone is removed 10x faster with the
//     netdev datapath (measured), and which devices a namespace delete takes
//     along is not in the ops. An OVS delete needs the kernel deletes since
//     the previous OVS delete and that one (the same transaction): the edges
//     stay linear in the plan's size.
//  7. A kernel link made in the root namespace needs the earlier deletes of
//     OVS port rows of its name: the old row goes while its device is absent
//     (rule 6), and vswitchd never sees the new device under the old row.
//  8. Split replace: the create half needs its destroy half (same subjects),
//     also when the port moves to another bridge (other keys).
//  9. Daemons: a daemon needs its interface (rule 1) and, when the plan makes
//     that interface as a veth, the last change of its peer (a bridge port,
//     an OVS row: the path DHCP takes); a DHCP client needs every earlier
//     DHCP server start.
// 10. Sysctls: one of an interface (conf.IF, neigh.IF) needs that link; a
//     default (conf.default, neigh.default) applies to interfaces made after
//     it: it needs every earlier link made or changed in its namespace, so
//     that it applies to the same interfaces whatever the timing.
// 11. Services: a service starts when the network is complete: its start
//     needs every earlier action that is not a service's (links, addresses,
//     routes, DHCP leases), and the services of its `after` (rule 1, key
//     "service:NAME"). A service stop needs only its namespace (rule 4 then
//     stops it before the namespace goes).
#include "plan/dependencies.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "model/resource_graph.hpp"

namespace netlab {

namespace key = resource_key;

namespace {

// What one action's operations do to resources, by key.
struct Use {
  std::vector<std::string> creates, changes, requires_, destroys;
  bool namespace_delete = false;
  bool kernel_delete = false;  // a namespace, a link, or waiting for links to go
  bool ovs_delete = false;     // OVS port or bridge rows
  bool waits_links_gone = false;
  std::vector<std::string> ovs_ports_deleted;  // names
  std::vector<std::string> root_links_made;    // names
  struct Address {
    std::string ns, ifname;
    IpPrefix prefix;
  };
  std::vector<Address> addresses_added;
  struct Via {
    std::string ns;
    IpAddress gateway;
  };
  std::vector<Via> routes_via;
  std::vector<std::pair<std::string, std::string>> veths;  // both ends' link keys
  std::optional<std::string> daemon_link;
  bool service = false;        // starts or stops a service (rule 11)
  bool service_start = false;  // starts one: after every earlier non-service action
  bool dhcp_server_start = false, dhcp_client_start = false;
  std::vector<std::string> sysctl_defaults;  // namespaces
  // Links made or changed, with their namespace: what rules 2 and 10 wait for.
  std::vector<std::pair<std::string, std::string>> links_touched;  // (namespace, link key)
};

// "net.ipv4.conf.eth0.rp_filter" -> ("conf", "eth0"), "net.ipv4.conf.eth0/10.x" ->
// ("conf", "eth0.10"); nullopt for keys of no interface.
std::optional<std::pair<std::string, std::string>> per_device(const std::string& k) {
  for (const char* family : {"net.ipv4.", "net.ipv6."}) {
    std::string f = family;
    if (k.compare(0, f.size(), f) != 0) continue;
    std::string rest = k.substr(f.size());
    for (const char* table : {"conf", "neigh"}) {
      std::string t = std::string(table) + ".";
      if (rest.compare(0, t.size(), t) != 0) continue;
      std::string tail = rest.substr(t.size());
      auto dot = tail.rfind('.');
      if (dot == std::string::npos || dot == 0) return std::nullopt;
      // A dot in an interface name is written '/' in a dotted key.
      std::string dev = tail.substr(0, dot);
      std::replace(dev.begin(), dev.end(), '/', '.');
      return std::make_pair(std::string(table), dev);
    }
  }
  return std::nullopt;
}

void require_ns(Use& u, const std::string& ns) {
  if (!ns.empty()) u.requires_.push_back(key::netns(ns));  // the root namespace is always there
}

void make_link(Use& u, const std::string& ns, const std::string& name) {
  u.creates.push_back(key::link(ns, name));
  u.links_touched.emplace_back(ns, key::link(ns, name));
  if (ns.empty()) u.root_links_made.push_back(name);
}

// Requires and changes a link of an existing or earlier-made interface.
void change_link(Use& u, const std::string& ns, const std::string& name) {
  require_ns(u, ns);
  u.requires_.push_back(key::link(ns, name));
  u.changes.push_back(key::link(ns, name));
  u.links_touched.emplace_back(ns, key::link(ns, name));
}

void add_ovs(Use& u, const OvsTransaction& t) {
  for (const auto& b : t.add_bridges) {
    u.creates.push_back(key::bridge(b.name));
    make_link(u, "", b.name);  // the bridge's own internal device
  }
  for (const auto& p : t.add_ports) {
    u.requires_.push_back(key::bridge(p.bridge));
    if (p.internal) {
      make_link(u, "", p.name);
    } else {
      change_link(u, "", p.name);  // the device becomes the port
    }
    u.creates.push_back(key::port(p.bridge, p.name));
  }
  for (const auto& p : t.del_ports) {
    u.destroys.push_back(key::port(p.bridge, p.name));
    u.ovs_ports_deleted.push_back(p.name);
    u.ovs_delete = true;
  }
  for (const auto& b : t.del_bridges) {
    u.destroys.push_back(key::bridge(b));
    u.ovs_delete = true;
  }
  // set_vlans, adopt and disown change rows that exist: nothing to wait for.
}

void add_op(Use& u, const Operation& operation, const Action& action) {
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, op::CreateNamespace> ||
                      std::is_same_v<T, op::AdoptNamespace>) {
          u.creates.push_back(key::netns(o.ns));
          if constexpr (std::is_same_v<T, op::CreateNamespace>) make_link(u, o.ns, "lo");
        } else if constexpr (std::is_same_v<T, op::DeleteNamespace> ||
                             std::is_same_v<T, op::ForgetNamespace>) {
          u.destroys.push_back(key::netns(o.ns));
          if constexpr (std::is_same_v<T, op::DeleteNamespace>)
            u.namespace_delete = u.kernel_delete = true;
        } else if constexpr (std::is_same_v<T, op::CreateVeth>) {
          require_ns(u, o.req.ns);
          require_ns(u, o.req.peer_ns);
          make_link(u, o.req.ns, o.req.name);
          make_link(u, o.req.peer_ns, o.req.peer_name);
          u.veths.emplace_back(key::link(o.req.ns, o.req.name),
                               key::link(o.req.peer_ns, o.req.peer_name));
        } else if constexpr (std::is_same_v<T, op::CreateBridge>) {
          require_ns(u, o.ns);
          make_link(u, o.ns, o.name);
        } else if constexpr (std::is_same_v<T, op::CreateVlan>) {
          require_ns(u, o.ns);
          u.requires_.push_back(key::link(o.ns, o.parent));
          make_link(u, o.ns, o.name);
        } else if constexpr (std::is_same_v<T, op::CreateVxlan>) {
          require_ns(u, o.req.ns);
          make_link(u, o.req.ns, o.req.name);
        } else if constexpr (std::is_same_v<T, op::DeleteLink>) {
          require_ns(u, o.ns);
          u.destroys.push_back(key::link(o.ns, o.name));
          u.kernel_delete = true;
          // A veth goes with its peer: the undo that makes the pair again names it.
          for (const auto& undo : action.undo)
            if (const auto* v = std::get_if<op::CreateVeth>(&undo))
              if (v->req.ns == o.ns && v->req.name == o.name)
                u.destroys.push_back(key::link(v->req.peer_ns, v->req.peer_name));
        } else if constexpr (std::is_same_v<T, op::ChangeLink>) {
          change_link(u, o.ns, o.name);
          if (o.change.master && !o.change.master->empty())
            u.requires_.push_back(key::link(o.ns, *o.change.master));
        } else if constexpr (std::is_same_v<T, op::MoveLink>) {
          require_ns(u, o.ns);
          require_ns(u, o.to_ns);
          u.requires_.push_back(key::link(o.ns, o.name));
          u.destroys.push_back(key::link(o.ns, o.name));
          make_link(u, o.to_ns, o.name);
        } else if constexpr (std::is_same_v<T, op::AddAddress>) {
          change_link(u, o.ns, o.ifname);
          u.creates.push_back(key::address(o.ns, o.ifname, o.address.str()));
          u.addresses_added.push_back({o.ns, o.ifname, o.address});
        } else if constexpr (std::is_same_v<T, op::DeleteAddress>) {
          change_link(u, o.ns, o.ifname);
          u.destroys.push_back(key::address(o.ns, o.ifname, o.address.str()));
        } else if constexpr (std::is_same_v<T, op::AddRoute> ||
                             std::is_same_v<T, op::DeleteRoute>) {
          require_ns(u, o.ns);
          if (!o.route.dev.empty()) u.requires_.push_back(key::link(o.ns, o.route.dev));
          std::string k = key::route(o.ns, route_name(o.route));
          if constexpr (std::is_same_v<T, op::AddRoute>) {
            u.creates.push_back(k);
            if (o.route.gateway) u.routes_via.push_back({o.ns, *o.route.gateway});
          } else {
            u.destroys.push_back(k);
          }
        } else if constexpr (std::is_same_v<T, op::WriteSysctl>) {
          require_ns(u, o.ns);
          if (auto dev = per_device(o.key)) {
            if (dev->second == "default") {
              u.sysctl_defaults.push_back(o.ns);
            } else if (dev->second != "all") {
              u.requires_.push_back(key::link(o.ns, dev->second));
            }
          }
          u.changes.push_back(key::sysctl(o.ns, o.key));
        } else if constexpr (std::is_same_v<T, op::Ovs>) {
          add_ovs(u, o.txn);
        } else if constexpr (std::is_same_v<T, op::WaitLinksGone>) {
          for (const auto& n : o.names) u.destroys.push_back(key::link(o.ns, n));
          u.waits_links_gone = u.kernel_delete = true;
        } else if constexpr (std::is_same_v<T, op::StartDaemon> ||
                             std::is_same_v<T, op::StopDaemon>) {
          const DaemonSpec& d = o.daemon;
          require_ns(u, d.ns());
          if (const auto* svc = std::get_if<ServiceInstance>(&d.instance)) {
            u.service = true;
            std::string k = "service:" + svc->name;
            if constexpr (std::is_same_v<T, op::StartDaemon>) {
              u.creates.push_back(k);
              u.service_start = true;
              for (const auto& a : svc->after) u.requires_.push_back("service:" + a);
            } else {
              u.destroys.push_back(k);
            }
            return;
          }
          u.requires_.push_back(key::link(d.ns(), d.interface()));
          std::string k = d.is_server() ? key::dhcp_server(d.ns(), d.interface())
                                        : key::dhcp_client(d.ns(), d.interface());
          if constexpr (std::is_same_v<T, op::StartDaemon>) {
            u.creates.push_back(k);
            u.daemon_link = key::link(d.ns(), d.interface());
            (d.is_server() ? u.dhcp_server_start : u.dhcp_client_start) = true;
          } else {
            u.destroys.push_back(k);
          }
        } else if constexpr (std::is_same_v<T, op::ApplyNat>) {
          for (const auto& r : o.rules) {
            u.requires_.push_back(key::link("", r.out));
            u.creates.push_back(key::nat(r.out, r.source.network().str()));
          }
        } else if constexpr (std::is_same_v<T, op::SetQdisc> ||
                             std::is_same_v<T, op::DeleteQdisc>) {
          // The link's root qdisc: after the link's make and changes.
          change_link(u, o.ns, o.name);
        } else if constexpr (std::is_same_v<T, op::SetLoss> || std::is_same_v<T, op::ClearLoss>) {
          // A drop on the device's ingress, from the lab's table in its
          // namespace: one writer of that table at a time (the last chain
          // takes the table along).
          require_ns(u, o.ns);
          u.requires_.push_back(key::link(o.ns, o.device));
          u.changes.push_back("loss-table " + o.ns);
        } else if constexpr (std::is_same_v<T, op::RemoveNat>) {
          // The rules that go are those its undo puts back.
          for (const auto& undo : action.undo)
            if (const auto* n = std::get_if<op::ApplyNat>(&undo))
              for (const auto& r : n->rules) {
                u.requires_.push_back(key::link("", r.out));
                u.destroys.push_back(key::nat(r.out, r.source.network().str()));
              }
        }
      },
      operation);
}

Use use_of(const Action& a) {
  Use u;
  for (const auto& o : a.ops) add_op(u, o, a);
  return u;
}

class Deriver {
 public:
  void add(std::size_t i, Action& a) {
    const Use u = use_of(a);
    std::set<std::size_t> deps;
    auto after_last_writer = [&](const std::string& k) {
      auto it = last_writer_.find(k);
      if (it != last_writer_.end()) deps.insert(it->second);
    };
    auto after_all = [&](const std::vector<std::size_t>& v) { deps.insert(v.begin(), v.end()); };
    auto list = [](auto& map, const std::string& k) -> std::vector<std::size_t>& { return map[k]; };

    // 1. use
    for (const auto& k : u.requires_) after_last_writer(k);
    for (const auto& k : u.changes) after_last_writer(k);
    // 2. routes
    for (const auto& via : u.routes_via) {
      bool found = false;
      for (const auto& a : addresses_[via.ns]) {
        if (!a.prefix.contains(via.gateway)) continue;
        found = true;
        after_last_writer(key::address(via.ns, a.ifname, a.prefix.str()));
        after_last_writer(key::link(via.ns, a.ifname));
      }
      if (!found)
        for (const auto& k : links_touched_[via.ns]) after_last_writer(k);
    }
    // 3. replace by name
    for (const auto& k : u.creates) after_all(list(destroyers_, k));
    // 4. users before destroy
    for (const auto& k : u.destroys) after_all(list(users_, k));
    // 5. settle
    if (u.waits_links_gone) after_all(namespace_deletes_);
    // 6. OVS row deletes after the kernel deletes
    if (u.ovs_delete) {
      after_all(kernel_deletes_since_ovs_delete_);
      if (last_ovs_delete_) deps.insert(*last_ovs_delete_);
    }
    // 7. root links after the deletes of OVS rows of their name
    for (const auto& name : u.root_links_made) after_all(list(ovs_port_deletes_, name));
    // 8. split replace
    if (a.half == ReplaceHalf::Create) {
      for (std::size_t d : destroy_halves_) {
        if (d_subjects_[d] == a.subjects) deps.insert(d);
      }
    }
    // 9. daemons
    if (u.daemon_link) {
      auto peer = peers_.find(*u.daemon_link);
      if (peer != peers_.end()) after_last_writer(peer->second);
    }
    if (u.dhcp_client_start) after_all(server_starts_);
    // 11. services after the network
    if (u.service_start) after_all(non_service_);
    // 10. sysctl defaults
    for (const auto& ns : u.sysctl_defaults)
      for (const auto& k : links_touched_[ns]) after_last_writer(k);

    deps.erase(i);
    a.deps.assign(deps.begin(), deps.end());
    record(i, a, u);
  }

 private:
  void record(std::size_t i, const Action& a, const Use& u) {
    for (const auto& k : u.requires_) users_[k].push_back(i);
    for (const auto& k : u.changes) {
      users_[k].push_back(i);
      last_writer_[k] = i;
    }
    for (const auto& k : u.creates) last_writer_[k] = i;
    for (const auto& k : u.destroys) {
      destroyers_[k].push_back(i);
      last_writer_[k] = i;
    }
    for (const auto& [ns, k] : u.links_touched)
      if (touched_.insert(k).second) links_touched_[ns].push_back(k);
    for (const auto& ad : u.addresses_added) addresses_[ad.ns].push_back({ad.ifname, ad.prefix});
    for (const auto& [a_end, b_end] : u.veths) {
      peers_[a_end] = b_end;
      peers_[b_end] = a_end;
    }
    if (!u.service) non_service_.push_back(i);
    if (u.namespace_delete) namespace_deletes_.push_back(i);
    if (u.kernel_delete) kernel_deletes_since_ovs_delete_.push_back(i);
    if (u.ovs_delete) {
      last_ovs_delete_ = i;
      kernel_deletes_since_ovs_delete_.clear();
    }
    for (const auto& name : u.ovs_ports_deleted) ovs_port_deletes_[name].push_back(i);
    if (a.half == ReplaceHalf::Destroy) {
      destroy_halves_.push_back(i);
      d_subjects_[i] = a.subjects;
    }
    if (u.dhcp_server_start) server_starts_.push_back(i);
  }

  struct Address {
    std::string ifname;
    IpPrefix prefix;
  };
  std::unordered_map<std::string, std::size_t> last_writer_;
  std::unordered_map<std::string, std::vector<std::size_t>> users_, destroyers_, ovs_port_deletes_;
  std::unordered_map<std::string, std::vector<std::string>> links_touched_;  // by namespace
  std::unordered_set<std::string> touched_;                                  // their keys
  std::unordered_map<std::string, std::vector<Address>> addresses_;          // by namespace
  std::unordered_map<std::string, std::string> peers_;  // link key -> its veth peer's
  std::vector<std::size_t> namespace_deletes_, kernel_deletes_since_ovs_delete_, server_starts_;
  std::vector<std::size_t> non_service_;  // actions that are not a service's (rule 11)
  std::optional<std::size_t> last_ovs_delete_;
  std::vector<std::size_t> destroy_halves_;
  std::unordered_map<std::size_t, std::vector<ObjectRef>> d_subjects_;
};

}  // namespace

void derive_dependencies(std::vector<Action>& actions) {
  Deriver d;
  for (std::size_t i = 0; i < actions.size(); ++i) d.add(i, actions[i]);
}

}  // namespace netlab
