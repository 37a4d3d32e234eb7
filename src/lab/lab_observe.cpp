// Lab::observe: what the machine holds of a lab, read by one observer per
// backend (kernel, daemons, NAT, OVS). Each is a function of the desired
// model and the backends to its part of the LiveState, and all are listed
// in kObservers: a new backend adds its observer there.
#include <algorithm>
#include <optional>
#include <set>
#include <type_traits>
#include <variant>

#include "lab/lab_daemons.hpp"
#include "netlab/lab.hpp"
#include "netlab/nat.hpp"

namespace netlab {

namespace {

struct ObserveContext {
  const DesiredState& desired;
  const StateDir& state;
  LabBackends& backends;
  bool need_ovs;  ///< OVS must answer (the topology has OVS objects)
};

using Observer = Status (*)(const ObserveContext&, LiveState&);

// sysctl keys to read: everything the topology sets and what the lab saved.
std::vector<std::string> sysctl_keys(const DesiredState& d,
                                     const std::map<std::string, std::string>& saved) {
  std::set<std::string> keys;
  for (const auto& s : d.sysctls) keys.insert(s.key);
  for (const auto& [k, _] : saved) keys.insert(k);
  return {keys.begin(), keys.end()};
}

// Beyond this many names, one dump of the root costs no more than reading
// each by name (a 1000-host lab's own root ends and bridges).
constexpr std::size_t kRootLinksByName = 256;

// The root links to read by name (ObserveOptions::root_links): the
// topology's and the ones the lab recorded making. nullopt = every root link,
// when the lab has no record (made by an older netlab, or no state
// directory: then only the marks tell which root links are the lab's).
std::optional<std::vector<std::string>> root_links(const DesiredState& d, const StateDir& state) {
  auto recorded = state.root_links();
  if (!recorded) return std::nullopt;
  std::set<std::string> names = std::move(*recorded);
  for (const auto& l : d.links) {
    if (l.ns.empty()) names.insert(l.name);
    if (l.peer_ns.empty() && !l.peer_name.empty()) names.insert(l.peer_name);
  }
  // The devices of OVS bridges and internal ports live in the root too.
  for (const auto& b : d.ovs_bridges) names.insert(b.name);
  for (const auto& p : d.ovs_ports) names.insert(p.name);
  if (names.size() > kRootLinksByName) return std::nullopt;
  return std::vector<std::string>(names.begin(), names.end());
}

// The namespaces of the topology and the ones the lab recorded, the root
// namespace, the sysctls either asks for; and what the state directory says
// the lab owns of them. Veth peers are named only among those namespaces
// (PeerLookup::ObservedOnly): the planners act on a peer only when it is in
// one of them (peer_known), and naming peers in other labs' namespaces would
// make this lab's observation grow with theirs.
Status observe_kernel(const ObserveContext& c, LiveState& live) {
  live.owned_namespaces = c.state.namespaces();
  live.saved_host_sysctls = c.state.saved_host_sysctls();
  std::set<std::string> names(live.owned_namespaces.begin(), live.owned_namespaces.end());
  for (const auto& n : c.desired.namespaces) names.insert(n.name);
  auto kernel = c.backends.kernel->observe(
      {names.begin(), names.end()}, sysctl_keys(c.desired, live.saved_host_sysctls),
      {PeerLookup::ObservedOnly, true, root_links(c.desired, c.state)});
  if (!kernel.ok()) return kernel.error();
  live.kernel = std::move(*kernel);
  return {};
}

Status observe_lab_daemons(const ObserveContext& c, LiveState& live) {
  auto daemons = observe_daemons(c.state, *c.backends.processes);
  if (!daemons.ok()) return daemons.error();
  live.daemons = std::move(*daemons);
  return {};
}

// The lab's nftables table: read when the lab wants NAT or may have made one.
Status observe_lab_nat(const ObserveContext& c, LiveState& live) {
  if (c.desired.nat.empty() && !c.state.exists()) return {};
  auto nat = c.backends.nat->observe(c.desired.lab);
  if (!nat.ok()) return c.desired.nat.empty() ? Status{} : Status{nat.error()};
  live.nat = std::move(*nat);
  return {};
}

// The lab's netdev loss tables: read when an end wants loss or the lab may
// have made one, in the root namespace, where the lab recorded a drop, and
// where the topology wants one. Not in every namespace of the lab: one
// libnftables listing each cost about 1 s of a no-op up of 1000 hosts.
Status observe_lab_loss(const ObserveContext& c, LiveState& live) {
  bool wants = std::any_of(c.desired.links.begin(), c.desired.links.end(),
                           [](const DesiredLink& l) { return l.conditions && l.conditions->loss; });
  if (!wants && !c.state.exists()) return {};
  std::set<std::string> names{""};
  for (const auto& n : c.state.loss_namespaces()) names.insert(n);
  for (const auto& l : c.desired.links)
    if (l.conditions && l.conditions->loss) names.insert(l.peer_ns);
  auto loss = c.backends.loss->observe(c.desired.lab, {names.begin(), names.end()});
  if (!loss.ok()) return wants ? Status{loss.error()} : Status{};
  live.loss = std::move(*loss);
  return {};
}

// OVS is read when the topology needs it (and then must be running), or
// when it runs anyway, to find rows of the lab to remove.
Status observe_ovs(const ObserveContext& c, LiveState& live) {
  Status available = c.backends.ovs->check_available();
  if (c.need_ovs && !available.ok()) return available.error();
  if (!available.ok()) return {};
  auto ovs = c.backends.ovs->observe();
  if (!ovs.ok()) return ovs.error();
  live.ovs = std::move(*ovs);
  return {};
}

// In this order: the first that fails stops the observation.
constexpr Observer kObservers[] = {observe_kernel, observe_lab_daemons, observe_lab_nat,
                                   observe_lab_loss, observe_ovs};

}  // namespace

Result<LiveState> Lab::observe(const DesiredState& desired, bool need_ovs) {
  LiveState live;
  ObserveContext context{desired, *state_, backends_, need_ovs};
  for (Observer observer : kObservers)
    if (auto st = observer(context, live); !st.ok()) return st.error();
  return live;
}

namespace {

// What an apply may have changed, when every operation of it changes only
// addresses, routes, link settings, sysctls or root qdiscs inside namespaces,
// or the lab's loss tables; nullopt when anything else is touched
// (namespaces, links made, deleted or moved, OVS, daemons, NAT). Bringing a
// link up or down counts as touching more: a veth end's state is its peer's
// carrier, and a carrier that comes back starts IPv6 duplicate address
// detection over on the peer's addresses, wherever the peer is.
struct ChangedInside {
  std::set<std::string> namespaces;  ///< named namespaces to read again
  bool root = false;                 ///< the root namespace too (a root qdisc changed)
  std::set<std::string> loss;        ///< namespaces ("" = root) whose loss table changed
};

std::optional<ChangedInside> changed_inside(const Plan& plan) {
  ChangedInside changed;
  for (const auto& a : plan.actions) {
    // Only root qdiscs of root-namespace links and loss tables: what a
    // conditions action on the root end of a link does.
    bool conditions_only = true;
    for (const auto& o : a.ops) {
      if (const auto* c = std::get_if<op::ChangeLink>(&o); c && c->change.up) return std::nullopt;
      // Loss lives in the lab's netdev table of the namespace: the kernel
      // state read by observe does not change.
      if (const auto* l = std::get_if<op::SetLoss>(&o)) {
        changed.loss.insert(l->ns);
        continue;
      }
      if (const auto* l = std::get_if<op::ClearLoss>(&o)) {
        changed.loss.insert(l->ns);
        continue;
      }
      // A root qdisc of a root-namespace link (the bridge-side end of a
      // link with conditions): the root is read again, links and all.
      const std::string* qdisc_ns = nullptr;
      if (const auto* q = std::get_if<op::SetQdisc>(&o)) qdisc_ns = &q->ns;
      if (const auto* q = std::get_if<op::DeleteQdisc>(&o)) qdisc_ns = &q->ns;
      if (qdisc_ns && qdisc_ns->empty()) {
        changed.root = true;
        continue;
      }
      conditions_only = false;
      const std::string* ns = std::visit(
          [](const auto& x) -> const std::string* {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, op::AddAddress> ||
                          std::is_same_v<T, op::DeleteAddress> || std::is_same_v<T, op::AddRoute> ||
                          std::is_same_v<T, op::DeleteRoute> || std::is_same_v<T, op::ChangeLink> ||
                          std::is_same_v<T, op::WriteSysctl> || std::is_same_v<T, op::SetQdisc> ||
                          std::is_same_v<T, op::DeleteQdisc>)
              return &x.ns;
            else
              return nullptr;
          },
          o);
      if (!ns || ns->empty()) return std::nullopt;
      changed.namespaces.insert(*ns);
    }
    // A subject in the root: only the conditions of a root link, changed
    // by nothing but the operations above.
    for (const auto& s : a.subjects)
      if (s.ns.empty() && !(conditions_only && s.kind == ObjectRef::Kind::Conditions))
        return std::nullopt;
  }
  return changed;
}

// `now` replaces `was` (one namespace read again, the root or a named one);
// a veth end whose peer is in a namespace not read again keeps the peer it
// had: this read cannot name that peer, and the peer has not changed when
// the end is the same device (same ifindex) as before.
void keep_known_peers(NamespaceState& now, const NamespaceState& was,
                      const std::set<std::string>& read_again, bool root_read_again) {
  for (auto& [link_name, link] : now.links) {
    const LinkState* old = was.find_link(link_name);
    if (link.kind != LinkKind::Veth || link.peer_known || !old || !old->peer_known ||
        old->ifindex != link.ifindex)
      continue;
    if (old->peer_ns.empty() ? root_read_again : read_again.count(old->peer_ns) > 0) continue;
    link.peer_ns = old->peer_ns, link.peer_name = old->peer_name, link.peer_known = true;
  }
}

}  // namespace

