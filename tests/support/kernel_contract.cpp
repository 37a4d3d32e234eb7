#include "support/kernel_contract.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace netlab::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kProtoKernel = 2;
constexpr int kProtoStatic = 4;
constexpr int kScopeLink = 253;

IpPrefix P(const char* text) {
  auto p = IpPrefix::parse(text);
  REQUIRE(p.has_value());
  return *p;
}
IpAddress A(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

/// Deletes the namespaces it was given (newest first) when it goes out of
/// scope, ignoring errors: the links inside go with them.
class NsGuard {
 public:
  explicit NsGuard(Kernel& k) : k_(k) {}
  ~NsGuard() {
    for (auto it = names_.rbegin(); it != names_.rend(); ++it) (void)k_.delete_namespace(*it);
  }
  NsGuard(const NsGuard&) = delete;
  NsGuard& operator=(const NsGuard&) = delete;
  /// Registers `name` for clean-up and creates it (REQUIRE success).
  std::string create(const std::string& name) {
    names_.push_back(name);
    auto st = k_.create_namespace(name);
    INFO((st.ok() ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    return name;
  }

 private:
  Kernel& k_;
  std::vector<std::string> names_;
};

std::string name_for(const std::string& prefix, const std::string& suffix) {
  REQUIRE(prefix.size() + suffix.size() <= 15);
  return prefix + suffix;
}

void require_ok(const Status& st) {
  INFO((st.ok() ? std::string() : st.error().str()));
  REQUIRE(st.ok());
}

void require_errno(const Status& st, int err) {
  REQUIRE_FALSE(st.ok());
  INFO(st.error().str());
  CHECK(st.error().sys_errno == err);
}

KernelState observe(Kernel& k, const std::vector<std::string>& ns,
                    const std::vector<std::string>& keys = {}) {
  auto r = k.observe(ns, keys);
  require_ok(r.status());
  return *r;
}

NamespaceState observe_ns(Kernel& k, const std::string& ns,
                          const std::vector<std::string>& keys = {}) {
  auto s = observe(k, {ns}, keys);
  REQUIRE(s.namespaces.count(ns) == 1);
  return s.namespaces.at(ns);
}

const LinkState& link(const NamespaceState& n, const std::string& name) {
  const LinkState* l = n.find_link(name);
  INFO("link " << name << " in netns " << n.name);
  REQUIRE(l != nullptr);
  return *l;
}

bool has_address(const LinkState& l, const IpPrefix& p) {
  return std::find(l.addresses.begin(), l.addresses.end(), p) != l.addresses.end();
}

const RouteState* find_route(const NamespaceState& n, int family,
                             const std::optional<IpPrefix>& dst) {
  for (const auto& r : n.routes)
    if (r.family == family && r.dst == dst) return &r;
  return nullptr;
}

bool has_route_via(const NamespaceState& n, const std::string& dev) {
  return std::any_of(n.routes.begin(), n.routes.end(),
                     [&](const RouteState& r) { return r.dev == dev; });
}

void veth(Kernel& k, const std::string& name, const std::string& ns, const std::string& peer,
          const std::string& peer_ns, const std::string& alias = "") {
  require_ok(k.create_veth(VethRequest{name, ns, peer, peer_ns, alias}));
}

LinkChange up_change(bool up) {
  LinkChange c;
  c.up = up;
  return c;
}

void set_up(Kernel& k, const std::string& ns, const std::string& name, bool up = true) {
  LinkChange c;
  c.up = up;
  require_ok(k.change_link(ns, name, c));
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace

void contract_namespace_lifecycle(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = name_for(prefix, "La");
  std::string missing = name_for(prefix, "Lz");
  {
    auto list = k.list_namespaces();
    require_ok(list.status());
    CHECK(std::find(list->begin(), list->end(), a) == list->end());
  }
  g.create(a);
  {
    auto list = k.list_namespaces();
    require_ok(list.status());
    CHECK(std::find(list->begin(), list->end(), a) != list->end());
    CHECK(std::is_sorted(list->begin(), list->end()));
  }
  // Observing a namespace that does not exist is no error: it is just absent.
  auto s = observe(k, {a, missing});
  REQUIRE(s.namespaces.count(a) == 1);
  CHECK(s.namespaces.count(missing) == 0);
  CHECK(std::find(s.all_namespaces.begin(), s.all_namespaces.end(), a) != s.all_namespaces.end());
  CHECK(std::find(s.all_namespaces.begin(), s.all_namespaces.end(), missing) ==
        s.all_namespaces.end());
  // A new namespace has only lo, down, without addresses.
  // (Some kernels add fallback tunnel devices such as sit0 to every namespace.)
  const NamespaceState& n = s.namespaces.at(a);
  const LinkState& lo = link(n, "lo");
  CHECK(lo.kind == LinkKind::Loopback);
  CHECK(lo.ifindex == 1);
  CHECK_FALSE(lo.up);
  CHECK(lo.addresses.empty());
  CHECK(n.routes.empty());
  // lo gets its addresses when brought up.
  set_up(k, a, "lo");
  {
    auto lo_up = link(observe_ns(k, a), "lo");
    CHECK(lo_up.up);
    CHECK(has_address(lo_up, P("127.0.0.1/8")));
    CHECK(has_address(lo_up, P("::1/128")));
  }
  require_errno(k.create_namespace(a), EEXIST);
  require_ok(k.delete_namespace(a));
  {
    auto list = k.list_namespaces();
    require_ok(list.status());
    CHECK(std::find(list->begin(), list->end(), a) == list->end());
    auto after = observe(k, {a});
    CHECK(after.namespaces.count(a) == 0);
  }
  require_errno(k.delete_namespace(a), ENOENT);
}

void contract_veth_across_namespaces(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Va"));
  std::string b = g.create(name_for(prefix, "Vb"));
  std::string alias = owner_alias("contract");
  veth(k, "x", a, "y", b, alias);
  veth(k, "p", a, "q", a);

  auto s = observe(k, {a, b});
  REQUIRE(s.namespaces.count(a) == 1);
  REQUIRE(s.namespaces.count(b) == 1);
  const auto& na = s.namespaces.at(a);
  const auto& nb = s.namespaces.at(b);
  const LinkState& x = link(na, "x");
  const LinkState& y = link(nb, "y");
  for (const LinkState* l : {&x, &y}) {
    INFO("link " << l->name);
    CHECK(l->kind == LinkKind::Veth);
    CHECK(l->kind_text == "veth");
    CHECK_FALSE(l->up);
    CHECK(l->mtu == 1500);
    CHECK(l->alias == alias);
    CHECK(l->owner() == "contract");
    CHECK(l->ifindex > 1);
    CHECK(l->master.empty());
    CHECK(l->addresses.empty());
    CHECK(l->mac == lower(l->mac));
    auto mac = parse_mac(l->mac);
    REQUIRE(mac.has_value());
    CHECK(((*mac)[0] & 1) == 0);  // unicast
    CHECK(std::any_of(mac->begin(), mac->end(), [](auto b) { return b != 0; }));
  }
  CHECK(x.peer_known);
  CHECK(x.peer_name == "y");
  CHECK(x.peer_ns == b);
  CHECK(y.peer_known);
  CHECK(y.peer_name == "x");
  CHECK(y.peer_ns == a);
  // A veth inside one namespace.
  const LinkState& p = link(na, "p");
  CHECK(p.peer_known);
  CHECK(p.peer_name == "q");
  CHECK(p.peer_ns == a);
  CHECK(link(na, "q").peer_name == "p");
  CHECK(p.ifindex != x.ifindex);
  CHECK(link(na, "q").ifindex != p.ifindex);
  // Links of namespaces not asked for stay out; their peers are unknown.
  auto only_a = observe(k, {a});
  CHECK(only_a.namespaces.count(b) == 0);
  CHECK(std::find(only_a.all_namespaces.begin(), only_a.all_namespaces.end(), b) !=
        only_a.all_namespaces.end());
  CHECK_FALSE(link(only_a.namespaces.at(a), "x").peer_known);
  CHECK(link(only_a.namespaces.at(a), "p").peer_known);
  // ... though by default the namespace holding them is still named.
  CHECK(link(only_a.namespaces.at(a), "x").peer_ns == b);
  // The root namespace never sees them.
  CHECK(only_a.root.find_link("x") == nullptr);
  // PeerLookup::ObservedOnly: peers are paired among the namespaces asked
  // for as before, and one elsewhere is not named.
  auto both_observed_only = k.observe({a, b}, {}, {PeerLookup::ObservedOnly, true, std::nullopt});
  require_ok(both_observed_only.status());
  const LinkState& xo = link(both_observed_only->namespaces.at(a), "x");
  CHECK(xo.peer_known);
  CHECK(xo.peer_name == "y");
  CHECK(xo.peer_ns == b);
  CHECK(link(both_observed_only->namespaces.at(b), "y").peer_ns == a);
  auto a_observed_only = k.observe({a}, {}, {PeerLookup::ObservedOnly, true, std::nullopt});
  require_ok(a_observed_only.status());
  const NamespaceState& nao = a_observed_only->namespaces.at(a);
  CHECK_FALSE(link(nao, "x").peer_known);
  CHECK(link(nao, "x").peer_ns.empty());
  CHECK(link(nao, "x").peer_name.empty());
  CHECK(link(nao, "p").peer_known);
  CHECK(link(nao, "p").peer_ns == a);
  // Without the root namespace: it is left empty, the named ones are read
  // and paired as ever.
  auto no_root = k.observe({a, b}, {}, {PeerLookup::ObservedOnly, false, std::nullopt});
  require_ok(no_root.status());
  CHECK(no_root->root.links.empty());
  CHECK(no_root->root.routes.empty());
  CHECK(link(no_root->namespaces.at(a), "x").peer_known);
  CHECK(link(no_root->namespaces.at(a), "x").peer_ns == b);
  CHECK(link(no_root->namespaces.at(b), "y").peer_name == "x");
}

void contract_delete_one_veth_end_removes_peer(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Da"));
  std::string b = g.create(name_for(prefix, "Db"));
  veth(k, "x", a, "y", b);
  veth(k, "p", a, "q", a);
  require_ok(k.delete_link(b, "y"));
  require_ok(k.delete_link(a, "p"));
  auto s = observe(k, {a, b});
  CHECK(s.namespaces.at(a).find_link("x") == nullptr);
  CHECK(s.namespaces.at(b).find_link("y") == nullptr);
  CHECK(s.namespaces.at(a).find_link("p") == nullptr);
  CHECK(s.namespaces.at(a).find_link("q") == nullptr);
  require_errno(k.delete_link(a, "x"), ENODEV);
  require_errno(k.delete_link(a, "nope"), ENODEV);
}

void contract_delete_namespace_destroys_links(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Na"));
  std::string b = g.create(name_for(prefix, "Nb"));
  veth(k, "x", a, "y", b);
  veth(k, "p", a, "q", a);
  veth(k, "s", b, "t", b);
  require_ok(k.create_bridge(a, "br", ""));
  require_ok(k.delete_namespace(a));
  require_ok(k.wait_links_gone(b, {"y"}, 5000ms));
  auto s = observe(k, {a, b});
  CHECK(s.namespaces.count(a) == 0);
  CHECK(std::find(s.all_namespaces.begin(), s.all_namespaces.end(), a) == s.all_namespaces.end());
  const auto& nb = s.namespaces.at(b);
  CHECK(nb.find_link("y") == nullptr);
  CHECK(nb.find_link("s") != nullptr);  // unrelated links stay
  CHECK(nb.find_link("t") != nullptr);
  // A link that stays makes the wait time out.
  auto st = k.wait_links_gone(b, {"s"}, 100ms);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::Timeout);
  CHECK(contains(st.error().message, "s"));
  // Nothing to wait for: immediate success.
  require_ok(k.wait_links_gone(b, {"nope"}, 100ms));
}

void contract_duplicate_create_eexist(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Ua"));
  std::string b = g.create(name_for(prefix, "Ub"));
  require_errno(k.create_namespace(a), EEXIST);
  veth(k, "x", a, "y", b);
  // Either end taken: EEXIST and nothing half-created.
  require_errno(k.create_veth(VethRequest{"x", a, "z", b, ""}), EEXIST);
  require_errno(k.create_veth(VethRequest{"w", a, "y", b, ""}), EEXIST);
  require_errno(k.create_veth(VethRequest{"w", a, "x", a, ""}), EEXIST);
  require_ok(k.create_bridge(a, "br", ""));
  require_errno(k.create_bridge(a, "br", ""), EEXIST);
  require_errno(k.create_bridge(a, "x", ""), EEXIST);
  require_errno(k.create_veth(VethRequest{"br", a, "v", b, ""}), EEXIST);
  auto s = observe(k, {a, b});
  const auto& na = s.namespaces.at(a);
  const auto& nb = s.namespaces.at(b);
  CHECK(nb.find_link("z") == nullptr);
  CHECK(na.find_link("w") == nullptr);
  CHECK(nb.find_link("v") == nullptr);
  CHECK(link(na, "br").kind == LinkKind::Bridge);
  CHECK(link(na, "x").kind == LinkKind::Veth);
  // The same name in different namespaces is fine.
  veth(k, "m", a, "m", b);
  require_ok(k.create_bridge(b, "br", ""));
}

void contract_addresses(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Aa"));
  veth(k, "x", a, "y", a);
  const IpPrefix v4 = P("10.201.0.1/24");
  const IpPrefix v6 = P("fd00:201::1/64");
  require_ok(k.add_address(a, "x", v4));
  require_ok(k.add_address(a, "x", v6));
  require_errno(k.add_address(a, "x", v4), EEXIST);
  require_errno(k.add_address(a, "x", v6), EEXIST);
  require_errno(k.add_address(a, "nope", v4), ENODEV);
  require_errno(k.delete_address(a, "x", P("10.201.9.9/24")), EADDRNOTAVAIL);
  require_errno(k.delete_address(a, "x", P("fd00:201::9/64")), EADDRNOTAVAIL);
  {
    auto n = observe_ns(k, a);
    const auto& x = link(n, "x");
    CHECK(x.addresses.size() == 2);
    CHECK(has_address(x, v4));
    CHECK(has_address(x, v6));
    // No connected routes while the link is down.
    CHECK_FALSE(has_route_via(n, "x"));
  }
  set_up(k, a, "x");
  set_up(k, a, "y");
  {
    auto n = observe_ns(k, a);
    const RouteState* r4 = find_route(n, 4, v4.network());
    REQUIRE(r4 != nullptr);
    CHECK(r4->dev == "x");
    CHECK_FALSE(r4->gateway.has_value());
    CHECK(r4->protocol == kProtoKernel);
    CHECK(r4->scope == kScopeLink);
    const RouteState* r6 = find_route(n, 6, v6.network());
    REQUIRE(r6 != nullptr);
    CHECK(r6->dev == "x");
    CHECK(r6->protocol == kProtoKernel);
    // IPv6 link-local addresses are not reported.
    CHECK(link(n, "x").addresses.size() == 2);
  }
  // An address added to an up link brings its connected route at once.
  const IpPrefix v4b = P("10.202.0.1/24");
  require_ok(k.add_address(a, "y", v4b));
  CHECK(find_route(observe_ns(k, a), 4, v4b.network()) != nullptr);
  require_ok(k.delete_address(a, "y", v4b));
  {
    auto n = observe_ns(k, a);
    CHECK(find_route(n, 4, v4b.network()) == nullptr);
    CHECK(link(n, "y").addresses.empty());
  }
  // Down: routes go, the IPv4 address stays, the IPv6 one is flushed
  // (net.ipv6.conf.*.keep_addr_on_down = 0).
  set_up(k, a, "x", false);
  {
    auto n = observe_ns(k, a);
    CHECK_FALSE(has_route_via(n, "x"));
    const auto& x = link(n, "x");
    CHECK(has_address(x, v4));
    CHECK_FALSE(has_address(x, v6));
  }
  require_ok(k.delete_address(a, "x", v4));
  CHECK(link(observe_ns(k, a), "x").addresses.empty());
}

void contract_routes(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Ra"));
  veth(k, "x", a, "y", a);
  veth(k, "d", a, "e", a);  // stays down
  require_ok(k.add_address(a, "x", P("10.211.0.1/24")));
  require_ok(k.add_address(a, "x", P("fd00:211::1/64")));
  require_ok(k.add_address(a, "d", P("10.219.0.1/24")));
  set_up(k, a, "x");
  set_up(k, a, "y");

  const IpPrefix dst = P("10.212.0.0/24");
  RouteRequest via_gw{4, dst, A("10.211.0.2"), ""};
  require_ok(k.add_route(a, via_gw));
  require_errno(k.add_route(a, via_gw), EEXIST);
  RouteRequest dev_only{4, P("10.213.0.0/24"), std::nullopt, "x"};
  require_ok(k.add_route(a, dev_only));
  RouteRequest dflt{4, std::nullopt, A("10.211.0.254"), "x"};
  require_ok(k.add_route(a, dflt));
  RouteRequest v6{6, P("fd00:212::/64"), A("fd00:211::2"), ""};
  require_ok(k.add_route(a, v6));
  {
    auto n = observe_ns(k, a);
    const RouteState* r = find_route(n, 4, dst);
    REQUIRE(r != nullptr);
    CHECK(r->gateway == A("10.211.0.2"));
    CHECK(r->dev == "x");  // resolved from the gateway
    CHECK(r->protocol == kProtoStatic);
    const RouteState* r2 = find_route(n, 4, P("10.213.0.0/24"));
    REQUIRE(r2 != nullptr);
    CHECK(r2->dev == "x");
    CHECK_FALSE(r2->gateway.has_value());
    CHECK(r2->protocol == kProtoStatic);
    const RouteState* r3 = find_route(n, 4, std::nullopt);
    REQUIRE(r3 != nullptr);
    CHECK(r3->gateway == A("10.211.0.254"));
    CHECK(r3->protocol == kProtoStatic);
    const RouteState* r6 = find_route(n, 6, P("fd00:212::/64"));
    REQUIRE(r6 != nullptr);
    CHECK(r6->gateway == A("fd00:211::2"));
    CHECK(r6->dev == "x");
    CHECK(r6->protocol == kProtoStatic);
  }
  // Unreachable gateways, missing and down devices.
  require_errno(k.add_route(a, RouteRequest{4, P("10.214.0.0/24"), A("10.99.0.1"), ""}),
                ENETUNREACH);
  require_errno(k.add_route(a, RouteRequest{4, P("10.214.0.0/24"), A("10.211.0.2"), "lo"}),
                ENETUNREACH);
  require_errno(k.add_route(a, RouteRequest{6, P("fd00:214::/64"), A("fd00:99::1"), ""}),
                EHOSTUNREACH);
  require_errno(k.add_route(a, RouteRequest{4, P("10.214.0.0/24"), std::nullopt, "nope"}), ENODEV);
  require_errno(k.add_route(a, RouteRequest{4, P("10.214.0.0/24"), std::nullopt, "d"}), ENETDOWN);
  require_errno(k.add_route(a, RouteRequest{6, P("fd00:214::/64"), std::nullopt, "d"}), ENETDOWN);
  require_errno(k.add_route(a, RouteRequest{4, P("10.214.0.0/24"), A("10.219.0.2"), ""}),
                ENETUNREACH);  // connected only via a down link
  {
    auto n = observe_ns(k, a);
    CHECK(find_route(n, 4, P("10.214.0.0/24")) == nullptr);
    CHECK(find_route(n, 6, P("fd00:214::/64")) == nullptr);
  }
  // Delete.
  require_ok(k.delete_route(a, via_gw));
  CHECK(find_route(observe_ns(k, a), 4, dst) == nullptr);
  require_errno(k.delete_route(a, via_gw), ESRCH);
  require_errno(k.delete_route(a, RouteRequest{6, P("fd00:299::/64"), std::nullopt, ""}), ESRCH);
  // Routes via a link vanish when it goes down.
  require_ok(k.add_route(a, via_gw));
  set_up(k, a, "x", false);
  {
    auto n = observe_ns(k, a);
    CHECK_FALSE(has_route_via(n, "x"));
    CHECK(find_route(n, 4, std::nullopt) == nullptr);
    CHECK(find_route(n, 6, P("fd00:212::/64")) == nullptr);
  }
}

void contract_link_changes(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Ca"));
  veth(k, "x", a, "y", a);
  require_ok(k.create_bridge(a, "br", owner_alias("contract")));
  {
    const LinkState br = link(observe_ns(k, a), "br");
    CHECK(br.kind == LinkKind::Bridge);
    CHECK(br.kind_text == "bridge");
    CHECK_FALSE(br.up);
    CHECK(br.owner() == "contract");
  }
  require_ok(k.change_link(a, "x", LinkChange{}));  // nothing to change
  LinkChange c;
  c.mtu = 1400;
  c.mac = "02:00:00:AA:BB:CC";
  c.alias = "netlab:lab1";
  require_ok(k.change_link(a, "x", c));
  {
    const LinkState x = link(observe_ns(k, a), "x");
    CHECK(x.mtu == 1400);
    CHECK(x.mac == "02:00:00:aa:bb:cc");
    CHECK(x.alias == "netlab:lab1");
    CHECK(x.owner() == "lab1");
    CHECK_FALSE(x.up);
  }
  LinkChange up;
  up.up = true;
  up.master = "br";
  require_ok(k.change_link(a, "x", up));
  set_up(k, a, "br");
  {
    auto n = observe_ns(k, a);
    CHECK(link(n, "x").up);
    CHECK(link(n, "x").master == "br");
    CHECK(link(n, "br").up);
    CHECK(link(n, "y").master.empty());
  }
  LinkChange clear;
  clear.alias = "";
  clear.master = "";
  clear.up = false;
  require_ok(k.change_link(a, "x", clear));
  {
    const LinkState x = link(observe_ns(k, a), "x");
    CHECK(x.alias.empty());
    CHECK(x.master.empty());
    CHECK_FALSE(x.up);
  }
  // Errors leave the link alone.
  LinkChange bad;
  bad.master = "nope";
  require_errno(k.change_link(a, "x", bad), ENODEV);
  bad.master = "y";  // not a bridge
  require_errno(k.change_link(a, "x", bad), EOPNOTSUPP);
  LinkChange big;
  big.mtu = 100000;
  require_errno(k.change_link(a, "x", big), EINVAL);
  LinkChange multicast;
  multicast.mac = "01:00:00:00:00:01";
  require_errno(k.change_link(a, "x", multicast), EADDRNOTAVAIL);
  require_errno(k.change_link(a, "nope", up), ENODEV);
  {
    const LinkState x = link(observe_ns(k, a), "x");
    CHECK(x.mtu == 1400);
    CHECK(x.mac == "02:00:00:aa:bb:cc");
    CHECK(x.master.empty());
  }
  // Deleting a bridge releases its ports.
  LinkChange port;
  port.master = "br";
  require_ok(k.change_link(a, "y", port));
  CHECK(link(observe_ns(k, a), "y").master == "br");
  require_ok(k.delete_link(a, "br"));
  {
    auto n = observe_ns(k, a);
    CHECK(n.find_link("br") == nullptr);
    CHECK(link(n, "y").master.empty());
  }
}

void contract_move_link(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Ma"));
  std::string b = g.create(name_for(prefix, "Mb"));
  std::string missing = name_for(prefix, "Mz");
  veth(k, "x", a, "y", a, owner_alias("contract"));
  require_ok(k.create_bridge(a, "br", ""));
  require_ok(k.add_address(a, "x", P("10.221.0.1/24")));
  LinkChange c;
  c.up = true;
  c.master = "br";
  c.mtu = 1400;
  require_ok(k.change_link(a, "x", c));

  require_ok(k.move_link(a, "x", b));
  {
    auto s = observe(k, {a, b});
    const auto& na = s.namespaces.at(a);
    const auto& nb = s.namespaces.at(b);
    CHECK(na.find_link("x") == nullptr);
    CHECK_FALSE(has_route_via(na, "x"));
    const auto& x = link(nb, "x");
    CHECK_FALSE(x.up);
    CHECK(x.addresses.empty());
    CHECK(x.master.empty());
    CHECK(x.mtu == 1400);
    CHECK(x.alias == owner_alias("contract"));
    CHECK(x.peer_known);
    CHECK(x.peer_name == "y");
    CHECK(x.peer_ns == a);
    const auto& y = link(na, "y");
    CHECK(y.peer_name == "x");
    CHECK(y.peer_ns == b);
  }
  // Moving within the namespace it is in changes nothing.
  set_up(k, b, "x");
  require_ok(k.move_link(b, "x", b));
  CHECK(link(observe_ns(k, b), "x").up);
  // Name taken in the target, missing link, missing namespace.
  require_ok(k.create_bridge(b, "y", ""));
  require_errno(k.move_link(a, "y", b), EEXIST);
  CHECK(observe_ns(k, a).find_link("y") != nullptr);
  require_errno(k.move_link(a, "nope", b), ENODEV);
  require_errno(k.move_link(a, "y", missing), ENOENT);
  CHECK(observe_ns(k, a).find_link("y") != nullptr);
}

void contract_sysctls(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Sa"));
  std::string b = g.create(name_for(prefix, "Sb"));
  std::string missing = name_for(prefix, "Sz");
  veth(k, "x", a, "y", b);
  for (const char* key :
       {"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.conf.all.forwarding"}) {
    auto v = k.read_sysctl(a, key);
    require_ok(v.status());
    CHECK(*v == "0");
  }
  require_ok(k.write_sysctl(a, "net.ipv4.ip_forward", "1"));
  {
    auto v = k.read_sysctl(a, "net.ipv4.ip_forward");
    require_ok(v.status());
    CHECK(*v == "1");
    // The kernel pushes ip_forward to conf.all and to every interface.
    auto all = k.read_sysctl(a, "net.ipv4.conf.all.forwarding");
    require_ok(all.status());
    CHECK(*all == "1");
    auto dev = k.read_sysctl(a, "net.ipv4.conf.x.forwarding");
    require_ok(dev.status());
    CHECK(*dev == "1");
    // Per namespace: b is untouched.
    auto other = k.read_sysctl(b, "net.ipv4.ip_forward");
    require_ok(other.status());
    CHECK(*other == "0");
  }
  require_ok(k.write_sysctl(a, "net.ipv6.conf.all.forwarding", "1"));
  {
    auto s = observe(k, {a, b}, {"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"});
    const auto& na = s.namespaces.at(a);
    const auto& nb = s.namespaces.at(b);
    REQUIRE(na.sysctls.count("net.ipv4.ip_forward") == 1);
    CHECK(na.sysctls.at("net.ipv4.ip_forward") == "1");
    REQUIRE(na.sysctls.count("net.ipv6.conf.all.forwarding") == 1);
    CHECK(na.sysctls.at("net.ipv6.conf.all.forwarding") == "1");
    REQUIRE(nb.sysctls.count("net.ipv4.ip_forward") == 1);
    CHECK(nb.sysctls.at("net.ipv4.ip_forward") == "0");
  }
  require_ok(k.write_sysctl(a, "net.ipv4.ip_forward", "0"));
  {
    auto v = k.read_sysctl(a, "net.ipv4.ip_forward");
    require_ok(v.status());
    CHECK(*v == "0");
  }
  require_errno(k.read_sysctl(a, "net.ipv4.no_such_key").status(), ENOENT);
  require_errno(k.write_sysctl(a, "net.ipv4.no_such_key", "1"), ENOENT);
  {
    // Observe says which keys asked for the namespace does not have (the
    // plan refuses to write them), and only those.
    auto s = observe(k, {a},
                     {"net.ipv4.ip_forward", "net.ipv4.no_such_key",
                      "net.ipv4.conf.nope.forwarding", "net.ipv4.tcp_low_latency"});
    const auto& na = s.namespaces.at(a);
    CHECK(na.sysctls.count("net.ipv4.ip_forward") == 1);
    CHECK(na.missing_sysctls == std::set<std::string>{"net.ipv4.conf.nope.forwarding",
                                                      "net.ipv4.no_such_key",
                                                      "net.ipv4.tcp_low_latency"});
  }
  require_errno(k.read_sysctl(a, "net.ipv4.conf.nope.forwarding").status(), ENOENT);
  require_errno(k.read_sysctl(missing, "net.ipv4.ip_forward").status(), ENOENT);
}

void contract_interface_sysctls(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Ia"));
  std::string b = g.create(name_for(prefix, "Ib"));
  // The keys netlab's topologies set most on an interface, in both families.
  auto keys = [](const std::string& dev) {
    return std::vector<std::string>{
        "net.ipv4.conf." + dev + ".forwarding", "net.ipv4.conf." + dev + ".rp_filter",
        "net.ipv6.conf." + dev + ".forwarding", "net.ipv6.conf." + dev + ".disable_ipv6"};
  };
  auto has_all = [&](const std::string& ns, const std::string& dev) {
    for (const auto& key : keys(dev)) {
      auto v = k.read_sysctl(ns, key);
      INFO(key << (ns.empty() ? "" : " in " + ns));
      require_ok(v.status());
    }
  };
  auto has_none = [&](const std::string& ns, const std::string& dev) {
    for (const auto& key : keys(dev)) {
      INFO(key << (ns.empty() ? "" : " in " + ns));
      require_errno(k.read_sysctl(ns, key).status(), ENOENT);
    }
  };
  has_none(a, "br");
  // A new interface's keys start from the namespace's conf.default.
  require_ok(k.write_sysctl(a, "net.ipv4.conf.default.rp_filter", "2"));
  require_ok(k.create_bridge(a, "br", ""));
  has_all(a, "br");
  {
    auto v = k.read_sysctl(a, "net.ipv4.conf.br.rp_filter");
    require_ok(v.status());
    CHECK(*v == "2");
  }
  require_ok(k.write_sysctl(a, "net.ipv4.conf.br.forwarding", "1"));
  {
    auto v = k.read_sysctl(a, "net.ipv4.conf.br.forwarding");
    require_ok(v.status());
    CHECK(*v == "1");
    auto s = observe(k, {a}, keys("br"));
    const auto& na = s.namespaces.at(a);
    CHECK(na.missing_sysctls.empty());
    REQUIRE(na.sysctls.count("net.ipv4.conf.br.forwarding") == 1);
    CHECK(na.sysctls.at("net.ipv4.conf.br.forwarding") == "1");
  }
  // A veth: both ends, each in its own namespace.
  veth(k, "x", a, "y", a);
  has_all(a, "x");
  has_all(a, "y");
  // A link moved to another namespace takes its keys along, and gets the
  // target's defaults (b's rp_filter is still 0).
  require_ok(k.move_link(a, "y", b));
  has_none(a, "y");
  has_all(b, "y");
  {
    auto v = k.read_sysctl(b, "net.ipv4.conf.y.rp_filter");
    require_ok(v.status());
    CHECK(*v == "0");
  }
  // A deleted link takes its keys along, and so does its veth peer.
  require_ok(k.delete_link(a, "br"));
  has_none(a, "br");
  require_ok(k.delete_link(a, "x"));
  require_ok(k.wait_links_gone(b, {"y"}, std::chrono::seconds(5)));
  has_none(a, "x");
  has_none(b, "y");
}

void contract_errors_name_operation_object_and_errno(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Ea"));
  veth(k, "xe", a, "ye", a);
  require_ok(k.add_address(a, "xe", P("10.231.0.1/24")));
  set_up(k, a, "xe");

  struct Case {
    const char* what;
    Status st;
    int err;
    std::vector<std::string> mentions;  // substrings of the message
    std::vector<std::string> verbs;     // one of these (lower-case) must appear
  };
  std::vector<Case> cases;
  cases.push_back(
      {"duplicate namespace", k.create_namespace(a), EEXIST, {a, "EEXIST"}, {"create"}});
  cases.push_back({"duplicate veth",
                   k.create_veth(VethRequest{"xe", a, "ze", a, ""}),
                   EEXIST,
                   {"xe", a, "EEXIST"},
                   {"create"}});
  cases.push_back(
      {"duplicate bridge", k.create_bridge(a, "ye", ""), EEXIST, {"ye", a, "EEXIST"}, {"create"}});
  cases.push_back(
      {"missing link", k.delete_link(a, "nope"), ENODEV, {"nope", a, "ENODEV"}, {"delete"}});
  cases.push_back({"change missing link",
                   k.change_link(a, "nope", up_change(true)),
                   ENODEV,
                   {"nope", a, "ENODEV"},
                   {"change", "set"}});
  cases.push_back({"duplicate address",
                   k.add_address(a, "xe", P("10.231.0.1/24")),
                   EEXIST,
                   {"10.231.0.1/24", "xe", a, "EEXIST"},
                   {"add"}});
  cases.push_back({"missing address",
                   k.delete_address(a, "xe", P("10.231.0.9/24")),
                   EADDRNOTAVAIL,
                   {"10.231.0.9/24", "xe", a, "EADDRNOTAVAIL"},
                   {"delete"}});
  cases.push_back({"unreachable gateway",
                   k.add_route(a, RouteRequest{4, P("10.232.0.0/24"), A("10.99.0.1"), ""}),
                   ENETUNREACH,
                   {"10.232.0.0/24", a, "ENETUNREACH"},
                   {"add"}});
  cases.push_back({"unknown sysctl",
                   k.write_sysctl(a, "net.ipv4.no_such_key", "1"),
                   ENOENT,
                   {"net.ipv4.no_such_key", a, "ENOENT"},
                   {"write", "set"}});
  cases.push_back({"missing namespace",
                   k.delete_namespace(name_for(prefix, "Ez")),
                   ENOENT,
                   {name_for(prefix, "Ez"), "ENOENT"},
                   {"delete"}});
  for (const auto& c : cases) {
    INFO(c.what);
    REQUIRE_FALSE(c.st.ok());
    const Error& e = c.st.error();
    INFO(e.message);
    CHECK(e.kind == ErrorKind::Kernel);
    CHECK(e.sys_errno == c.err);
    for (const auto& m : c.mentions) CHECK(contains(e.message, m));
    CHECK(std::any_of(c.verbs.begin(), c.verbs.end(),
                      [&](const std::string& v) { return contains(lower(e.message), v); }));
  }
}

void contract_vxlan(Kernel& k, const std::string& prefix) {
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Xa"));
  std::string b = g.create(name_for(prefix, "Xb"));
  // A VNI of this call's own: VNIs are unique per root namespace, where
  // other tests may hold some.
  std::uint32_t vni = 0x800000;
  for (char c : prefix) vni = (vni * 31 + static_cast<unsigned char>(c)) & 0x7FFFFF;
  vni |= 0x800000;
  VxlanRequest req{a, "vx0", vni, A("192.0.2.1"), A("192.0.2.2"), 4789, "netlab:ct"};
  require_ok(k.create_vxlan(req));
  auto s = observe(k, {a, b});
  const LinkState& l = link(s.namespaces.at(a), "vx0");
  CHECK(l.kind == LinkKind::Vxlan);
  CHECK(l.vxlan_id == vni);
  CHECK(l.vxlan_local == std::optional<IpAddress>(A("192.0.2.1")));
  CHECK(l.vxlan_remote == std::optional<IpAddress>(A("192.0.2.2")));
  CHECK(l.vxlan_port == 4789);
  CHECK(l.alias == "netlab:ct");
  CHECK_FALSE(l.up);
  CHECK(l.mtu == 1500);  // no lower device: the kernel leaves 1500
  // Not in the root namespace: only its socket would be there.
  CHECK(s.root.find_link("vx0") == nullptr);
  // The same name there, or the same VNI and port anywhere (all made from
  // the root namespace): EEXIST, nothing made.
  require_errno(k.create_vxlan(req), EEXIST);
  VxlanRequest same_vni = req;
  same_vni.ns = b;
  same_vni.remote = A("192.0.2.3");
  require_errno(k.create_vxlan(same_vni), EEXIST);
  CHECK(observe_ns(k, b).find_link("vx0") == nullptr);
  VxlanRequest other = same_vni;
  other.vni = vni ^ 1;
  require_ok(k.create_vxlan(other));
  // Up, addressed, deleted like any link; ENOENT for a missing namespace.
  set_up(k, a, "vx0");
  require_ok(k.add_address(a, "vx0", P("10.99.0.1/24")));
  CHECK(has_address(link(observe_ns(k, a), "vx0"), P("10.99.0.1/24")));
  require_ok(k.delete_link(a, "vx0"));
  CHECK(observe_ns(k, a).find_link("vx0") == nullptr);
  require_errno(k.delete_link(a, "vx0"), ENODEV);
  VxlanRequest nowhere = req;
  nowhere.ns = name_for(prefix, "Xz");
  require_errno(k.create_vxlan(nowhere), ENOENT);
  // Its namespace's deletion destroys it (b's goes with b, at the guard).
  require_ok(k.create_vxlan(req));
}

void contract_root_links_by_name(Kernel& k, const std::string& prefix) {
  // Root links made here are deleted even when a check fails: the bridge by
  // name, the veth ends with their peers' namespace.
  std::string r1 = name_for(prefix, "R1"), r2 = name_for(prefix, "R2");
  std::string r3 = name_for(prefix, "R3"), br = name_for(prefix, "RB");
  struct RootGuard {
    Kernel& k;
    std::vector<std::string> names;
    ~RootGuard() {
      for (const auto& n : names) (void)k.delete_link("", n);
    }
  } root{k, {br, r1, r2, r3}};
  NsGuard g(k);
  std::string a = g.create(name_for(prefix, "Ra"));
  veth(k, r1, "", "x", a);
  veth(k, r2, "", "y", a);
  veth(k, r3, "", "z", a);
  require_ok(k.create_bridge("", br, ""));
  LinkChange to_bridge;
  to_bridge.master = br;
  require_ok(k.change_link("", r1, to_bridge));
  // TEST-NET-3, on a link that stays down: no route in the host's table.
  IpPrefix held = P("203.0.113.219/32");
  require_ok(k.add_address("", r3, held));

  // Everything, as a reference: all four are there.
  auto all = observe(k, {a});
  for (const auto& n : {r1, r2, r3, br}) CHECK(all.root.find_link(n) != nullptr);

  std::string missing = name_for(prefix, "R9");
  ObserveOptions by_name{PeerLookup::ObservedOnly, true,
                         std::vector<std::string>{r1, missing, std::string(20, 'q')}};
  auto s = k.observe({a}, {}, by_name);
  require_ok(s.status());
  // The one named, with its peer and bridge as in a full read.
  const LinkState& l1 = link(s->root, r1);
  CHECK(l1.kind == LinkKind::Veth);
  CHECK(l1.peer_known);
  CHECK(l1.peer_ns == a);
  CHECK(l1.peer_name == "x");
  CHECK(l1.master == br);
  CHECK(l1.ifindex == link(all.root, r1).ifindex);
  // Its bridge, unnamed, is reported as the master of a link read.
  CHECK(link(s->root, br).kind == LinkKind::Bridge);
  // A link holding an address is reported, named or not, with the address.
  CHECK(has_address(link(s->root, r3), held));
  // Not named, no address: left out; absent names are simply not reported.
  CHECK(s->root.find_link(r2) == nullptr);
  CHECK(s->root.find_link(missing) == nullptr);
  // The namespace asked for is read whole, its peers in the root paired.
  const LinkState& x = link(s->namespaces.at(a), "x");
  CHECK(x.peer_known);
  CHECK(x.peer_ns.empty());
  CHECK(x.peer_name == r1);
  // Its end whose root peer was not read: that peer is not named.
  const LinkState& y = link(s->namespaces.at(a), "y");
  CHECK_FALSE(y.peer_known);
  CHECK(y.peer_name.empty());
  // An empty list: only the links holding addresses (and their bridges).
  auto none = k.observe({a}, {}, {PeerLookup::ObservedOnly, true, std::vector<std::string>{}});
  require_ok(none.status());
  CHECK(none->root.find_link(r1) == nullptr);
  CHECK(none->root.find_link(r3) != nullptr);

  require_ok(k.delete_link("", br));
  require_ok(k.delete_namespace(a));
  require_ok(k.wait_links_gone("", {r1, r2, r3}, std::chrono::seconds(5)));
}

void contract_all(Kernel& k, const std::string& prefix) {
  contract_namespace_lifecycle(k, prefix);
  contract_veth_across_namespaces(k, prefix);
  contract_delete_one_veth_end_removes_peer(k, prefix);
  contract_delete_namespace_destroys_links(k, prefix);
  contract_duplicate_create_eexist(k, prefix);
  contract_addresses(k, prefix);
  contract_routes(k, prefix);
  contract_link_changes(k, prefix);
  contract_move_link(k, prefix);
  contract_sysctls(k, prefix);
  contract_interface_sysctls(k, prefix);
  contract_errors_name_operation_object_and_errno(k, prefix);
  contract_vxlan(k, prefix);
}

}  // namespace netlab::testing
