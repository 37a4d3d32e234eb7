// The builder's ownership rule, the one place that says which live objects
// a lab may touch, and that a plan with errors still holds what could be planned.
#include "plan/plan_builder.hpp"

#include <catch2/catch.hpp>

#include "netlab/plan.hpp"

using namespace netlab;

namespace {

DesiredLink want(const std::string& ns, const std::string& name, LinkKind kind) {
  DesiredLink l;
  l.ns = ns;
  l.name = name;
  l.kind = kind;
  return l;
}

LinkState have(const std::string& name, LinkKind kind, const std::string& alias) {
  LinkState l;
  l.name = name;
  l.kind = kind;
  l.alias = alias;
  return l;
}

OvsPortState port(const std::string& name, const std::string& owner, const std::string& type = "") {
  OvsPortState p;
  p.name = name;
  p.type = type;
  if (!owner.empty()) p.external_ids[kOvsOwnerKey] = owner;
  return p;
}

struct World {
  DesiredState desired;
  LiveState live;
  PlanOptions options;
  World() { desired.lab = "lab1"; }
  bool may_manage(const DesiredLink& w, const LinkState& h) const {
    return PlanBuilder(desired, live, options).may_manage(w, h);
  }
  const OvsPortState* ovs_port_of_lab(const std::string& name) const {
    return PlanBuilder(desired, live, options).ovs_port_of_lab(name);
  }
};

}  // namespace

TEST_CASE("a link with the lab's mark is the lab's", "[plan][ownership]") {
  World w;
  CHECK(w.may_manage(want("", "vr", LinkKind::Veth),
                     have("vr", LinkKind::Veth, owner_alias("lab1"))));
  CHECK(PlanBuilder(w.desired, w.live, w.options)
            .marked(have("vr", LinkKind::Veth, owner_alias("lab1"))));
}

TEST_CASE("another lab's link is foreign, even with --adopt", "[plan][ownership]") {
  World w;
  LinkState other = have("vr", LinkKind::Veth, owner_alias("lab2"));
  CHECK_FALSE(w.may_manage(want("", "vr", LinkKind::Veth), other));
  w.options.adopt = true;
  CHECK_FALSE(w.may_manage(want("", "vr", LinkKind::Veth), other));
  // Not even in a namespace the lab owns.
  w.live.owned_namespaces = {"red"};
  CHECK_FALSE(w.may_manage(want("red", "vr", LinkKind::Veth), other));
}

TEST_CASE("an unmarked link of the host is foreign unless adopted", "[plan][ownership]") {
  World w;
  LinkState dummy = have("vr", LinkKind::Other, "");
  CHECK_FALSE(w.may_manage(want("", "vr", LinkKind::Veth), dummy));
  // A namespace of the same name owned by the lab does not make a root link ours.
  w.live.owned_namespaces = {"red"};
  CHECK_FALSE(w.may_manage(want("", "vr", LinkKind::Veth), dummy));
  w.options.adopt = true;
  CHECK(w.may_manage(want("", "vr", LinkKind::Veth), dummy));
}

TEST_CASE("unmarked but ours: what an interrupted create leaves", "[plan][ownership]") {
  World w;
  SECTION("the root end of a veth whose peer is in a namespace the lab owns") {
    LinkState end = have("vr", LinkKind::Veth, "");
    end.peer_known = true;
    end.peer_ns = "red";
    end.peer_name = "eth0";
    CHECK_FALSE(w.may_manage(want("", "vr", LinkKind::Veth), end));
    w.live.owned_namespaces = {"red"};
    CHECK(w.may_manage(want("", "vr", LinkKind::Veth), end));
    // The peer in someone else's namespace: not ours.
    end.peer_ns = "blue";
    CHECK_FALSE(w.may_manage(want("", "vr", LinkKind::Veth), end));
  }
  SECTION("any unmarked link inside a namespace the lab owns") {
    LinkState bridge = have("br0", LinkKind::Bridge, "");
    CHECK_FALSE(w.may_manage(want("red", "br0", LinkKind::Bridge), bridge));
    w.live.owned_namespaces = {"red"};
    CHECK(w.may_manage(want("red", "br0", LinkKind::Bridge), bridge));
    CHECK_FALSE(w.may_manage(want("blue", "br0", LinkKind::Bridge), bridge));
  }
}

TEST_CASE("lo is always the lab's to configure", "[plan][ownership]") {
  World w;
  CHECK(w.may_manage(want("red", "lo", LinkKind::Loopback), have("lo", LinkKind::Loopback, "")));
}