// After an apply that changed only the insides of some namespaces (one
// host's address in a 1000-host lab, one link's conditions), only those can
// differ from what was observed before it: they are read again and the rest
// of `before` stands. Verifying that one address used to read all 1001
// namespaces again; a rate or loss change on a link to a root bridge, too.
Result<LiveState> Lab::observe_after(const DesiredState& desired, bool need_ovs,
                                     const Plan& applied, LiveState live) {
  auto changed = changed_inside(applied);
  // The loss tables are re-read below only when observe read them before.
  if (!changed || (!changed->loss.empty() && !live.loss)) return observe(desired, need_ovs);
  // `live` is what was observed before, taken over rather than copied (a
  // 1000-namespace lab): what is read again replaces its part of it.
  const auto keys = sysctl_keys(desired, live.saved_host_sysctls);
  // The records may have changed since (up writes them before applying).
  live.owned_namespaces = state_->namespaces();
  live.saved_host_sysctls = state_->saved_host_sysctls();
  if (!changed->namespaces.empty() || changed->root) {
    auto fresh = backends_.kernel->observe(
        {changed->namespaces.begin(), changed->namespaces.end()}, keys,
        {PeerLookup::ObservedOnly, changed->root, root_links(desired, *state_)});
    if (!fresh.ok()) return fresh.error();
    for (const auto& name : changed->namespaces) {
      auto now = fresh->namespaces.find(name);
      auto was = live.kernel.namespaces.find(name);
      if (now == fresh->namespaces.end()) {
        if (was != live.kernel.namespaces.end()) live.kernel.namespaces.erase(was);
        continue;
      }
      if (was != live.kernel.namespaces.end()) {
        keep_known_peers(now->second, was->second, changed->namespaces, changed->root);
        was->second = std::move(now->second);
      } else {
        live.kernel.namespaces.emplace(name, std::move(now->second));
      }
    }
    if (changed->root) {
      keep_known_peers(fresh->root, live.kernel.root, changed->namespaces, true);
      live.kernel.root = std::move(fresh->root);
    }
  }
  if (!changed->loss.empty()) {
    // Only the tables the apply changed; the others stand as observed.
    auto loss = backends_.loss->observe(desired.lab, {changed->loss.begin(), changed->loss.end()});
    if (!loss.ok()) return loss.error();
    for (const auto& ns : changed->loss) {
      if (auto it = loss->find(ns); it != loss->end())
        (*live.loss)[ns] = std::move(it->second);
      else
        live.loss->erase(ns);
    }
  }
  return live;
}

}  // namespace netlab
