// Real-kernel tests of link creation, change, move and deletion, each
// checked through observe() and independently through `ip -j`.
#include <catch2/catch.hpp>
#include <cerrno>
#include <sstream>

#include "netlab/kernel.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

ObserveOptions observe_options(PeerLookup peers, bool root = true) {
  ObserveOptions o;
  o.peers = peers;
  o.root = root;
  return o;
}

using testing::Cleanup;
using testing::unique_name;

const LinkState* find(const KernelState& st, const std::string& ns, const std::string& name) {
  if (ns.empty()) return st.root.find_link(name);
  auto it = st.namespaces.find(ns);
  return it == st.namespaces.end() ? nullptr : it->second.find_link(name);
}

// A fresh namespace `ns` and names for a veth end in it (`a`) and one in the
// root namespace (`b`); both ends and the namespace are removed when the test
// ends, however it ends.
struct NsAndRoot {
  std::unique_ptr<Kernel> k = make_netlink_kernel();
  const std::string ns = unique_name("ns"), a = unique_name("a"), b = unique_name("b");
  Cleanup guard{[this] {
    testing::remove_link("", b);
    testing::remove_namespace(ns);
  }};
  NsAndRoot() { REQUIRE(k->create_namespace(ns).ok()); }
};

TEST_CASE_METHOD(NsAndRoot, "create_veth puts each end directly in its namespace",
                 "[integration][kernel]") {
  REQUIRE(k->create_veth({a, ns, b, "", "netlab:t"}).ok());

  // Independently: ip sees a in ns and b in root, both veth, both down, marked.
  auto ja = testing::ip_link(ns, a);
  auto jb = testing::ip_link("", b);
  REQUIRE(!ja.is_null());
  REQUIRE(!jb.is_null());
  CHECK(ja["linkinfo"]["info_kind"] == "veth");
  CHECK(jb["linkinfo"]["info_kind"] == "veth");
  CHECK(ja.value("ifalias", "") == "netlab:t");
  CHECK(jb.value("ifalias", "") == "netlab:t");
  CHECK(ja["operstate"] == "DOWN");
  CHECK(testing::ip_link("", a).is_null());

  // Through observe: peers resolved across namespaces.
  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  const LinkState* la = find(*st, ns, a);
  const LinkState* lb = find(*st, "", b);
  REQUIRE(la);
  REQUIRE(lb);
  CHECK(la->kind == LinkKind::Veth);
  CHECK(la->kind_text == "veth");
  CHECK(la->peer_name == b);
  CHECK(la->peer_ns == "");
  CHECK(la->peer_known);
  CHECK(lb->peer_name == a);
  CHECK(lb->peer_ns == ns);
  CHECK(lb->peer_known);
  CHECK(la->alias == "netlab:t");
  CHECK(la->owner() == "t");
  CHECK_FALSE(la->up);
  CHECK(la->mtu == 1500);
  CHECK(la->mac.size() == 17);
  CHECK(la->mac == ja.value("address", ""));

  // Not observing ns: the root end knows the namespace name but not the peer.
  auto root_only = k->observe({}, {});
  REQUIRE(root_only.ok());
  const LinkState* lb2 = find(*root_only, "", b);
  REQUIRE(lb2);
  CHECK(lb2->peer_ns == ns);
  CHECK_FALSE(lb2->peer_known);
  // ObservedOnly does not look for it; observing ns pairs the ends as before.
  auto root_only_lab = k->observe({}, {}, observe_options(PeerLookup::ObservedOnly));
  REQUIRE(root_only_lab.ok());
  const LinkState* lb3 = find(*root_only_lab, "", b);
  REQUIRE(lb3);
  CHECK(lb3->peer_ns.empty());
  CHECK_FALSE(lb3->peer_known);
  auto both_lab = k->observe({ns}, {}, observe_options(PeerLookup::ObservedOnly));
  REQUIRE(both_lab.ok());
  REQUIRE(find(*both_lab, "", b));
  CHECK(find(*both_lab, "", b)->peer_ns == ns);
  CHECK(find(*both_lab, "", b)->peer_name == a);
  CHECK(find(*both_lab, "", b)->peer_known);
  CHECK(find(*both_lab, ns, a)->peer_ns == "");
  CHECK(find(*both_lab, ns, a)->peer_known);
  // Without reading the root namespace, the end in ns cannot know its peer.
  auto no_root = k->observe({ns}, {}, observe_options(PeerLookup::ObservedOnly, false));
  REQUIRE(no_root.ok());
  CHECK(no_root->root.links.empty());
  REQUIRE(find(*no_root, ns, a));
  CHECK_FALSE(find(*no_root, ns, a)->peer_known);
  CHECK(find(*no_root, ns, a)->mac == la->mac);
}

