// Labs spanning machines: machines: and machine: in the model, the VNI
// scheme as docs/topology.md states it, one machine's share, which machine
// this is, and `netlab split`.
#include "model/machines.hpp"

#include <catch2/catch.hpp>

#include "parse/parse.hpp"

using namespace netlab;

namespace {

const char* kTwo = R"(name: st
machines:
  m1: {address: 192.168.77.1}
  m2: {address: 192.168.77.2, vxlan_port: 4789, mtu: 9000}
namespaces:
  a: {machine: m1, interfaces: {e0: {addresses: [10.1.0.1/24]}}}
  b: {machine: m2, interfaces: {e0: {addresses: [10.1.0.2/24]}}}
  d: {machine: m1}
bridges:
  br0: {machine: m2}
links:
  - [a:e0, b:e0]
  - [a:e1, d:e0]
  - {endpoints: [d:e1, br0:p1], vni: 77}
  - [host:h0, b:e9]
dhcp:
  - {namespace: b, interface: e0, range: [10.1.0.10, 10.1.0.20]}
tests:
  - ping: {from: a, to: b:e0}
)";

Topology load(const std::string& text) {
  auto r = parse_topology(text, "st.yaml");
  INFO((r.errors.empty() ? "" : r.errors.front().str()));
  REQUIRE(r.ok());
  return *r.topology;
}

// The scheme of docs/topology.md, written out again here: FNV-1a 32 of
// "LAB\nEND1\nEND2" (ends sorted), high byte XORed into the low 24 bits.
std::uint32_t documented_vni(const std::string& lab, std::string x, std::string y) {
  if (y < x) std::swap(x, y);
  std::uint32_t h = 0x811c9dc5u;
  for (unsigned char c : lab + "\n" + x + "\n" + y) {
    h ^= c;
    h *= 0x01000193u;
  }
  std::uint32_t v = (h & 0xFFFFFFu) ^ (h >> 24);
  return v == 0 ? 1 : v;
}

}  // namespace

TEST_CASE("machines: and machine: are read with their positions", "[parse][machines]") {
  Topology t = load(kTwo);
  REQUIRE(t.machines.size() == 2);
  CHECK(t.machines[0].name == "m1");
  CHECK(t.machines[0].address.value.str() == "192.168.77.1");
  CHECK(t.machines[0].vxlan_port == 4789);
  CHECK_FALSE(t.machines[0].mtu);
  REQUIRE(t.machines[1].mtu);
  CHECK(t.machines[1].mtu->value == 9000);
  REQUIRE(t.find_namespace("a")->machine);
  CHECK(t.find_namespace("a")->machine->value == "m1");
  CHECK(t.find_namespace("a")->machine->pos.line == 6);
  CHECK(t.find_bridge("br0")->machine->value == "m2");
  REQUIRE(t.links[2].vni);
  CHECK(t.links[2].vni->value == 77);
  CHECK(machine_of(t, "d") == "m1");
  CHECK(machine_of(t, "host") == "");
  CHECK(is_stitched(t, t.links[0]));
  CHECK_FALSE(is_stitched(t, t.links[1]));
  CHECK(is_stitched(t, t.links[2]));
  CHECK_FALSE(is_stitched(t, t.links[3]));  // a host end is on the other end's machine
}

TEST_CASE("a derived VNI is the documented hash, the same from either end", "[parse][machines]") {
  Topology t = load(kTwo);
  std::uint32_t v = stitch_vni("st", t.links[0]);
  CHECK(v == documented_vni("st", "a:e0", "b:e0"));
  CHECK(v >= 1);
  CHECK(v <= 0xFFFFFF);
  Link swapped = t.links[0];
  std::swap(swapped.a, swapped.b);
  CHECK(stitch_vni("st", swapped) == v);
  // Another lab name (a --prefix) gives other VNIs; an explicit vni: wins.
  CHECK(stitch_vni("xst", t.links[0]) == documented_vni("xst", "a:e0", "b:e0"));
  CHECK(stitch_vni("xst", t.links[0]) != v);
  CHECK(stitch_vni("st", t.links[2]) == 77);
}

