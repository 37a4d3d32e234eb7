// --prefix: parallel copies of one lab. Every name that is global on the host
// gets the prefix: namespaces, root-namespace interfaces and bridges, and OVS
// internal ports even when moved into a namespace (OVS port names are global
// to the switch). Names in a lab namespace are private to it and stay.
#include <set>

#include "parse/names.hpp"
#include "parse/parse.hpp"

namespace netlab {

namespace {

class Renamer {
 public:
  Renamer(const Topology& t, std::string prefix) : prefix_(std::move(prefix)) {
    for (const auto& ns : t.namespaces) namespaces_.insert(ns.name);
    for (const auto& p : place_interfaces(t)) {
      if (p.ns.empty() || p.source == InterfacePlacement::Source::OvsInternalPort) {
        renamed_.insert({p.ns, p.name});
      }
    }
  }

  std::string ns(const std::string& name) const {
    return namespaces_.count(name) ? prefix_ + name : name;
  }
  /// An interface `name` in namespace `ns_name` ("" or "host" = root), by its original names.
  std::string ifname(const std::string& ns_name, const std::string& name) const {
    std::string key = ns_name == kHostName ? "" : ns_name;
    return renamed_.count({key, name}) ? prefix_ + name : name;
  }
  /// The namespace key of an endpoint owner: a namespace, or "" for host and bridges.
  std::string owner_ns(const std::string& owner) const {
    return namespaces_.count(owner) ? owner : "";
  }
  void endpoint(Endpoint& e) const {
    std::string ons = owner_ns(e.owner);
    e.ifname = ifname(ons, e.ifname);
    if (namespaces_.count(e.owner)) {
      e.owner = prefix_ + e.owner;
    } else if (e.owner != kHostName) {
      e.owner = ifname("", e.owner);  // a bridge
    }
  }