TEST_CASE_METHOD(NsAndRoot, "create_veth gives each end one queue each way",
                 "[integration][kernel]") {
  REQUIRE(k->create_veth({a, ns, b, "", ""}).ok());
  // Independently through ip: the queue counts asked for in the create
  // request (the kernel's default would be one per possible CPU).
  for (const auto& j : {testing::ip_link(ns, a), testing::ip_link("", b)}) {
    REQUIRE(!j.is_null());
    CHECK(j.value("num_tx_queues", 0) == 1);
    CHECK(j.value("num_rx_queues", 0) == 1);
  }
}

TEST_CASE_METHOD(NsAndRoot, "create_veth removes the pair when marking it fails",
                 "[integration][kernel]") {
  // Longer than IFALIASZ - 1: the kernel refuses it in RTM_SETLINK, after
  // the pair exists.
  auto st = k->create_veth({a, ns, b, "", "netlab:" + std::string(300, 'x')});
  REQUIRE_FALSE(st.ok());
  INFO(st.error().str());
  CHECK(st.error().sys_errno != 0);
  CHECK(st.error().message.rfind(
            "create veth " + a + " (netns " + ns + ") <-> " + b + ": set alias of " + a + ": ",
            0) == 0);
  CHECK(testing::ip_link(ns, a).is_null());
  CHECK(testing::ip_link("", b).is_null());
}

TEST_CASE("create_veth between two named namespaces and within one", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string n1 = unique_name("n1"), n2 = unique_name("n2");
  Cleanup guard([&] {
    testing::remove_namespace(n1);
    testing::remove_namespace(n2);
  });
  REQUIRE(k->create_namespace(n1).ok());
  REQUIRE(k->create_namespace(n2).ok());
  REQUIRE(k->create_veth({"x1", n1, "x2", n2, ""}).ok());
  REQUIRE(k->create_veth({"y1", n1, "y2", n1, ""}).ok());
  CHECK(!testing::ip_link(n1, "x1").is_null());
  CHECK(!testing::ip_link(n2, "x2").is_null());
  CHECK(!testing::ip_link(n1, "y2").is_null());

  auto st = k->observe({n1, n2}, {});
  REQUIRE(st.ok());
  const LinkState* x1 = find(*st, n1, "x1");
  const LinkState* y1 = find(*st, n1, "y1");
  REQUIRE(x1);
  REQUIRE(y1);
  CHECK(x1->peer_name == "x2");
  CHECK(x1->peer_ns == n2);
  CHECK(x1->peer_known);
  CHECK(y1->peer_name == "y2");
  CHECK(y1->peer_ns == n1);
  CHECK(x1->alias.empty());
}

