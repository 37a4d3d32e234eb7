// derive_dependencies on plans written in code: one section per rule of
// src/plan/dependencies.cpp, so that dropping a rule fails its section, and
// every edge points to an earlier action. The golden plans are checked in
// tests/unit/lab/golden_test.cpp (planning them needs the parser).
#include "plan/dependencies.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace netlab;

namespace {

IpPrefix pfx(const char* s) { return *IpPrefix::parse(s); }
IpAddress addr(const char* s) { return *IpAddress::parse(s); }

LinkChange up() {
  LinkChange c;
  c.up = true;
  return c;
}

LinkChange master(const std::string& m) {
  LinkChange c;
  c.master = m;
  return c;
}

Action act(const std::string& ns, std::vector<Operation> ops, std::vector<Operation> undo = {},
           ActionKind kind = ActionKind::Create) {
  Action a;
  a.kind = kind;
  a.ns = ns;
  a.ops = std::move(ops);
  a.undo = std::move(undo);
  return a;
}

Action make_ns(const std::string& ns) {
  return act(ns, {op::CreateNamespace{ns}, op::ChangeLink{ns, "lo", up()}});
}

Action veth(const std::string& ns, const std::string& name, const std::string& peer_ns,
            const std::string& peer) {
  return act(ns, {op::CreateVeth{{name, ns, peer, peer_ns, "netlab:t"}},
                  op::ChangeLink{ns, name, up()}, op::ChangeLink{peer_ns, peer, up()}});
}

Action ovs(OvsTransaction t, ActionKind kind = ActionKind::Create) {
  // A std::string, not "t": GCC 12 inlines operator=(const char*) here and
  // warns of a memcpy bound it made up itself (-Wstringop-overflow).
  t.lab = std::string("t");
  return act("", {op::Ovs{t}}, {}, kind);
}

OvsTransaction add_port(const std::string& bridge, const std::string& name, bool internal) {
  OvsTransaction t;
  t.add_ports.push_back({bridge, name, internal, std::nullopt, {}});
  return t;
}

OvsTransaction del_port(const std::string& bridge, const std::string& name) {
  OvsTransaction t;
  t.del_ports.push_back({bridge, name});
  return t;
}

DaemonSpec server(const std::string& ns, const std::string& ifname) {
  DnsmasqInstance d;
  d.ns = ns;
  d.interface = ifname;
  DaemonSpec spec;
  spec.instance = d;
  return spec;
}

DaemonSpec client(const std::string& ns, const std::string& ifname) {
  DhclientInstance d;
  d.ns = ns;
  d.interface = ifname;
  DaemonSpec spec;
  spec.instance = d;
  return spec;
}

NatRule nat_rule(const char* source, const std::string& out) {
  NatRule r;
  r.source = pfx(source);
  r.out = out;
  return r;
}

using Deps = std::vector<std::size_t>;

std::vector<Deps> derive(std::vector<Action> actions) {
  derive_dependencies(actions);
  std::vector<Deps> out;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    for (std::size_t d : actions[i].deps) {
      INFO("action " << i << " needs " << d);
      REQUIRE(d < i);
    }
    out.push_back(actions[i].deps);
  }
  return out;
}

}  // namespace

TEST_CASE("dependencies: a link needs its namespaces, an address its link, a route its address") {
  RouteRequest r;
  r.gateway = addr("10.0.0.254");
  auto deps = derive({make_ns("red"), make_ns("blue"), veth("red", "eth0", "blue", "eth0"),
                      act("red", {op::AddAddress{"red", "eth0", pfx("10.0.0.1/24")}}),
                      act("red", {op::AddRoute{"red", r}}),
                      act("blue", {op::AddAddress{"blue", "eth0", pfx("10.0.0.2/24")}})});
  CHECK(deps[0].empty());
  CHECK(deps[2] == Deps{0, 1});
  CHECK(deps[3] == Deps{0, 2});
  CHECK(deps[4] == Deps{0, 3});  // the address that makes `via` connected
  CHECK(deps[5] == Deps{1, 2});  // not the other namespace's address
}