 private:
  std::string prefix_;
  std::set<std::string> namespaces_;
  std::set<std::pair<std::string, std::string>> renamed_;
};

}  // namespace

std::vector<Error> apply_prefix(Topology& topology, const std::string& prefix) {
  std::vector<Error> errors;
  if (prefix.empty()) return errors;
  if (std::string(prefix).rfind(kProbeBridgePrefix, 0) == 0) {
    errors.push_back(Error{ErrorKind::InvalidTopology,
                           "prefix '" + prefix + "' is reserved: netlab names its OVS datapath " +
                               "probe bridges " + kProbeBridgePrefix + "<pid>",
                           SourcePos{}});
    return errors;
  }
  if (!is_lab_charset(prefix)) {
    errors.push_back(Error{ErrorKind::InvalidTopology,
                           "prefix '" + prefix + "' may contain only a-z, 0-9 and '-'",
                           SourcePos{}});
    return errors;
  }
  const Renamer rn(topology, prefix);
  Topology t = topology;  // changed only when every name fits

  // Too long after prefixing: one error per name, at its definition.
  std::set<std::string> reported;
  auto check_if = [&](const std::string& new_name, const std::string& old_name,
                      const SourcePos& pos, const char* what) {
    if (new_name == old_name || new_name.size() <= kIfNameMax ||
        !reported.insert(old_name).second) {
      return;
    }
    std::size_t room = old_name.size() < kIfNameMax ? kIfNameMax - old_name.size() : 0;
    std::string msg = "with prefix '" + prefix + "', " + what + " '" + old_name + "' becomes '" +
                      new_name + "', " + std::to_string(new_name.size()) +
                      " characters; Linux allows " + std::to_string(kIfNameMax);
    if (room > 0) {
      msg += "; use a prefix of at most " + std::to_string(room) + " characters (e.g. '" +
             prefix.substr(0, room) + "')";
    } else {
      msg += "; the name leaves no room for a prefix: shorten it";
    }
    errors.push_back(Error{ErrorKind::InvalidTopology, std::move(msg), pos});
  };

  t.name = prefix + topology.name;
  if (auto p = lab_name_problem(t.name)) {
    std::size_t room = topology.name.size() < kLabNameMax ? kLabNameMax - topology.name.size() : 0;
    errors.push_back(Error{ErrorKind::InvalidTopology,
                           "with prefix '" + prefix + "', lab name '" + t.name + "' " + *p +
                               "; use a prefix of at most " + std::to_string(room) + " characters",
                           topology.name_pos});
  }
  for (auto& ns : t.namespaces) {
    std::string old = ns.name;
    for (auto& ic : ns.interfaces) {
      std::string n = rn.ifname(old, ic.name);
      check_if(n, ic.name, ic.pos, "interface");
      ic.name = n;
      if (ic.vlan) ic.vlan->parent = rn.ifname(old, ic.vlan->parent);
    }
    // A service's lease is a DHCP client's interface: namespace and name as prefixed.
    for (auto& svc : ns.services)
      for (auto& a : svc.after)
        if (a.service.empty()) {
          a.lease_if = rn.ifname(a.lease_ns == kHostName ? "" : a.lease_ns, a.lease_if);
          a.lease_ns = rn.ns(a.lease_ns);
        }
    for (auto& r : ns.routes)
      if (r.dev) r.dev = rn.ifname(old, *r.dev);
    ns.name = rn.ns(old);
    if (auto p = netns_problem(ns.name)) {
      errors.push_back(Error{ErrorKind::InvalidTopology,
                             "with prefix '" + prefix + "', namespace name '" + ns.name + "' " + *p,
                             ns.pos});
    }
  }
  for (auto& b : t.bridges) {
    std::string n = rn.ifname("", b.name);
    check_if(n, b.name, b.pos, "bridge");
    b.name = n;
    for (auto& p : b.ports) {
      std::string pns = p.internal && p.namespace_name ? p.namespace_name->value : "";
      std::string pn = rn.ifname(pns, p.name);
      check_if(pn, p.name, p.pos, "port");
      p.name = pn;
      if (p.namespace_name) p.namespace_name->value = rn.ns(p.namespace_name->value);
    }
  }
  for (auto& link : t.links) {
    for (Endpoint* e : {&link.a, &link.b}) {
      std::string before = e->ifname;
      rn.endpoint(*e);
      check_if(e->ifname, before, e->pos, "interface");
    }
  }
  for (auto& ic : t.host.interfaces) {
    std::string n = rn.ifname("", ic.name);
    check_if(n, ic.name, ic.pos, "interface");
    ic.name = n;
    if (ic.vlan) ic.vlan->parent = rn.ifname("", ic.vlan->parent);
  }
  // A foreign `out` (eth0) is not the lab's and keeps its name.
  for (auto& rule : t.host.nat) rule.out = rn.ifname("", rule.out);
  for (auto& s : t.dhcp) {
    s.interface = rn.ifname(s.namespace_name, s.interface);
    s.namespace_name = rn.ns(s.namespace_name);
  }
  auto target = [&](Target& tg) {
    if (tg.endpoint) rn.endpoint(*tg.endpoint);
  };
  for (auto& tc : t.tests) {
    if (auto* p = std::get_if<PingTest>(&tc.check)) {
      p->from = rn.ns(p->from);
      target(p->to);
    } else if (auto* p = std::get_if<TcpTest>(&tc.check)) {
      p->from = rn.ns(p->from);
      target(p->to);
    } else if (auto* p = std::get_if<ThroughputTest>(&tc.check)) {
      p->from = rn.ns(p->from);
      target(p->to);
    } else if (auto* p = std::get_if<LeaseTest>(&tc.check)) {
      rn.endpoint(p->client);
      p->server = rn.ns(p->server);
    }
  }
  // The namespaces and bridges above were renamed in place: t's lookups
  // must not answer from names cached before (copying t, below, clears
  // them too, but a lookup on t itself would not).
  t.names_changed();
  sort_by_position(errors);
  if (errors.empty()) topology = std::move(t);
  return errors;
}

}  // namespace netlab