TEST_CASE("veth peers resolve when ifindexes coincide across namespaces", "[integration][kernel]") {
  // Fresh namespaces number their links alike, so a:x (index i, peer index
  // j) has look-alikes in every pair: observe must confirm which namespace
  // holds the peer, not take the first match. e's peer is in f, which is not
  // observed: found by name only.
  auto k = make_netlink_kernel();
  std::vector<std::string> ns;
  for (const char* s : {"a", "b", "c", "d", "e", "f"}) ns.push_back(unique_name(s));
  Cleanup guard([&] {
    for (const auto& n : ns) testing::remove_namespace(n);
  });
  for (const auto& n : ns) REQUIRE(k->create_namespace(n).ok());
  // Pairs 0-3 and 1-2 (observed; for 0 the look-alikes in 1 and 2 come
  // first), and 4-5 (5 not observed).
  const std::vector<std::size_t> peer_of = {3, 2, 1, 0, 5, 4};
  for (std::size_t i : {0, 1, 4})
    REQUIRE(k->create_veth({"x", ns[i], "x", ns[peer_of[i]], ""}).ok());
  auto st = k->observe({ns[0], ns[1], ns[2], ns[3], ns[4]}, {});
  REQUIRE(st.ok());
  for (std::size_t i = 0; i < 4; ++i) {
    const LinkState* x = find(*st, ns[i], "x");
    REQUIRE(x);
    INFO(ns[i]);
    CHECK(x->peer_ns == ns[peer_of[i]]);
    CHECK(x->peer_name == "x");
    CHECK(x->peer_known);
  }
  // The look-alikes really are alike (else this test proves nothing).
  CHECK(find(*st, ns[0], "x")->ifindex == find(*st, ns[2], "x")->ifindex);
  const LinkState* e = find(*st, ns[4], "x");
  REQUIRE(e);
  CHECK(e->peer_ns == ns[5]);
  CHECK_FALSE(e->peer_known);

  // The same with PeerLookup::ObservedOnly: the observed pairs alike, e's
  // peer not named.
  auto lab = k->observe({ns[0], ns[1], ns[2], ns[3], ns[4]}, {},
                        observe_options(PeerLookup::ObservedOnly));
  REQUIRE(lab.ok());
  for (std::size_t i = 0; i < 4; ++i) {
    const LinkState* x = find(*lab, ns[i], "x");
    REQUIRE(x);
    INFO(ns[i]);
    CHECK(x->peer_ns == ns[peer_of[i]]);
    CHECK(x->peer_name == "x");
    CHECK(x->peer_known);
  }
  REQUIRE(find(*lab, ns[4], "x"));
  CHECK(find(*lab, ns[4], "x")->peer_ns.empty());
  CHECK_FALSE(find(*lab, ns[4], "x")->peer_known);
}

TEST_CASE("root veths beside paired ones: a peer in a namespace not observed",
          "[integration][kernel]") {
  // r1 pairs with x in n1 (observed); r2's peer is in n2, not observed:
  // named only with PeerLookup::AllNamespaces, and r1's pairing is the same
  // either way (the ids the pairs tell are not asked again).
  auto k = make_netlink_kernel();
  const std::string n1 = unique_name("n1"), n2 = unique_name("n2"), r1 = unique_name("r1"),
                    r2 = unique_name("r2");
  Cleanup guard([&] {
    testing::remove_link("", r1);
    testing::remove_link("", r2);
    testing::remove_namespace(n1);
    testing::remove_namespace(n2);
  });
  REQUIRE(k->create_namespace(n1).ok());
  REQUIRE(k->create_namespace(n2).ok());
  REQUIRE(k->create_veth({r1, "", "x", n1, ""}).ok());
  REQUIRE(k->create_veth({r2, "", "y", n2, ""}).ok());
  for (auto lookup : {PeerLookup::AllNamespaces, PeerLookup::ObservedOnly}) {
    INFO((lookup == PeerLookup::AllNamespaces ? "AllNamespaces" : "ObservedOnly"));
    auto st = k->observe({n1}, {}, observe_options(lookup));
    REQUIRE(st.ok());
    const LinkState* l1 = find(*st, "", r1);
    const LinkState* l2 = find(*st, "", r2);
    REQUIRE(l1);
    REQUIRE(l2);
    CHECK(l1->peer_known);
    CHECK(l1->peer_ns == n1);
    CHECK(l1->peer_name == "x");
    CHECK(find(*st, n1, "x")->peer_ns == "");
    CHECK(find(*st, n1, "x")->peer_name == r1);
    CHECK_FALSE(l2->peer_known);
    CHECK(l2->peer_ns == (lookup == PeerLookup::AllNamespaces ? n2 : ""));
  }
}

