#include "fakes/fake_kernel.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>
#include <sstream>

namespace netlab::testing {
namespace {

constexpr int kProtoKernel = 2;
constexpr int kProtoStatic = 4;
constexpr int kScopeLink = 253;

const std::set<std::string> kMutatingOps = {
    "create_namespace", "delete_namespace", "create_veth",  "create_bridge", "create_vlan",
    "create_vxlan",     "delete_link",      "change_link",  "move_link",     "add_address",
    "delete_address",   "add_route",        "delete_route", "write_sysctl"};

// Per-interface sysctls (and their "all"/"default" forms) with the defaults of
// a fresh network namespace.
const std::vector<std::pair<std::string, std::string>> kIpv4Conf = {
    {"forwarding", "0"},       {"rp_filter", "0"},      {"proxy_arp", "0"},
    {"arp_ignore", "0"},       {"arp_announce", "0"},   {"arp_filter", "0"},
    {"accept_redirects", "1"}, {"send_redirects", "1"}, {"accept_local", "0"},
    {"route_localnet", "0"}};
const std::vector<std::pair<std::string, std::string>> kIpv6Conf = {
    {"forwarding", "0"}, {"disable_ipv6", "0"},      {"accept_ra", "1"},    {"accept_dad", "1"},
    {"autoconf", "1"},   {"keep_addr_on_down", "0"}, {"addr_gen_mode", "0"}};

std::string where(const std::string& ns) { return ns.empty() ? "" : " (netns " + ns + ")"; }

Error fail(const std::string& msg, int err, ErrorKind kind = ErrorKind::Kernel) {
  return system_error(kind, msg, err);
}

bool valid_ifname(const std::string& n) {
  if (n.empty() || n.size() > 15 || n == "." || n == "..") return false;
  for (char c : n)
    if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n') return false;
  return true;
}

bool valid_nsname(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos;
}

bool is_link_local6(const IpAddress& a) {
  return a.family == 6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

std::string route_text(const RouteRequest& r) {
  std::string s = r.dst ? r.dst->str() : std::string(r.family == 6 ? "default (v6)" : "default");
  if (r.gateway) s += " via " + r.gateway->str();
  if (!r.dev.empty()) s += " dev " + r.dev;
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

bool is_integer(const std::string& s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int max_mtu(const FakeLink& l) { return l.kind == LinkKind::Loopback ? 65536 : 65535; }

}  // namespace

// --- snapshot printing -------------------------------------------------------

std::ostream& operator<<(std::ostream& os, const FakeKernelSnapshot& s) {
  for (const auto& [name, n] : s.namespaces) {
    os << "netns " << (name.empty() ? "<root>" : name) << "\n";
    for (const auto& [ln, l] : n.links) {
      os << "  link " << ln << " kind=" << to_string(l.kind) << "(" << l.kind_text << ")"
         << " ifindex=" << l.ifindex << (l.up ? " up" : " down") << " mtu=" << l.mtu
         << " mac=" << l.mac;
      if (!l.peer_name.empty()) os << " peer=" << l.peer_name << "@" << l.peer_ns;
      if (!l.master.empty()) os << " master=" << l.master;
      if (!l.vlan_parent.empty()) os << " vlan=" << l.vlan_parent << "." << l.vlan_id;
      if (!l.alias.empty()) os << " alias=" << l.alias;
      if (l.physical) os << " physical";
      if (l.pending_removal) os << " pending-removal";
      if (l.qdisc) {
        os << " qdisc=" << l.qdisc->kind << "/" << std::hex << l.qdisc->handle << std::dec;
        if (l.qdisc->kind == "tbf")
          os << "(rate " << l.qdisc->tbf.rate << " burst " << l.qdisc->tbf.burst << " limit "
             << l.qdisc->tbf.limit << ")";
        if (l.qdisc->kind == "netem")
          os << "(delay " << l.qdisc->netem.delay << " loss " << l.qdisc->netem.loss << ")";
      }
      for (const auto& a : l.addresses) os << " " << a.str();
      os << "\n";
    }
    for (const auto& r : n.routes) {
      os << "  route v" << r.family << " " << (r.dst ? r.dst->str() : "default");
      if (r.gateway) os << " via " << r.gateway->str();
      os << " dev " << r.dev << " proto " << r.protocol << " scope " << r.scope << "\n";
    }
    for (const auto& [k, v] : n.sysctls) os << "  sysctl " << k << "=" << v << "\n";
  }
  return os;
}

std::string to_string(const FakeKernelSnapshot& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

// --- construction and helpers ------------------------------------------------

FakeKernel::FakeKernel() {
  caps_.veth = true;
  caps_.bridge = true;
  caps_.bridge_vlan_filtering = true;
  caps_.tbf = true;
  caps_.vxlan = true;
  ns_[""] = make_namespace(true);
}

FakeNamespace FakeKernel::make_namespace(bool root) {
  FakeNamespace n;
  n.sysctls["net.ipv4.ip_forward"] = "0";
  for (const char* scope : {"all", "default"}) {
    for (const auto& [k, v] : kIpv4Conf)
      n.sysctls["net.ipv4.conf." + std::string(scope) + "." + k] = v;
    for (const auto& [k, v] : kIpv6Conf)
      n.sysctls["net.ipv6.conf." + std::string(scope) + "." + k] = v;
  }
  FakeLink lo;
  lo.name = "lo";
  lo.kind = LinkKind::Loopback;
  lo.ifindex = 1;
  lo.mtu = 65536;
  lo.mac = "00:00:00:00:00:00";
  n.links["lo"] = lo;
  add_interface_sysctls(n, "lo");
  if (root) set_up(n, n.links["lo"]);
  return n;
}

std::optional<int> FakeKernel::fault(const std::string& op, const std::string& ns,
                                     const std::string& object) {
  ++calls_[op];
  std::optional<int> err;
  for (auto it = queued_.begin(); it != queued_.end();) {
    if (it->op != op) {
      ++it;
      continue;
    }
    if (!err && it->skip == 0) {
      err = it->err;
      it = queued_.erase(it);
      continue;
    }
    if (it->skip > 0) --it->skip;
    ++it;
  }
  if (err) return err;
  if (hook_) return hook_(op, ns, object);
  return std::nullopt;
}

FakeNamespace* FakeKernel::find_ns(const std::string& ns) {
  auto it = ns_.find(ns);
  return it == ns_.end() ? nullptr : &it->second;
}

std::string FakeKernel::alloc_mac() {
  unsigned c = static_cast<unsigned>(++mac_counter_);
  unsigned h = c * 2654435761u;  // spread the bits: looks random, is deterministic
  char buf[18];
  std::snprintf(buf, sizeof buf, "02:%02x:%02x:%02x:%02x:%02x", (h >> 24) & 0xff, (h >> 16) & 0xff,
                (h >> 8) & 0xff, h & 0xff, c & 0xff);
  return buf;
}

int FakeKernel::alloc_ifindex(const std::string& ns, FakeNamespace& n, int wanted) {
  auto used = [&](int idx) {
    for (const auto& [_, l] : n.links)
      if (l.ifindex == idx) return true;
    return false;
  };
  if (wanted > 0 && !used(wanted)) return wanted;
  int& next = next_ifindex_.try_emplace(ns, 2).first->second;
  while (used(next)) ++next;
  return next++;
}

void FakeKernel::add_interface_sysctls(FakeNamespace& n, const std::string& ifname) {
  for (const auto& [k, _] : kIpv4Conf)
    n.sysctls["net.ipv4.conf." + ifname + "." + k] = n.sysctls["net.ipv4.conf.default." + k];
  for (const auto& [k, _] : kIpv6Conf)
    n.sysctls["net.ipv6.conf." + ifname + "." + k] = n.sysctls["net.ipv6.conf.default." + k];
}

void FakeKernel::remove_interface_sysctls(FakeNamespace& n, const std::string& ifname) {
  for (const auto& [k, _] : kIpv4Conf) n.sysctls.erase("net.ipv4.conf." + ifname + "." + k);
  for (const auto& [k, _] : kIpv6Conf) n.sysctls.erase("net.ipv6.conf." + ifname + "." + k);
}

void FakeKernel::add_connected_routes(FakeNamespace& n, const FakeLink& l) {
  if (!l.up || l.kind == LinkKind::Loopback) return;
  for (const auto& a : l.addresses) {
    int full = a.family() == 4 ? 32 : 128;
    if (a.length >= full || is_link_local6(a.address)) continue;
    FakeRoute r{a.family(), a.network(),  std::nullopt,
                l.name,     kProtoKernel, a.family() == 4 ? kScopeLink : 0};
    if (std::find(n.routes.begin(), n.routes.end(), r) == n.routes.end()) n.routes.push_back(r);
  }
}

void FakeKernel::remove_routes_via(FakeNamespace& n, const std::string& dev) {
  std::erase_if(n.routes, [&](const FakeRoute& r) { return r.dev == dev; });
}

void FakeKernel::set_up(FakeNamespace& n, FakeLink& l) {
  if (l.up) return;
  l.up = true;
  if (l.kind == LinkKind::Loopback) {
    bool has4 = std::any_of(l.addresses.begin(), l.addresses.end(),
                            [](const IpPrefix& p) { return p.family() == 4; });
    if (!has4) l.addresses.push_back(*IpPrefix::parse("127.0.0.1/8"));
    auto one = *IpPrefix::parse("::1/128");
    if (std::find(l.addresses.begin(), l.addresses.end(), one) == l.addresses.end())
      l.addresses.push_back(one);
  }
  add_connected_routes(n, l);
}

void FakeKernel::set_down(FakeNamespace& n, FakeLink& l) {
  if (!l.up) return;
  l.up = false;
  remove_routes_via(n, l.name);
  // IPv6 addresses are flushed on down unless keep_addr_on_down.
  auto keep = [&](const std::string& scope) {
    auto it = n.sysctls.find("net.ipv6.conf." + scope + ".keep_addr_on_down");
    return it != n.sysctls.end() && it->second != "0" && it->second[0] != '-';
  };
  if (!keep("all") && !keep(l.name))
    std::erase_if(l.addresses, [](const IpPrefix& p) { return p.family() == 6; });
}

void FakeKernel::destroy_link(const std::string& ns, const std::string& name, bool async_peer) {
  FakeNamespace* n = find_ns(ns);
  if (!n) return;
  auto it = n->links.find(name);
  if (it == n->links.end()) return;
  FakeLink l = it->second;
  n->links.erase(it);
  remove_routes_via(*n, name);
  remove_interface_sysctls(*n, name);
  for (auto& [_, other] : n->links)
    if (other.master == name) other.master.clear();
  std::vector<std::string> vlans;
  for (const auto& [on, other] : n->links)
    if (other.kind == LinkKind::Vlan && other.vlan_parent == name) vlans.push_back(on);
  for (const auto& v : vlans) destroy_link(ns, v, async_peer);
  if (l.kind == LinkKind::Veth && !l.peer_name.empty()) {
    FakeNamespace* pn = find_ns(l.peer_ns);
    if (!pn) return;
    auto pit = pn->links.find(l.peer_name);
    if (pit == pn->links.end() || pit->second.peer_name != name || pit->second.peer_ns != ns)
      return;
    if (async_peer) {
      pit->second.pending_removal = true;
    } else {
      destroy_link(l.peer_ns, l.peer_name, false);
    }
  }
}

void FakeKernel::finish_teardown() {
  for (auto& [nsname, n] : ns_) {
    std::vector<std::string> pending;
    for (const auto& [ln, l] : n.links)
      if (l.pending_removal) pending.push_back(ln);
    for (const auto& ln : pending) destroy_link(nsname, ln, false);
  }
  teardown_left_ = 0;
}

// --- Kernel --------------------------------------------------------------------

Result<std::vector<std::string>> FakeKernel::list_namespaces() {
  std::lock_guard lk(mu_);
  if (auto e = fault("list_namespaces", "", "")) return fail("list namespaces (/run/netns)", *e);
  std::vector<std::string> out;
  for (const auto& [name, _] : ns_)
    if (!name.empty()) out.push_back(name);
  return out;
}

Result<KernelState> FakeKernel::observe(const std::vector<std::string>& namespaces,
                                        const std::vector<std::string>& sysctl_keys,
                                        const ObserveOptions& options) {
  std::lock_guard lk(mu_);
  observe_options_.push_back(options);
  if (auto e = fault("observe", "", "")) return fail("observe kernel state", *e);
  bool pending = false;
  for (const auto& [_, n] : ns_)
    for (const auto& [__, l] : n.links) pending = pending || l.pending_removal;
  if (pending && teardown_left_ == 0) finish_teardown();

  std::set<std::string> observed(namespaces.begin(), namespaces.end());
  if (options.root) observed.insert("");
  // ObserveOptions::root_links: the links named, those holding an address
  // or a route, and the bridges of those (as the real kernel's read by name).
  auto root_kept = [&](const FakeNamespace& n) {
    std::set<std::string> kept(options.root_links->begin(), options.root_links->end());
    for (const auto& [ln, l] : n.links)
      if (std::any_of(l.addresses.begin(), l.addresses.end(),
                      [](const IpPrefix& a) { return !is_link_local6(a.address); }))
        kept.insert(ln);
    for (const auto& r : n.routes)
      if (!r.dev.empty()) kept.insert(r.dev);
    std::set<std::string> masters;
    for (const auto& ln : kept)
      if (auto it = n.links.find(ln); it != n.links.end() && !it->second.master.empty())
        masters.insert(it->second.master);
    kept.insert(masters.begin(), masters.end());
    return kept;
  };
  std::optional<std::set<std::string>> root_only;
  if (options.root && options.root_links) root_only = root_kept(ns_.at(""));
  auto convert = [&](const std::string& name, const FakeNamespace& n) {
    NamespaceState st;
    st.name = name;
    const std::set<std::string>* only = name.empty() && root_only ? &*root_only : nullptr;
    for (const auto& [ln, l] : n.links) {
      if (only && !only->count(ln)) continue;
      LinkState s;
      s.name = l.name;
      s.kind = l.kind;
      s.kind_text = l.kind_text;
      s.ifindex = l.ifindex;
      if (l.kind == LinkKind::Veth) {
        // A peer in the root is named only when read there (as the kernel's
        // peer names come from the peer's namespace's links read).
        bool peer_read = !(l.peer_ns.empty() && root_only && !root_only->count(l.peer_name));
        s.peer_known = observed.count(l.peer_ns) > 0 && ns_.count(l.peer_ns) > 0 && peer_read;
        if (s.peer_known || options.peers == PeerLookup::AllNamespaces) s.peer_ns = l.peer_ns;
        if (s.peer_known) s.peer_name = l.peer_name;
      }
      s.master = l.master;
      s.vlan_parent = l.vlan_parent;
      s.vlan_id = l.vlan_id;
      if (l.vxlan) {
        s.vxlan_id = l.vxlan->vni;
        s.vxlan_local = l.vxlan->local;
        s.vxlan_remote = l.vxlan->remote;
        s.vxlan_port = l.vxlan->port;
      }
      s.up = l.up;
      s.mtu = l.mtu;
      s.mac = l.mac;
      s.alias = l.alias;
      s.qdisc = l.qdisc;
      for (int fam : {4, 6})
        for (const auto& a : l.addresses)
          if (a.family() == fam && !is_link_local6(a.address)) s.addresses.push_back(a);
      st.links[ln] = std::move(s);
    }
    for (const auto& r : n.routes)
      if (!only || r.dev.empty() || only->count(r.dev))
        st.routes.push_back(RouteState{r.family, r.dst, r.gateway, r.dev, r.protocol, r.scope});
    // As the kernel: a key the namespace does not have cannot be opened (ENOENT).
    for (const auto& k : sysctl_keys) {
      auto it = n.sysctls.find(k);
      if (it != n.sysctls.end())
        st.sysctls[k] = it->second;
      else
        st.missing_sysctls.insert(k);
    }
    return st;
  };

  KernelState ks;
  if (options.root) ks.root = convert("", ns_.at(""));
  for (const auto& name : namespaces) {
    if (name.empty()) continue;
    auto it = ns_.find(name);
    if (it != ns_.end()) ks.namespaces[name] = convert(name, it->second);
  }
  for (const auto& [name, _] : ns_)
    if (!name.empty()) ks.all_namespaces.push_back(name);
  if (pending && teardown_left_ > 0) --teardown_left_;
  return ks;
}

Status FakeKernel::create_namespace(const std::string& ns) {
  std::lock_guard lk(mu_);
  std::string msg = "create namespace " + ns;
  if (auto e = fault("create_namespace", ns, ns)) return fail(msg, *e);
  if (!valid_nsname(ns)) return fail(msg, EINVAL);
  if (ns_.count(ns)) return fail(msg, EEXIST);
  next_ifindex_[ns] = 2;
  ns_[ns] = make_namespace(false);
  ++mutations_;
  return {};
}

Status FakeKernel::delete_namespace(const std::string& ns) {
  std::lock_guard lk(mu_);
  std::string msg = "delete namespace " + ns;
  if (auto e = fault("delete_namespace", ns, ns)) return fail(msg, *e);
  if (ns.empty()) return fail(msg, EINVAL);
  auto it = ns_.find(ns);
  if (it == ns_.end()) return fail(msg, ENOENT);
  FakeNamespace gone = std::move(it->second);
  ns_.erase(it);
  next_ifindex_.erase(ns);
  ns_inodes_.erase(ns);  // a namespace made again under this name is another one
  bool async = teardown_delay_ != 0;
  FakeNamespace& root = ns_.at("");
  for (auto& [ln, l] : gone.links) {
    if (l.physical) {  // physical devices return to the root namespace
      FakeLink back = l;
      back.up = false;
      back.addresses.clear();
      back.master.clear();
      if (root.links.count(back.name)) back.name = "dev" + std::to_string(back.ifindex);
      back.ifindex = alloc_ifindex("", root, back.ifindex);
      add_interface_sysctls(root, back.name);
      root.links[back.name] = back;
      continue;
    }
    if (l.kind != LinkKind::Veth || l.peer_ns == ns) continue;
    FakeNamespace* pn = find_ns(l.peer_ns);
    if (!pn) continue;
    auto pit = pn->links.find(l.peer_name);
    if (pit == pn->links.end() || pit->second.peer_ns != ns || pit->second.peer_name != ln)
      continue;
    if (async) {
      pit->second.pending_removal = true;
    } else {
      destroy_link(l.peer_ns, l.peer_name, false);
    }
  }
  if (async) teardown_left_ = teardown_delay_ < 0 ? -1 : teardown_delay_;
  ++mutations_;
  return {};
}

Status FakeKernel::create_veth(const VethRequest& req) {
  std::lock_guard lk(mu_);
  std::string msg =
      "create veth " + req.name + where(req.ns) + " <-> " + req.peer_name + where(req.peer_ns);
  if (auto e = fault("create_veth", req.ns, req.name)) return fail(msg, *e);
  if (!caps_.veth) return fail(msg, EOPNOTSUPP, ErrorKind::Unsupported);
  if (!valid_ifname(req.name) || !valid_ifname(req.peer_name)) return fail(msg, EINVAL);
  FakeNamespace* a = find_ns(req.ns);
  FakeNamespace* b = find_ns(req.peer_ns);
  if (!a || !b) return fail(msg, ENOENT);
  if (a->links.count(req.name) || b->links.count(req.peer_name)) return fail(msg, EEXIST);
  if (req.ns == req.peer_ns && req.name == req.peer_name) return fail(msg, EEXIST);
  auto make = [&](const std::string& name, const std::string& peer, const std::string& peer_ns,
                  const std::string& ns, FakeNamespace& n) {
    FakeLink l;
    l.name = name;
    l.kind = LinkKind::Veth;
    l.kind_text = "veth";
    l.peer_name = peer;
    l.peer_ns = peer_ns;
    l.mac = alloc_mac();
    l.alias = req.alias;
    l.ifindex = alloc_ifindex(ns, n);
    n.links[name] = l;
    add_interface_sysctls(n, name);
  };
  make(req.peer_name, req.name, req.ns, req.peer_ns, *b);
  make(req.name, req.peer_name, req.peer_ns, req.ns, *a);
  ++mutations_;
  return {};
}

Status FakeKernel::create_bridge(const std::string& ns, const std::string& name,
                                 const std::string& alias) {
  std::lock_guard lk(mu_);
  std::string msg = "create bridge " + name + where(ns);
  if (auto e = fault("create_bridge", ns, name)) return fail(msg, *e);
  if (!caps_.bridge) return fail(msg, EOPNOTSUPP, ErrorKind::Unsupported);
  if (!valid_ifname(name)) return fail(msg, EINVAL);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  if (n->links.count(name)) return fail(msg, EEXIST);
  FakeLink l;
  l.name = name;
  l.kind = LinkKind::Bridge;
  l.kind_text = "bridge";
  l.mac = alloc_mac();
  l.alias = alias;
  l.ifindex = alloc_ifindex(ns, *n);
  n->links[name] = l;
  add_interface_sysctls(*n, name);
  ++mutations_;
  return {};
}

Status FakeKernel::create_vlan(const std::string& ns, const std::string& name,
                               const std::string& parent, int id, const std::string& alias) {
  std::lock_guard lk(mu_);
  std::string msg =
      "create vlan " + name + " (" + parent + " id " + std::to_string(id) + ")" + where(ns);
  if (auto e = fault("create_vlan", ns, name)) return fail(msg, *e);
  if (!caps_.vlan_8021q) return fail(msg, EOPNOTSUPP, ErrorKind::Unsupported);
  if (!valid_ifname(name) || id < 1 || id > 4094) return fail(msg, EINVAL);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto pit = n->links.find(parent);
  if (pit == n->links.end()) return fail(msg, ENODEV);
  if (n->links.count(name)) return fail(msg, EEXIST);
  for (const auto& [_, l] : n->links)
    if (l.kind == LinkKind::Vlan && l.vlan_parent == parent && l.vlan_id == id)
      return fail(msg, EEXIST);
  FakeLink l;
  l.name = name;
  l.kind = LinkKind::Vlan;
  l.kind_text = "vlan";
  l.vlan_parent = parent;
  l.vlan_id = id;
  l.mtu = pit->second.mtu;
  l.mac = pit->second.mac;
  l.alias = alias;
  l.ifindex = alloc_ifindex(ns, *n);
  n->links[name] = l;
  add_interface_sysctls(*n, name);
  ++mutations_;
  return {};
}

// As the kernel: the device is made in `ns`, its UDP socket in the root; a
// second device with the same id on the same port (in any namespace, since
// all sockets are the root's) is refused, and without a lower device the
// MTU is 1500.
Status FakeKernel::create_vxlan(const VxlanRequest& req) {
  std::lock_guard lk(mu_);
  std::string msg = "create vxlan " + req.name + " id " + std::to_string(req.vni) + where(req.ns);
  if (auto e = fault("create_vxlan", req.ns, req.name)) return fail(msg, *e);
  if (!caps_.vxlan) return fail(msg, EOPNOTSUPP, ErrorKind::Unsupported);
  if (!valid_ifname(req.name) || req.vni == 0 || req.vni > 0xFFFFFF) return fail(msg, EINVAL);
  if (req.local.family != 4 || req.remote.family != 4) return fail(msg, EAFNOSUPPORT);
  FakeNamespace* n = find_ns(req.ns);
  if (!n) return fail(msg, ENOENT);
  if (n->links.count(req.name)) return fail(msg, EEXIST);
  for (const auto& [_, other] : ns_)
    for (const auto& [__, l] : other.links)
      if (l.vxlan && l.vxlan->vni == req.vni && l.vxlan->port == req.port) return fail(msg, EEXIST);
  FakeLink l;
  l.name = req.name;
  l.kind = LinkKind::Vxlan;
  l.kind_text = "vxlan";
  l.vxlan = req;
  l.vxlan->alias.clear();
  l.mac = alloc_mac();
  l.alias = req.alias;
  l.ifindex = alloc_ifindex(req.ns, *n);
  n->links[req.name] = l;
  add_interface_sysctls(*n, req.name);
  ++mutations_;
  return {};
}

Status FakeKernel::delete_link(const std::string& ns, const std::string& name) {
  std::lock_guard lk(mu_);
  std::string msg = "delete link " + name + where(ns);
  if (auto e = fault("delete_link", ns, name)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->links.find(name);
  if (it == n->links.end()) return fail(msg, ENODEV);
  if (it->second.kind == LinkKind::Loopback || it->second.physical) return fail(msg, EOPNOTSUPP);
  destroy_link(ns, name, false);
  ++mutations_;
  return {};
}

Status FakeKernel::set_root_qdisc(const std::string& ns, const std::string& name,
                                  const RootQdisc& q) {
  std::lock_guard lk(mu_);
  std::string msg = "set " + q.kind + " qdisc on " + name + where(ns);
  if (auto e = fault("set_root_qdisc", ns, name)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->links.find(name);
  if (it == n->links.end()) return fail(msg, ENODEV);
  // As the kernel: an unknown kind is ENOENT, and the rate of tbf must be set.
  bool known = (q.kind == "tbf" && caps_.tbf) || (q.kind == "netem" && caps_.netem);
  if (!known)
    return fail(msg + " (the kernel has no sch_" + q.kind + ")", ENOENT, ErrorKind::Unsupported);
  if (q.kind == "tbf" && (q.tbf.rate == 0 || q.tbf.limit == 0)) return fail(msg, EINVAL);
  it->second.qdisc = q;
  ++mutations_;
  return {};
}

Status FakeKernel::delete_root_qdisc(const std::string& ns, const std::string& name) {
  std::lock_guard lk(mu_);
  std::string msg = "delete root qdisc of " + name + where(ns);
  if (auto e = fault("delete_root_qdisc", ns, name)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->links.find(name);
  if (it == n->links.end()) return fail(msg, ENODEV);
  if (!it->second.qdisc) return fail(msg, ENOENT);
  it->second.qdisc.reset();
  ++mutations_;
  return {};
}

Status FakeKernel::change_link(const std::string& ns, const std::string& name,
                               const LinkChange& c) {
  std::lock_guard lk(mu_);
  std::string msg = "change link " + name + where(ns);
  if (c.up) msg += *c.up ? " up" : " down";
  if (c.mtu) msg += " mtu " + std::to_string(*c.mtu);
  if (c.mac) msg += " address " + *c.mac;
  if (c.master) msg += c.master->empty() ? " nomaster" : " master " + *c.master;
  if (c.alias) msg += " alias '" + *c.alias + "'";
  if (c.tx_checksum) msg += *c.tx_checksum ? " tx-checksum on" : " tx-checksum off";
  if (auto e = fault("change_link", ns, name)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->links.find(name);
  if (it == n->links.end()) return fail(msg, ENODEV);
  FakeLink& l = it->second;
  // Validate everything first: a refused change leaves the link as it was.
  if (c.mtu && (*c.mtu < 68 || *c.mtu > max_mtu(l))) return fail(msg, EINVAL);
  std::string mac;
  if (c.mac) {
    auto m = parse_mac(*c.mac);
    if (!m) return fail(msg, EINVAL);
    bool zero = std::all_of(m->begin(), m->end(), [](auto b) { return b == 0; });
    if (zero || ((*m)[0] & 1)) return fail(msg, EADDRNOTAVAIL);
    mac = format_mac(*m);
  }
  if (c.master && !c.master->empty()) {
    auto mit = n->links.find(*c.master);
    if (mit == n->links.end()) return fail(msg, ENODEV);
    if (mit->second.kind != LinkKind::Bridge) return fail(msg, EOPNOTSUPP);
    if (l.kind == LinkKind::Bridge || *c.master == name) return fail(msg, ELOOP);
    if (l.kind == LinkKind::Loopback) return fail(msg, EINVAL);
  }
  if (c.alias && c.alias->size() > 255) return fail(msg, EINVAL);
  if (c.mtu) l.mtu = *c.mtu;
  if (c.tx_checksum) l.tx_checksum = *c.tx_checksum;
  if (c.mac) l.mac = mac;
  if (c.alias) l.alias = *c.alias;
  if (c.master) l.master = *c.master;
  if (c.up) {
    if (*c.up)
      set_up(*n, l);
    else
      set_down(*n, l);
  }
  ++mutations_;
  if (late_hook_)
    if (auto e = late_hook_("change_link", ns, name)) return fail(msg + " (after applying)", *e);
  return {};
}

Status FakeKernel::move_link(const std::string& ns, const std::string& name,
                             const std::string& to_ns) {
  std::lock_guard lk(mu_);
  std::string msg = "move link " + name + where(ns) + " to " +
                    (to_ns.empty() ? std::string("the root namespace") : "netns " + to_ns);
  if (auto e = fault("move_link", ns, name)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  FakeNamespace* t = find_ns(to_ns);
  if (!n || !t) return fail(msg, ENOENT);
  auto it = n->links.find(name);
  if (it == n->links.end()) return fail(msg, ENODEV);
  if (ns == to_ns) {
    ++mutations_;
    return {};
  }
  // Loopback and bridges are NETIF_F_NETNS_LOCAL.
  if (it->second.kind == LinkKind::Loopback || it->second.kind == LinkKind::Bridge)
    return fail(msg, EINVAL);
  if (t->links.count(name)) return fail(msg, EEXIST);
  FakeLink l = it->second;
  set_down(*n, it->second);
  n->links.erase(it);
  remove_routes_via(*n, name);
  remove_interface_sysctls(*n, name);
  l.up = false;
  l.addresses.clear();
  l.master.clear();
  l.qdisc.reset();  // the kernel shuts the device down: its qdiscs go
  l.ifindex = alloc_ifindex(to_ns, *t, l.ifindex);
  if (l.kind == LinkKind::Veth) {
    if (FakeNamespace* pn = find_ns(l.peer_ns)) {
      auto pit = pn->links.find(l.peer_name);
      if (pit != pn->links.end() && pit->second.peer_name == name && pit->second.peer_ns == ns)
        pit->second.peer_ns = to_ns;
    }
  }
  t->links[name] = l;
  add_interface_sysctls(*t, name);
  ++mutations_;
  return {};
}

Status FakeKernel::add_address(const std::string& ns, const std::string& ifname,
                               const IpPrefix& a) {
  std::lock_guard lk(mu_);
  std::string msg = "add address " + a.str() + " to " + ifname + where(ns);
  if (auto e = fault("add_address", ns, ifname)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->links.find(ifname);
  if (it == n->links.end()) return fail(msg, ENODEV);
  if (a.length < 0 || a.length > (a.family() == 4 ? 32 : 128)) return fail(msg, EINVAL);
  FakeLink& l = it->second;
  for (const auto& have : l.addresses) {
    if (have.family() != a.family() || have.address != a.address) continue;
    // IPv4 allows one address with several prefix lengths; IPv6 does not.
    if (a.family() == 6 || have.length == a.length) return fail(msg, EEXIST);
  }
  l.addresses.push_back(a);
  add_connected_routes(*n, l);
  ++mutations_;
  return {};
}

Status FakeKernel::delete_address(const std::string& ns, const std::string& ifname,
                                  const IpPrefix& a) {
  std::lock_guard lk(mu_);
  std::string msg = "delete address " + a.str() + " from " + ifname + where(ns);
  if (auto e = fault("delete_address", ns, ifname)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->links.find(ifname);
  if (it == n->links.end()) return fail(msg, ENODEV);
  FakeLink& l = it->second;
  auto ait = std::find(l.addresses.begin(), l.addresses.end(), a);
  if (ait == l.addresses.end()) return fail(msg, EADDRNOTAVAIL);
  l.addresses.erase(ait);
  bool same_net_left = std::any_of(l.addresses.begin(), l.addresses.end(), [&](const IpPrefix& p) {
    return p.family() == a.family() && p.network() == a.network();
  });
  if (!same_net_left) {
    std::erase_if(n->routes, [&](const FakeRoute& r) {
      return r.dev == ifname && r.protocol == kProtoKernel && !r.gateway && r.dst &&
             *r.dst == a.network();
    });
  }
  if (a.family() == 4) {
    bool v4_left = std::any_of(l.addresses.begin(), l.addresses.end(),
                               [](const IpPrefix& p) { return p.family() == 4; });
    // The last IPv4 address gone: every IPv4 route via the link goes too.
    if (!v4_left)
      std::erase_if(n->routes,
                    [&](const FakeRoute& r) { return r.dev == ifname && r.family == 4; });
  }
  ++mutations_;
  return {};
}

Status FakeKernel::add_route(const std::string& ns, const RouteRequest& req) {
  std::lock_guard lk(mu_);
  std::string msg = "add route " + route_text(req) + where(ns);
  std::string object = req.dst ? req.dst->str() : "default";
  if (auto e = fault("add_route", ns, object)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  if ((req.family != 4 && req.family != 6) || (req.dst && req.dst->family() != req.family) ||
      (req.gateway && req.gateway->family != req.family))
    return fail(msg, EINVAL);
  std::optional<IpPrefix> dst = req.dst;
  if (dst) {
    if (req.family == 4 && dst->network() != *dst) return fail(msg, EINVAL);
    dst = dst->network();
    if (dst->length == 0) dst.reset();
  }
  if (!req.dev.empty() && !n->links.count(req.dev)) return fail(msg, ENODEV);
  std::string dev = req.dev;
  int scope = 0;
  if (req.gateway) {
    const IpAddress& gw = *req.gateway;
    if (req.family == 6 && is_link_local6(gw)) {
      if (dev.empty()) return fail(msg, EINVAL);
      if (!n->links.at(dev).up) return fail(msg, ENETDOWN);
    } else {
      const FakeRoute* via = nullptr;
      for (const auto& r : n->routes) {
        if (r.family != req.family || r.gateway) continue;
        if (!dev.empty() && r.dev != dev) continue;
        if (r.dst && !r.dst->contains(gw)) continue;
        if (!via || (r.dst ? r.dst->length : 0) > (via->dst ? via->dst->length : 0)) via = &r;
      }
      if (!via) return fail(msg, req.family == 4 ? ENETUNREACH : EHOSTUNREACH);
      dev = via->dev;
    }
  } else {
    if (dev.empty()) return fail(msg, ENODEV);
    if (!n->links.at(dev).up) return fail(msg, ENETDOWN);
    scope = kScopeLink;
  }
  for (const auto& r : n->routes) {
    if (r.family != req.family || r.dst != dst) continue;
    // IPv4: one route per destination (same tos/priority); IPv6: kernel prefix
    // routes have metric 256, added ones 1024.
    if (req.family == 4 || r.protocol != kProtoKernel) return fail(msg, EEXIST);
  }
  n->routes.push_back(FakeRoute{req.family, dst, req.gateway, dev, kProtoStatic, scope});
  ++mutations_;
  return {};
}

Status FakeKernel::delete_route(const std::string& ns, const RouteRequest& req) {
  std::lock_guard lk(mu_);
  std::string msg = "delete route " + route_text(req) + where(ns);
  std::string object = req.dst ? req.dst->str() : "default";
  if (auto e = fault("delete_route", ns, object)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  if (!req.dev.empty() && !n->links.count(req.dev)) return fail(msg, ENODEV);
  std::optional<IpPrefix> dst = req.dst;
  if (dst) {
    dst = dst->network();
    if (dst->length == 0) dst.reset();
  }
  auto match = [&](const FakeRoute& r) {
    return r.family == req.family && r.dst == dst && (!req.gateway || r.gateway == req.gateway) &&
           (req.dev.empty() || r.dev == req.dev);
  };
  auto it = std::find_if(n->routes.begin(), n->routes.end(), [&](const FakeRoute& r) {
    return match(r) && r.protocol != kProtoKernel;
  });
  if (it == n->routes.end()) it = std::find_if(n->routes.begin(), n->routes.end(), match);
  if (it == n->routes.end()) return fail(msg, ESRCH);
  n->routes.erase(it);
  ++mutations_;
  return {};
}

Result<std::string> FakeKernel::read_sysctl(const std::string& ns, const std::string& key) {
  std::lock_guard lk(mu_);
  std::string msg = "read sysctl " + key + where(ns);
  if (auto e = fault("read_sysctl", ns, key)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->sysctls.find(key);
  if (it == n->sysctls.end()) return fail(msg, ENOENT);
  return it->second;
}

Status FakeKernel::write_sysctl(const std::string& ns, const std::string& key,
                                const std::string& value) {
  std::lock_guard lk(mu_);
  std::string msg = "write sysctl " + key + "=" + value + where(ns);
  if (auto e = fault("write_sysctl", ns, key)) return fail(msg, *e);
  FakeNamespace* n = find_ns(ns);
  if (!n) return fail(msg, ENOENT);
  auto it = n->sysctls.find(key);
  if (it == n->sysctls.end()) return fail(msg, ENOENT);
  std::string v = trim(value);
  if (!is_integer(v)) return fail(msg, EINVAL);
  it->second = v;
  // The kernel's couplings: ip_forward <-> conf.all.forwarding, and "all"
  // forwarding is pushed to "default" and every interface.
  auto push_forwarding = [&](const std::string& fam) {
    std::string prefix = "net." + fam + ".conf.";
    for (auto& [k, val] : n->sysctls)
      if (k.rfind(prefix, 0) == 0 && k.size() > 11 && k.ends_with(".forwarding")) val = v;
  };
  if (key == "net.ipv4.ip_forward" || key == "net.ipv4.conf.all.forwarding") {
    n->sysctls["net.ipv4.ip_forward"] = v;
    push_forwarding("ipv4");
  } else if (key == "net.ipv6.conf.all.forwarding") {
    push_forwarding("ipv6");
  }
  ++mutations_;
  return {};
}

Status FakeKernel::wait_links_gone(const std::string& ns, const std::vector<std::string>& names,
                                   std::chrono::milliseconds timeout) {
  std::lock_guard lk(mu_);
  std::string msg = "wait for links to go" + where(ns);
  if (auto e = fault("wait_links_gone", ns, names.empty() ? "" : names.front()))
    return fail(msg, *e);
  finish_teardown();
  FakeNamespace* n = find_ns(ns);
  if (!n) return {};
  std::string left;
  for (const auto& name : names)
    if (n->links.count(name)) left += (left.empty() ? "" : ", ") + name;
  if (left.empty()) return {};
  return fail(msg + ": still present after " + std::to_string(timeout.count()) + " ms: " + left,
              ETIMEDOUT, ErrorKind::Timeout);
}

KernelCapabilities FakeKernel::capabilities() {
  std::lock_guard lk(mu_);
  ++calls_["capabilities"];
  return caps_;
}

// --- configuration, faults, counters -----------------------------------------

void FakeKernel::set_capabilities(const KernelCapabilities& caps) {
  std::lock_guard lk(mu_);
  caps_ = caps;
}

void FakeKernel::set_teardown_delay(int observes) {
  std::lock_guard lk(mu_);
  teardown_delay_ = observes;
}

void FakeKernel::fail_next(const std::string& op, int err, int after_n_calls) {
  std::lock_guard lk(mu_);
  queued_.push_back(Queued{op, err, after_n_calls});
}

void FakeKernel::set_fault_hook(FaultHook hook) {
  std::lock_guard lk(mu_);
  hook_ = std::move(hook);
}

void FakeKernel::set_late_fault_hook(FaultHook hook) {
  std::lock_guard lk(mu_);
  late_hook_ = std::move(hook);
}

void FakeKernel::clear_faults() {
  std::lock_guard lk(mu_);
  queued_.clear();
  hook_ = nullptr;
  late_hook_ = nullptr;
}

int FakeKernel::calls(const std::string& op) const {
  std::lock_guard lk(mu_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

int FakeKernel::mutations() const {
  std::lock_guard lk(mu_);
  return mutations_;
}

std::vector<ObserveOptions> FakeKernel::observe_options() const {
  std::lock_guard lk(mu_);
  return observe_options_;
}

void FakeKernel::reset_counters() {
  std::lock_guard lk(mu_);
  calls_.clear();
  observe_options_.clear();
  mutations_ = 0;
}

// --- seeding and snapshots -----------------------------------------------------

void FakeKernel::seed_namespace(const std::string& ns) {
  std::lock_guard lk(mu_);
  if (ns_.count(ns)) return;
  next_ifindex_[ns] = 2;
  ns_[ns] = make_namespace(false);
}

void FakeKernel::seed_link(const std::string& ns, FakeLink link) {
  std::lock_guard lk(mu_);
  if (!ns_.count(ns)) {
    next_ifindex_[ns] = 2;
    ns_[ns] = make_namespace(false);
  }
  FakeNamespace& n = ns_.at(ns);
  link.ifindex = alloc_ifindex(ns, n, link.ifindex);
  if (link.mac.empty()) link.mac = alloc_mac();
  if (link.kind_text.empty()) {
    switch (link.kind) {
      case LinkKind::Veth:
        link.kind_text = "veth";
        break;
      case LinkKind::Bridge:
        link.kind_text = "bridge";
        break;
      case LinkKind::Vlan:
        link.kind_text = "vlan";
        break;
      case LinkKind::Tap:
        link.kind_text = "tun";
        break;
      case LinkKind::OvsInternal:
        link.kind_text = "openvswitch";
        break;
      case LinkKind::Vxlan:
        link.kind_text = "vxlan";
        break;
      case LinkKind::Macvlan:
        link.kind_text = "macvlan";
        break;
      default:
        break;
    }
  }
  std::string name = link.name;
  n.links[name] = link;
  add_interface_sysctls(n, name);
  add_connected_routes(n, n.links[name]);
}

void FakeKernel::seed_route(const std::string& ns, const FakeRoute& route) {
  std::lock_guard lk(mu_);
  if (!ns_.count(ns)) {
    next_ifindex_[ns] = 2;
    ns_[ns] = make_namespace(false);
  }
  ns_.at(ns).routes.push_back(route);
}

void FakeKernel::seed_sysctl(const std::string& ns, const std::string& key,
                             const std::string& value) {
  std::lock_guard lk(mu_);
  if (!ns_.count(ns)) {
    next_ifindex_[ns] = 2;
    ns_[ns] = make_namespace(false);
  }
  ns_.at(ns).sysctls[key] = value;
}

FakeKernelSnapshot FakeKernel::snapshot() const {
  std::lock_guard lk(mu_);
  return FakeKernelSnapshot{ns_};
}

void FakeKernel::restore(const FakeKernelSnapshot& s) {
  std::lock_guard lk(mu_);
  ns_ = s.namespaces;
  if (!ns_.count("")) ns_[""] = make_namespace(true);
  std::erase_if(ns_inodes_, [&](const auto& kv) { return !ns_.count(kv.first); });
}

std::optional<std::string> FakeKernel::netns_id(const std::string& ns) {
  std::lock_guard lk(mu_);
  if (!ns_.count(ns)) return std::nullopt;
  if (ns.empty()) return "net:[4026531840]";  // the initial namespace's inode
  auto [it, fresh] = ns_inodes_.try_emplace(ns, 0);
  if (fresh) it->second = next_inode_++;
  return "net:[" + std::to_string(it->second) + "]";
}

}  // namespace netlab::testing