TEST_CASE("a machine's share keeps its objects and stitches the crossing links",
          "[parse][machines]") {
  Topology t = load(kTwo);
  auto m1 = narrow_to_machine(t, "m1");
  REQUIRE(m1.ok());
  CHECK(m1->narrowed_to == "m1");
  REQUIRE(m1->namespaces.size() == 2);
  CHECK(m1->namespaces[0].name == "a");
  CHECK(m1->namespaces[1].name == "d");
  CHECK(m1->bridges.empty());
  CHECK(m1->dhcp.empty());
  CHECK(m1->tests.empty());
  REQUIRE(m1->links.size() == 3);  // a-b stitched, a-d local, d-br0 stitched
  REQUIRE(m1->links[0].stitch);
  const Stitch& s = *m1->links[0].stitch;
  CHECK(s.local_is_a);
  CHECK(s.local.str() == "192.168.77.1");
  CHECK(s.remote.str() == "192.168.77.2");
  CHECK(s.port == 4789);
  CHECK(s.mtu == 1450);  // the smaller underlay (1500) less 50
  CHECK(s.vni == documented_vni("st", "a:e0", "b:e0"));
  CHECK(s.remote_machine == "m2");
  CHECK_FALSE(m1->links[1].stitch);
  REQUIRE(m1->links[2].stitch);
  CHECK(m1->links[2].stitch->vni == 77);

  auto m2 = narrow_to_machine(t, "m2");
  REQUIRE(m2.ok());
  REQUIRE(m2->namespaces.size() == 1);
  CHECK(m2->bridges.size() == 1);
  CHECK(m2->dhcp.size() == 1);
  REQUIRE(m2->links.size() == 3);  // a-b, d-br0 stitched; host-b local
  REQUIRE(m2->links[0].stitch);
  CHECK_FALSE(m2->links[0].stitch->local_is_a);
  CHECK(m2->links[0].stitch->local.str() == "192.168.77.2");
  CHECK(m2->links[0].stitch->remote.str() == "192.168.77.1");
  CHECK(m2->links[0].stitch->vni == s.vni);
  CHECK_FALSE(m2->links[2].stitch);

  auto none = narrow_to_machine(t, "m3");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("no machine 'm3'; its machines are m1, m2") != std::string::npos);
}

TEST_CASE("which machine this is: the file's, the only one, or the local address",
          "[parse][machines]") {
  Topology t = load(kTwo);
  auto a1 = IpAddress::parse("192.168.77.1");
  auto a2 = IpAddress::parse("192.168.77.2");
  auto other = IpAddress::parse("10.0.0.1");
  CHECK(*pick_machine(t, {*other, *a2}) == "m2");
  auto none = pick_machine(t, {*other});
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("--machine NAME") != std::string::npos);
  auto both = pick_machine(t, {*a1, *a2});
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().message.find("several machines (m1, m2)") != std::string::npos);
  Topology one = load("machines: {solo: {address: 192.168.77.9}}\nnamespaces: {a: {}}\n");
  CHECK(*pick_machine(one, {}) == "solo");
  CHECK(machine_of(one, "a") == "solo");
}

TEST_CASE("split writes one file per machine that names its machine", "[parse][machines]") {
  auto shares = split_by_machine(kTwo, "st.yaml");
  REQUIRE(shares.ok());
  REQUIRE(shares->size() == 2);
  for (const auto& [name, text] : *shares) {
    INFO(name);
    // The original text comes first, unchanged: positions stay the same.
    CHECK(text.compare(0, std::string(kTwo).size(), kTwo) == 0);
    Topology t = load(text);
    REQUIRE(t.machine);
    CHECK(t.machine->value == name);
    CHECK(*pick_machine(t, {}) == name);
    CHECK(t.find_namespace("a")->machine->pos.line == 6);
  }
  CHECK((*shares)[0].first == "m1");
  CHECK((*shares)[1].first == "m2");
  // Nothing to split, or already split: an error each.
  CHECK_FALSE(split_by_machine("namespaces: {a: {}}\n", "one.yaml").ok());
  CHECK_FALSE(split_by_machine((*shares)[0].second, "st.yaml").ok());
  // A flow-style top level cannot take the key.
  auto flow = split_by_machine(
      "{machines: {m1: {address: 192.168.77.1}}, namespaces: {a: {machine: m1}}}", "f.yaml");
  REQUIRE_FALSE(flow.ok());
  CHECK(flow.error().message.find("block map") != std::string::npos);
}

TEST_CASE("a topology without machines: has no machine and no stitch", "[parse][machines]") {
  Topology t = load("namespaces: {a: {}, b: {}}\nlinks: [[a:e0, b:e0]]\n");
  CHECK(t.machines.empty());
  CHECK(machine_of(t, "a").empty());
  CHECK_FALSE(is_stitched(t, t.links[0]));
  auto n = narrow_to_machine(t, "m1");
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().message.find("declares no machines:") != std::string::npos);
}