TEST_CASE("create_veth with a name in use fails with EEXIST and a clear message",
          "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns"), a = unique_name("a"), b = unique_name("b"),
                    c = unique_name("c");
  Cleanup guard([&] {
    testing::remove_link("", b);
    testing::remove_link("", c);
    testing::remove_namespace(ns);
  });
  REQUIRE(k->create_namespace(ns).ok());
  REQUIRE(k->create_veth({a, ns, b, "", ""}).ok());
  auto again = k->create_veth({a, ns, c, "", ""});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().sys_errno == EEXIST);
  CHECK(again.error().kind == ErrorKind::Kernel);
  CHECK(again.error().message ==
        "create veth " + a + " (netns " + ns + ") <-> " + c + ": File exists (EEXIST)");
  CHECK(testing::ip_link("", c).is_null());
}

TEST_CASE_METHOD(NsAndRoot, "delete_link of one veth end removes the other; absent is ENODEV",
                 "[integration][kernel]") {
  REQUIRE(k->create_veth({a, ns, b, "", ""}).ok());
  REQUIRE(k->delete_link("", b).ok());
  CHECK(testing::ip_link("", b).is_null());
  CHECK(testing::ip_link(ns, a).is_null());
  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  CHECK(find(*st, ns, a) == nullptr);
  auto again = k->delete_link(ns, a);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().sys_errno == ENODEV);
  CHECK(again.error().message ==
        "delete link " + a + " (netns " + ns + "): No such device (ENODEV)");
}

TEST_CASE_METHOD(NsAndRoot,
                 "deleting a namespace takes its links; wait_links_gone waits for the peers",
                 "[integration][kernel]") {
  REQUIRE(k->create_veth({a, ns, b, "", ""}).ok());
  REQUIRE(k->delete_namespace(ns).ok());
  REQUIRE(k->wait_links_gone("", {b}, std::chrono::seconds(10)).ok());
  CHECK(testing::ip_link("", b).is_null());
  // A namespace that is gone has no links left.
  CHECK(k->wait_links_gone(ns, {a}, std::chrono::milliseconds(10)).ok());
}

TEST_CASE("wait_links_gone times out naming what is left", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  REQUIRE(k->create_bridge(ns, "br0", "").ok());
  auto s = k->wait_links_gone(ns, {"br0", "nothere"}, std::chrono::milliseconds(30));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::Timeout);
  CHECK(s.error().message.find("br0") != std::string::npos);
  CHECK(s.error().message.find("nothere") == std::string::npos);
}

TEST_CASE("create_bridge, then enslave, change and release a port", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  REQUIRE(k->create_bridge(ns, "br0", "netlab:t").ok());
  REQUIRE(k->create_veth({"p0", ns, "p1", ns, "netlab:t"}).ok());

  auto jbr = testing::ip_link(ns, "br0");
  REQUIRE(!jbr.is_null());
  CHECK(jbr["linkinfo"]["info_kind"] == "bridge");
  CHECK(jbr.value("ifalias", "") == "netlab:t");

  LinkChange c;
  c.up = true;
  c.mtu = 1400;
  c.mac = "02:00:00:aa:bb:cc";
  c.master = "br0";
  c.alias = "netlab:other";
  REQUIRE(k->change_link(ns, "p0", c).ok());

  auto jp = testing::ip_link(ns, "p0");
  CHECK(jp.value("master", "") == "br0");
  CHECK(jp.value("mtu", 0) == 1400);
  CHECK(jp.value("address", "") == "02:00:00:aa:bb:cc");
  CHECK(jp.value("ifalias", "") == "netlab:other");
  bool up = false;
  for (const auto& f : jp["flags"]) up = up || f == "UP";
  CHECK(up);

  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  const LinkState* p0 = find(*st, ns, "p0");
  REQUIRE(p0);
  CHECK(p0->master == "br0");
  CHECK(p0->mtu == 1400);
  CHECK(p0->mac == "02:00:00:aa:bb:cc");
  CHECK(p0->up);
  CHECK(p0->alias == "netlab:other");
  CHECK(find(*st, ns, "br0")->kind == LinkKind::Bridge);

  LinkChange off;
  off.up = false;
  off.master = "";
  off.alias = "";
  REQUIRE(k->change_link(ns, "p0", off).ok());
  jp = testing::ip_link(ns, "p0");
  CHECK(jp.value("master", "") == "");
  CHECK(jp.value("ifalias", "") == "");
  st = k->observe({ns}, {});
  REQUIRE(st.ok());
  CHECK(find(*st, ns, "p0")->master.empty());
  CHECK_FALSE(find(*st, ns, "p0")->up);
  CHECK(find(*st, ns, "p0")->alias.empty());
}