TEST_CASE("dependencies: a route without a planned address for `via` waits for its links") {
  RouteRequest r;
  r.gateway = addr("10.9.0.1");
  auto deps = derive({act("red", {op::ChangeLink{"red", "eth0", up()}}),
                      act("red", {op::AddAddress{"red", "eth1", pfx("10.0.0.1/24")}}),
                      act("red", {op::AddRoute{"red", r}})});
  CHECK(deps[2] == Deps{0, 1});
}

TEST_CASE("dependencies: stale addresses go before new ones on the same link") {
  auto deps = derive({act("red", {op::DeleteAddress{"red", "eth0", pfx("10.0.0.9/24")}}),
                      act("red", {op::AddAddress{"red", "eth0", pfx("10.0.0.1/24")}})});
  CHECK(deps[1] == Deps{0});
}

TEST_CASE("dependencies: a bridge port needs its bridge and its link; a vlan its parent") {
  auto deps =
      derive({act("", {op::CreateBridge{"", "br0", "netlab:t"}}), make_ns("red"),
              veth("red", "eth0", "", "vr"), act("", {op::ChangeLink{"", "vr", master("br0")}}),
              act("red", {op::CreateVlan{"red", "eth0.10", "eth0", 10, "netlab:t"}})});
  CHECK(deps[3] == Deps{0, 2});
  CHECK(deps[4] == Deps{1, 2});
}

TEST_CASE("dependencies: a delete of a name goes before a create of that name") {
  auto deps = derive({act("", {op::DeleteLink{"", "foo"}}, {}, ActionKind::Delete),
                      act("", {op::CreateBridge{"", "foo", "netlab:t"}})});
  CHECK(deps[1] == Deps{0});
}

TEST_CASE("dependencies: daemons stop before their namespace and interface go") {
  std::vector<Action> plan{
      act("red", {op::StopDaemon{server("red", "eth0"), false}}, {}, ActionKind::Delete),
      act("", {op::RemoveNat{"t"}}, {op::ApplyNat{"t", {nat_rule("10.0.0.0/24", "up")}}},
          ActionKind::Delete),
      act("red", {op::DeleteNamespace{"red"}}, {}, ActionKind::Delete),
      act("", {op::DeleteLink{"", "up"}}, {}, ActionKind::Delete)};
  auto deps = derive(plan);
  CHECK(deps[2] == Deps{0});
  CHECK(deps[3] == Deps{1});  // the NAT rule of `up` goes first
}

TEST_CASE("dependencies: a veth's delete takes its peer, named by the undo") {
  auto deps =
      derive({act("", {op::DeleteLink{"", "vr"}},
                  {op::CreateVeth{{"vr", "", "eth0", "red", "netlab:t"}}}, ActionKind::Delete),
              act("red", {op::CreateBridge{"red", "eth0", "netlab:t"}})});
  CHECK(deps[1] == Deps{0});
}

TEST_CASE("dependencies: the wait for vanishing links follows the namespace deletes") {
  auto deps = derive({act("a", {op::DeleteNamespace{"a"}}, {}, ActionKind::Delete),
                      act("b", {op::DeleteNamespace{"b"}}, {}, ActionKind::Delete),
                      act("", {op::WaitLinksGone{"", {"va", "vb"}}}, {}, ActionKind::Delete),
                      make_ns("c"), veth("c", "eth0", "", "va")});
  CHECK(deps[2] == Deps{0, 1});
  CHECK(deps[4] == Deps{2, 3});  // va is gone before it is made again
}

TEST_CASE("dependencies: OVS row deletes follow the kernel deletes, through each other") {
  OvsTransaction del_br;
  del_br.del_bridges.push_back("ovs-old");
  auto deps = derive({act("a", {op::DeleteNamespace{"a"}}, {}, ActionKind::Delete),
                      act("", {op::DeleteLink{"", "x"}}, {}, ActionKind::Delete),
                      ovs(del_port("ovs1", "pa"), ActionKind::Delete),
                      act("b", {op::DeleteNamespace{"b"}}, {}, ActionKind::Delete),
                      ovs(del_br, ActionKind::Delete)});
  CHECK(deps[2] == Deps{0, 1});
  CHECK(deps[4] == Deps{2, 3});
}