TEST_CASE("the device of an OVS internal port follows its port's owner", "[plan][ownership]") {
  World w;
  w.live.ovs = OvsState{};
  OvsBridgeState br;
  br.name = "ovs1";
  br.ports = {port("ours", "lab1", "internal"), port("theirs", "lab2", "internal"),
              port("nobodys", "", "internal")};
  w.live.ovs->bridges.push_back(br);
  auto dev = [](const std::string& name) { return have(name, LinkKind::OvsInternal, ""); };
  CHECK(w.may_manage(want("", "ours", LinkKind::OvsInternal), dev("ours")));
  CHECK_FALSE(w.may_manage(want("", "theirs", LinkKind::OvsInternal), dev("theirs")));
  CHECK_FALSE(w.may_manage(want("", "nobodys", LinkKind::OvsInternal), dev("nobodys")));
  // A device with another lab's mark is not ours, whatever its port says.
  CHECK_FALSE(w.may_manage(want("", "ours", LinkKind::OvsInternal),
                           have("ours", LinkKind::OvsInternal, owner_alias("lab2"))));
}

TEST_CASE("an OVS port is the lab's when its row carries the lab's mark", "[plan][ownership]") {
  World w;
  CHECK(w.ovs_port_of_lab("p1") == nullptr);  // OVS not read
  w.live.ovs = OvsState{};
  OvsBridgeState br;
  br.name = "ovs1";
  br.ports = {port("p1", "lab1"), port("p2", "lab2"), port("p3", "")};
  w.live.ovs->bridges.push_back(br);
  const OvsPortState* p1 = w.ovs_port_of_lab("p1");
  REQUIRE(p1 != nullptr);
  CHECK(p1->name == "p1");
  CHECK(w.ovs_port_of_lab("p2") == nullptr);  // another lab's
  CHECK(w.ovs_port_of_lab("p3") == nullptr);  // made by hand
  CHECK(w.ovs_port_of_lab("p4") == nullptr);  // absent
  PlanBuilder b(w.desired, w.live, w.options);
  CHECK(b.marked(br.ports[0]));
  CHECK_FALSE(b.marked(br.ports[1]));
  CHECK_FALSE(b.marked(br.ports[2]));
}

TEST_CASE("a plan with errors still holds every action it could plan", "[plan][errors]") {
  // "blue" blocks the lab (made by hand); "red" is missing and planned anyway,
  // so that `status` can show the drift of a lab with a conflict.
  World w;
  w.desired.namespaces = {{"blue", {}}, {"red", {}}};
  w.live.kernel.all_namespaces = {"blue"};
  w.live.kernel.namespaces["blue"].name = "blue";
  PlanResult r = make_plan(w.desired, w.live, w.options);
  CHECK_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].kind == ErrorKind::Conflict);
  CHECK(r.plan.lab == "lab1");
  REQUIRE(r.plan.actions.size() == 1);
  CHECK(format_action(r.plan.actions[0]) == "+ namespace red (missing)");
}

TEST_CASE("creates and deletes are recorded once per plan", "[plan][builder]") {
  World w;
  PlanBuilder b(w.desired, w.live, w.options);
  CHECK_FALSE(b.link_is_created("red", "eth0"));
  b.creates_link("red", "eth0");
  CHECK(b.link_is_created("red", "eth0"));
  CHECK_FALSE(b.link_is_created("", "eth0"));
  CHECK(b.deletes_link("", "vr"));
  CHECK_FALSE(b.deletes_link("", "vr"));
}

TEST_CASE("finish orders by phase and derives dependencies from the operations",
          "[plan][builder]") {
  World w;
  PlanBuilder b(w.desired, w.live, w.options);
  Action addr;
  addr.object = "address";
  addr.phase = Phase::Configure;
  addr.ns = "red";
  addr.ops = {op::AddAddress{"red", "lo", *IpPrefix::parse("10.0.0.1/8")}};
  Action ns;
  ns.object = "namespace";
  ns.phase = Phase::Namespaces;
  ns.ns = "red";
  ns.ops = {op::CreateNamespace{"red"}};
  b.add(addr);
  b.add(ns);
  PlanResult r = b.finish();
  REQUIRE(r.plan.actions.size() == 2);
  CHECK(r.plan.actions[0].object == "namespace");
  CHECK(r.plan.actions[1].object == "address");
  CHECK(r.plan.actions[1].deps == std::vector<std::size_t>{0});
}