TEST_CASE("change_link errors name the link and keep errno", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  LinkChange up;
  up.up = true;
  auto s = k->change_link(ns, "nope", up);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().sys_errno == ENODEV);
  CHECK(s.error().message.find("set link nope (netns " + ns + ") up") == 0);

  LinkChange master;
  master.master = "nobridge";
  s = k->change_link(ns, "lo", master);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().sys_errno == ENODEV);
  CHECK(s.error().message.find("nobridge") != std::string::npos);

  // An empty change is a no-op.
  CHECK(k->change_link(ns, "nope", LinkChange{}).ok());
}

TEST_CASE("move_link moves a link between namespaces and back to root", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string n1 = unique_name("n1"), n2 = unique_name("n2"), a = unique_name("a");
  Cleanup guard([&] {
    testing::remove_link("", a);
    testing::remove_namespace(n1);
    testing::remove_namespace(n2);
  });
  REQUIRE(k->create_namespace(n1).ok());
  REQUIRE(k->create_namespace(n2).ok());
  REQUIRE(k->create_veth({a, n1, "peer", n1, ""}).ok());
  REQUIRE(k->add_address(n1, a, *IpPrefix::parse("10.9.0.1/24")).ok());

  REQUIRE(k->move_link(n1, a, n2).ok());
  CHECK(testing::ip_link(n1, a).is_null());
  CHECK(!testing::ip_link(n2, a).is_null());
  CHECK(testing::ip_addresses(n2, a).empty());  // addresses do not travel
  auto st = k->observe({n1, n2}, {});
  REQUIRE(st.ok());
  REQUIRE(find(*st, n2, a));
  CHECK(find(*st, n2, a)->peer_ns == n1);
  CHECK(find(*st, n2, a)->peer_name == "peer");
  CHECK(find(*st, n1, "peer")->peer_ns == n2);

  REQUIRE(k->move_link(n2, a, "").ok());
  CHECK(!testing::ip_link("", a).is_null());

  auto missing = k->move_link(n2, a, n1);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().sys_errno == ENODEV);
}

TEST_CASE("create_vlan works or reports Unsupported", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  REQUIRE(k->create_veth({"p0", ns, "p1", ns, ""}).ok());
  auto s = k->create_vlan(ns, "p0.100", "p0", 100, "netlab:t");
  if (k->capabilities().vlan_8021q) {
    REQUIRE(s.ok());
    auto st = k->observe({ns}, {});
    REQUIRE(st.ok());
    const LinkState* v = find(*st, ns, "p0.100");
    REQUIRE(v);
    CHECK(v->kind == LinkKind::Vlan);
    CHECK(v->vlan_id == 100);
    CHECK(v->vlan_parent == "p0");
    CHECK(v->alias == "netlab:t");
    CHECK(testing::ip_link(ns, "p0.100")["linkinfo"]["info_data"]["id"] == 100);
  } else {
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == ErrorKind::Unsupported);
    CHECK(s.error().message.find("create vlan p0.100 (netns " + ns + ")") == 0);
    CHECK(testing::ip_link(ns, "p0.100").is_null());
  }
  auto no_parent = k->create_vlan(ns, "q.1", "nope", 1, "");
  REQUIRE_FALSE(no_parent.ok());
  CHECK(no_parent.error().sys_errno == ENODEV);
}