TEST_CASE("dependencies: an OVS port replaced in two halves") {
  Action destroy = ovs(del_port("ovs-old", "vr"), ActionKind::Replace);
  destroy.half = ReplaceHalf::Destroy;
  destroy.subjects = {{ObjectRef::Kind::OvsPort, "", "vr"}};
  Action create = ovs(add_port("ovs-g", "vr", false), ActionKind::Replace);
  create.half = ReplaceHalf::Create;
  create.subjects = destroy.subjects;
  auto deps = derive({destroy, make_ns("red"), veth("red", "eth0", "", "vr"), create});
  CHECK(deps[2] == Deps{0, 1});  // the old row goes while its device is absent
  CHECK(deps[3] == Deps{0, 2});  // the destroy half first (on another bridge), and the device
}

TEST_CASE("dependencies: OVS ports need their bridge; an internal port's move its row") {
  OvsTransaction br;
  br.add_bridges.push_back({"ovs1", "netdev"});
  auto deps =
      derive({make_ns("srv"), ovs(br), ovs(add_port("ovs1", "tap", true)),
              act("srv", {op::MoveLink{"", "tap", "srv"}, op::ChangeLink{"srv", "tap", up()}}),
              act("srv", {op::AddAddress{"srv", "tap", pfx("10.0.0.1/24")}}),
              act("srv", {op::StartDaemon{server("srv", "tap")}})});
  CHECK(deps[2] == Deps{1});
  CHECK(deps[3] == Deps{0, 2});
  CHECK(deps[4] == Deps{0, 3});
  CHECK(deps[5] == Deps{0, 4});  // the server after its interface's address
}

TEST_CASE("dependencies: a DHCP client needs the servers, its interface and its peer's port") {
  auto deps = derive({make_ns("srv"), make_ns("red"), act("", {op::CreateBridge{"", "br0", ""}}),
                      veth("srv", "eth0", "", "vs"), veth("red", "eth0", "", "vr"),
                      act("", {op::ChangeLink{"", "vs", master("br0")}}),
                      act("", {op::ChangeLink{"", "vr", master("br0")}}),
                      act("srv", {op::AddAddress{"srv", "eth0", pfx("10.0.0.1/24")}}),
                      act("srv", {op::StartDaemon{server("srv", "eth0")}}),
                      act("red", {op::StartDaemon{client("red", "eth0")}})});
  CHECK(deps[8] == Deps{0, 5, 7});  // its interface, and its peer on the bridge
  CHECK(deps[9] == Deps{1, 4, 6, 8});
}

TEST_CASE("dependencies: sysctls of an interface need it; defaults wait for the links") {
  auto deps = derive({make_ns("red"), veth("red", "eth0", "", "vr"),
                      act("red", {op::WriteSysctl{"red", "net.ipv6.conf.eth0.accept_dad", "0"}}),
                      act("red", {op::WriteSysctl{"red", "net.ipv6.conf.default.accept_dad", "0"}}),
                      act("red", {op::WriteSysctl{"red", "net.ipv4.ip_forward", "1"}}),
                      act("red", {op::WriteSysctl{"red", "net.ipv6.conf.all.forwarding", "1"}})});
  CHECK(deps[2] == Deps{0, 1});
  CHECK(deps[3] == Deps{0, 1});
  CHECK(deps[4] == Deps{0});
  CHECK(deps[5] == Deps{0});
}

TEST_CASE("dependencies: independent actions have none; deps are sorted and unique") {
  auto deps = derive({make_ns("a"), make_ns("b"),
                      act("a", {op::AddAddress{"a", "lo", pfx("10.0.0.1/32")},
                                op::AddAddress{"a", "lo", pfx("10.0.0.2/32")}})});
  CHECK(deps[1].empty());
  CHECK(deps[2] == Deps{0});
}
