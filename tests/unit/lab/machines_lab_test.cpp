// A lab spanning machines, one machine's share at a time, on the fakes:
// the VXLAN ends it makes, idempotence, repair of a deleted tunnel, down,
// --machine and its errors, and `netlab test` skipping what runs elsewhere.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>

#include "lab_fixture.hpp"
#include "netlab/check.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

const char* kStitched = R"(name: st
machines:
  m1: {address: 192.168.77.1}
  m2: {address: 192.168.77.2}
namespaces:
  a: {machine: m1, interfaces: {e0: {addresses: [10.1.0.1/24]}}}
  b: {machine: m2, interfaces: {e0: {addresses: [10.1.0.2/24]}}}
  c: {machine: m2}
bridges:
  br0: {machine: m1, addresses: [10.3.0.1/24]}
links:
  - {endpoints: [a:e0, b:e0], vni: 101}
  - {endpoints: [br0:vc, c:e0], vni: 102}
tests:
  - ping: {from: a, to: b:e0}
  - ping: {from: b, to: a:e0}
)";

LabOptions as(const FakeWorld& w, const std::string& machine) {
  LabOptions o = w.options();
  o.machine = machine;
  return o;
}

const FakeLink* find(const FakeKernelSnapshot& s, const std::string& ns, const std::string& n) {
  auto it = s.namespaces.find(ns);
  if (it == s.namespaces.end()) return nullptr;
  auto l = it->second.links.find(n);
  return l == it->second.links.end() ? nullptr : &l->second;
}

}  // namespace

TEST_CASE("m1's share: a VXLAN end in the namespace, one as a bridge port", "[lab][machines]") {
  FakeWorld w;
  Lab lab = w.load(kStitched, as(w, "m1"));
  CHECK(lab.machine() == "m1");
  auto up = lab.up();
  REQUIRE(up.ok());
  auto snap = w.kernel->snapshot();
  CHECK(snap.namespaces.count("a") == 1);
  CHECK(snap.namespaces.count("b") == 0);  // m2's
  CHECK(snap.namespaces.count("c") == 0);
  const FakeLink* e0 = find(snap, "a", "e0");
  REQUIRE(e0);
  CHECK(e0->kind == LinkKind::Vxlan);
  REQUIRE(e0->vxlan);
  CHECK(e0->vxlan->vni == 101);
  CHECK(e0->vxlan->local.str() == "192.168.77.1");
  CHECK(e0->vxlan->remote.str() == "192.168.77.2");
  CHECK(e0->vxlan->port == 4789);
  CHECK(e0->alias == "netlab:st");
  CHECK(e0->up);
  CHECK(e0->mtu == 1450);
  CHECK(e0->addresses == std::vector<IpPrefix>{*IpPrefix::parse("10.1.0.1/24")});
  const FakeLink* vc = find(snap, "", "vc");
  REQUIRE(vc);
  CHECK(vc->kind == LinkKind::Vxlan);
  CHECK(vc->vxlan->vni == 102);
  CHECK(vc->master == "br0");
  CHECK(vc->alias == "netlab:st");
  // MACs from the VNI and the side: a rebuilt end keeps the one m2 has learnt.
  CHECK(e0->mac == "02:4e:00:00:65:0a");
  CHECK(vc->mac == "02:4e:00:00:66:0a");

  SECTION("a second up changes nothing") {
    w.kernel->reset_counters();
    auto again = lab.up();
    REQUIRE(again.ok());
    CHECK(again->plan.empty());
    CHECK(w.kernel->mutations() == 0);
  }
  SECTION("a tunnel deleted by hand is drift that up repairs") {
    REQUIRE(w.kernel->delete_link("a", "e0").ok());
    auto plan = lab.plan();
    REQUIRE(plan.ok());
    std::string text = format_plan(*plan);
    INFO(text);
    CHECK(text.find("+   vxlan e0 (vni 101, remote 192.168.77.2)  (missing)") != std::string::npos);
    REQUIRE(lab.up().ok());
    auto after = w.kernel->snapshot();
    const FakeLink* back = find(after, "a", "e0");
    REQUIRE(back);
    CHECK(back->vxlan->vni == 101);
    CHECK(back->mac == "02:4e:00:00:65:0a");
    CHECK(back->addresses == std::vector<IpPrefix>{*IpPrefix::parse("10.1.0.1/24")});
    CHECK(lab.plan()->empty());
  }
  SECTION("a tunnel to the wrong remote is replaced") {
    REQUIRE(w.kernel->delete_link("", "vc").ok());
    REQUIRE(w.kernel
                ->create_vxlan({"", "vc", 102, *IpAddress::parse("192.168.77.1"),
                                *IpAddress::parse("192.168.77.9"), 4789, "netlab:st"})
                .ok());
    auto plan = lab.plan();
    REQUIRE(plan.ok());
    std::string text = format_plan(*plan);
    INFO(text);
    CHECK(
        text.find(
            "-/+ vxlan vc (vni 102, remote 192.168.77.2)  (remote 192.168.77.9 -> 192.168.77.2)") !=
        std::string::npos);
    REQUIRE(lab.up().ok());
    CHECK(find(w.kernel->snapshot(), "", "vc")->vxlan->remote.str() == "192.168.77.2");
  }
  SECTION("down leaves nothing, and frees the VNI before the namespace goes") {
    auto down = lab.down();
    REQUIRE(down.ok());
    CHECK(w.kernel->snapshot() == FakeKernel().snapshot());
    // The kernel tears down a dying namespace's vxlan late, holding its VNI
    // in the root: an `up` right after would meet EEXIST.
    std::optional<std::size_t> tunnel, ns;
    const auto& actions = down->plan.actions;
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (actions[i].resource == "vxlan" && actions[i].object == "e0") tunnel = i;
      if (actions[i].resource == "namespace" && actions[i].object == "a") ns = i;
    }
    REQUIRE(tunnel);
    REQUIRE(ns);
    CHECK(std::find(actions[*ns].deps.begin(), actions[*ns].deps.end(), *tunnel) !=
          actions[*ns].deps.end());
  }
}