TEST_CASE("capabilities probes this kernel and leaves nothing behind", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  // Namespaces other than those of concurrently running tests (t<pid>...).
  auto others = [] {
    std::string out;
    std::istringstream in(testing::run({"ip", "netns", "list"}).text);
    for (std::string line; std::getline(in, line);)
      if (line.size() < 2 || line[0] != 't' || !isdigit(static_cast<unsigned char>(line[1])))
        out += line + "\n";
    return out;
  };
  auto before = others();
  auto caps = k->capabilities();
  CHECK(caps.veth);
  CHECK(caps.bridge);
  CHECK(caps.macvlan);
  CHECK(caps.vxlan);
  // Each capability agrees with what ip can do here.
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  testing::run({"ip", "netns", "add", ns});
  bool ip_vlan = testing::run({"ip", "-n", ns, "link", "add", "link", "lo", "name", "v", "type",
                               "vlan", "id", "5"})
                     .exit_code == 0;
  CHECK(caps.vlan_8021q == ip_vlan);
  testing::run(
      {"ip", "-n", ns, "link", "add", "name", "brf", "type", "bridge", "vlan_filtering", "1"});
  auto jb = testing::ip_link(ns, "brf");
  bool ip_filtering = !jb.is_null() && jb["linkinfo"]["info_data"].value("vlan_filtering", 0) == 1;
  CHECK(caps.bridge_vlan_filtering == ip_filtering);
  testing::remove_namespace(ns);
  CHECK(others() == before);
  auto again = k->capabilities();
  CHECK(again.veth == caps.veth);
  CHECK(again.vlan_8021q == caps.vlan_8021q);
}

// observe dumps a namespace's qdiscs only where a link's IFLA_QDISC is not
// the kernel's default (noqueue, or noop while down): a root qdisc on a veth
// is still seen when the veth is down, and one made by hand (another handle)
// as well; a namespace of plain veths reports none.
TEST_CASE_METHOD(NsAndRoot, "observe reads root qdiscs of down links and of other handles",
                 "[integration][kernel]") {
  REQUIRE(k->create_veth({a, ns, b, "", "netlab:t"}).ok());
  auto qdisc_of = [&](const std::string& name) -> std::optional<RootQdisc> {
    auto st = k->observe({ns}, {});
    REQUIRE(st.ok());
    const LinkState* l = find(*st, ns, name);
    REQUIRE(l);
    return l->qdisc;
  };
  CHECK_FALSE(qdisc_of(a));  // never up: noop

  RootQdisc tbf;
  tbf.kind = "tbf";
  tbf.handle = kConditionsQdiscHandle;
  tbf.tbf.rate = 10'000'000;
  tbf.tbf.burst = 32768;
  tbf.tbf.limit = 65536;
  REQUIRE(k->set_root_qdisc(ns, a, tbf).ok());
  auto down = qdisc_of(a);
  REQUIRE(down);
  CHECK(down->kind == "tbf");
  CHECK(down->ours());

  REQUIRE(testing::run({"ip", "-n", ns, "link", "set", a, "up"}).exit_code == 0);
  REQUIRE(testing::run({"tc", "-n", ns, "qdisc", "del", "dev", a, "root"}).exit_code == 0);
  CHECK_FALSE(qdisc_of(a));  // up again: noqueue
  REQUIRE(testing::run({"tc", "-n", ns, "qdisc", "add", "dev", a, "root", "handle", "1:", "tbf",
                        "rate", "1mbit", "burst", "32k", "latency", "50ms"})
              .exit_code == 0);
  auto foreign = qdisc_of(a);
  REQUIRE(foreign);
  CHECK(foreign->kind == "tbf");
  CHECK(foreign->handle == 0x10000);
  CHECK_FALSE(foreign->ours());
}

}  // namespace
}  // namespace netlab