TEST_CASE("without --machine the underlay address says which machine this is", "[lab][machines]") {
  FakeWorld w;
  FakeLink ul;
  ul.name = "ul0";
  ul.kind = LinkKind::Veth;
  ul.up = true;
  ul.addresses = {*IpPrefix::parse("192.168.77.2/24")};
  w.kernel->seed_link("", ul);
  Lab lab = w.load(kStitched);
  CHECK(lab.machine() == "m2");
  REQUIRE(lab.up().ok());
  auto snap = w.kernel->snapshot();
  CHECK(snap.namespaces.count("a") == 0);
  REQUIRE(find(snap, "b", "e0"));
  CHECK(find(snap, "b", "e0")->vxlan->remote.str() == "192.168.77.1");
  REQUIRE(find(snap, "c", "e0"));
  CHECK(find(snap, "c", "e0")->vxlan->vni == 102);
  CHECK(find(snap, "", "vc") == nullptr);
  REQUIRE(lab.down().ok());
}

TEST_CASE("the --machine flag's errors: unknown, none found, no machines: section", "[lab][machines]") {
  FakeWorld w;
  std::string path = w.write("st.yaml", kStitched);
  auto unknown = Lab::load(path, as(w, "m9"), w.backends());
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("--machine m9") != std::string::npos);
  CHECK(unknown.error().message.find("its machines are m1, m2") != std::string::npos);
  auto none = Lab::load(path, w.options(), w.backends());
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("say which one this is with --machine NAME") !=
        std::string::npos);
  std::string plain = w.write("plain.yaml", "namespaces: {a: {}}\n");
  auto no_section = Lab::load(plain, as(w, "m1"), w.backends());
  REQUIRE_FALSE(no_section.ok());
  CHECK(no_section.error().message.find("declares no machines:") != std::string::npos);
  CHECK(w.kernel->snapshot() == FakeKernel().snapshot());
}

TEST_CASE("plan --machine A on a one-machine topology is the plan without it", "[lab][machines]") {
  const std::string body = R"(namespaces:
  a: {interfaces: {e0: {addresses: [10.1.0.1/24]}}}
  b: {}
bridges:
  br0: {}
links:
  - [a:e0, b:e0]
  - [a:e1, br0:pa]
)";
  FakeWorld w;
  auto plain = Lab::load(w.write("one.yaml", "name: one\n" + body), w.options(), w.backends());
  REQUIRE(plain.ok());
  std::string one = "name: one\nmachines: {A: {address: 192.168.77.1}}\n" + body;
  auto with_a = Lab::load(w.write("one-a.yaml", one), as(w, "A"), w.backends());
  REQUIRE(with_a.ok());
  auto without_flag = Lab::load(w.write("one-a2.yaml", one), w.options(), w.backends());
  REQUIRE(without_flag.ok());
  std::string expected = format_plan(*plain->plan());
  CHECK(format_plan(*with_a->plan()) == expected);
  CHECK(format_plan(*without_flag->plan()) == expected);
  CHECK(with_a->machine() == "A");
}

TEST_CASE("netlab test skips, and says it skips, assertions from another machine",
          "[lab][machines][check]") {
  FakeWorld w;
  Lab lab = w.load(kStitched, as(w, "m1"));
  const Topology& whole = *lab.whole_topology();
  REQUIRE(whole.tests.size() == 2);
  // Only the second assertion (from b, on m2) is looked at: run just it.
  Topology only_b = whole;
  only_b.tests.erase(only_b.tests.begin());
  CheckContext cc{only_b, lab.kernel(), lab.processes(), lab.state().path()};
  cc.machine = "m1";
  auto results = run_checks(cc, 1);
  REQUIRE(results.size() == 1);
  const CheckResult& r = results[0];
  CHECK(r.skipped);
  CHECK_FALSE(r.passed);
  CHECK(r.name == "ping b -> a:e0");
  CHECK(r.detail.find("its source b is on machine m2") != std::string::npos);
  std::string table = format_results_table(results, false);
  CHECK(table.find("SKIP") != std::string::npos);
  CHECK(table.find("0 passed, 0 failed, 1 skipped") != std::string::npos);
  auto json = results_json("st", results);
  CHECK(json["skipped"] == 1);
  CHECK(json["failed"] == 0);
  CHECK(json["results"][0]["skipped"] == true);
  std::string junit = junit_xml("st", results);
  CHECK(junit.find("failures=\"0\"") != std::string::npos);
  CHECK(junit.find("skipped=\"1\"") != std::string::npos);
  CHECK(junit.find("<skipped message=") != std::string::npos);
}

TEST_CASE("a tunnel that cannot be made rolls the share back", "[lab][machines][rollback]") {
  FakeWorld w;
  Lab lab = w.load(kStitched, as(w, "m1"));
  // The second VXLAN device fails as the kernel fails it when another
  // device on this machine holds the VNI.
  w.kernel->fail_next("create_vxlan", EEXIST, 1);
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().message.find("File exists") != std::string::npos);
  CHECK(w.kernel->snapshot() == FakeKernel().snapshot());
  // The next up, without the fault, builds it.
  REQUIRE(lab.up().ok());
  REQUIRE(lab.down().ok());
  CHECK(w.kernel->snapshot() == FakeKernel().snapshot());
}
