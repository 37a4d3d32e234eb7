// The lifecycle on the fakes: up, idempotence, drift repair, rollback at
// every action position, down leaving only foreign objects, conflicts.
#include <catch2/catch.hpp>

#include "lab_fixture.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

// Several namespaces, veths to a Linux bridge and to the host, an OVS bridge
// with VLAN ports and an internal port moved into a namespace, addresses,
// routes and sysctls.
const char* kLab = R"(
name: unit
namespaces:
  red:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
    routes:
      - {to: default, via: 10.0.0.254}
    sysctls: {net.ipv4.ip_forward: 1}
  blue:
    interfaces:
      eth0: {addresses: [10.0.0.2/24, fd00::2/64], mtu: 1400}
  green:
    interfaces:
      eth0: {addresses: [10.1.0.2/24]}
      tap-g: {addresses: [10.2.0.2/24]}
    routes:
      - {to: 192.168.50.0/24, via: 10.1.0.1}
bridges:
  br-u:
    kind: linux
    addresses: [10.0.0.254/24]
  ovs-u:
    kind: ovs
    ports:
      tap-g: {internal: true, namespace: green, vlan: 30}
links:
  - [red:eth0, br-u:vr]
  - [blue:eth0, br-u:vb]
  - endpoints: [green:eth0, ovs-u:vg]
    vlan: 30
  - [host:hg, ovs-u:vh]
host:
  interfaces:
    hg: {addresses: [10.1.0.1/24]}
  sysctls: {net.ipv4.ip_forward: 1}
)";

// kLab without addresses in the root namespace: copies of it under --prefix
// can run side by side (with them, the host would have two interfaces in
// one subnet, which the planner refuses).
std::string copyable_lab() {
  std::string t = kLab;
  for (auto [from, to] :
       {std::pair<std::string, std::string>{"    addresses: [10.0.0.254/24]\n", ""},
        {"hg: {addresses: [10.1.0.1/24]}", "hg: {}"}}) {
    auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
  }
  return t;
}

struct World : FakeWorld {
  World() {
    kernel->seed_sysctl("", "net.ipv4.ip_forward", "0");
    // Foreign objects that must survive everything.
    kernel->seed_namespace("someone");
    FakeLink eth = foreign_link("eth0");
    eth.physical = true;
    eth.addresses = {*IpPrefix::parse("192.0.2.2/24")};
    kernel->seed_link("", eth);
    ovs->seed_bridge("br-foreign");
    ovs->seed_port("br-foreign", "p-foreign");
  }
};

}  // namespace

TEST_CASE("up builds the lab and a second up plans nothing", "[lab]") {
  World w;
  Lab lab = w.load(kLab);
  auto plan = lab.plan();
  REQUIRE(plan.ok());
  CHECK(plan->count(ActionKind::Create) > 10);
  CHECK(plan->count(ActionKind::Delete) == 0);

  auto up = lab.up();
  REQUIRE(up.ok());
  CHECK_FALSE(up->plan.empty());

  auto snap = w.kernel->snapshot();
  REQUIRE(snap.namespaces.count("red"));
  const auto& red_eth0 = snap.namespaces.at("red").links.at("eth0");
  CHECK(red_eth0.up);
  CHECK(red_eth0.alias == "netlab:unit");
  CHECK(red_eth0.peer_name == "vr");
  CHECK(snap.namespaces.at("").links.at("vr").master == "br-u");
  CHECK(snap.namespaces.at("blue").links.at("eth0").mtu == 1400);
  CHECK(snap.namespaces.at("red").links.at("lo").up);
  // The internal port was created by OVS in the root namespace and moved.
  REQUIRE(snap.namespaces.at("green").links.count("tap-g"));
  CHECK(snap.namespaces.at("green").links.at("tap-g").addresses ==
        std::vector<IpPrefix>{*IpPrefix::parse("10.2.0.2/24")});
  CHECK(snap.namespaces.at("").links.count("tap-g") == 0);
  CHECK(snap.namespaces.at("").sysctls.at("net.ipv4.ip_forward") == "1");
  const auto* port = w.ovs->state().find_bridge("ovs-u")->find_port("vg");
  REQUIRE(port);
  CHECK(port->tag == 30);
  CHECK(port->owner() == "unit");

  w.kernel->reset_counters();
  int commits = w.ovs->commits;
  auto again = lab.up();
  REQUIRE(again.ok());
  CHECK(again->plan.empty());
  CHECK(w.kernel->mutations() == 0);
  CHECK(w.ovs->commits == commits);
}

TEST_CASE("drift of each kind is planned and repaired exactly", "[lab]") {
  World w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  auto built = w.kernel->snapshot();

  SECTION("a deleted veth") {
    REQUIRE(w.kernel->delete_link("blue", "eth0").ok());
    auto plan = lab.plan();
    REQUIRE(plan.ok());
    REQUIRE(plan->count(ActionKind::Create) >= 1);
    bool veth = false;
    for (const auto& a : plan->actions) veth |= a.resource == "veth" && a.ns == "blue";
    CHECK(veth);
    CHECK(plan->count(ActionKind::Delete) == 0);
  }
  SECTION("a changed address") {
    REQUIRE(w.kernel->delete_address("red", "eth0", *IpPrefix::parse("10.0.0.1/24")).ok());
    REQUIRE(w.kernel->add_address("red", "eth0", *IpPrefix::parse("10.0.0.9/24")).ok());
    auto plan = lab.plan();
    REQUIRE(plan.ok());
    // add the right one, delete the wrong one, restore the default route
    // that went with the address: nothing else.
    CHECK(plan->count(ActionKind::Create) == 2);
    CHECK(plan->count(ActionKind::Delete) == 1);
  }
  SECTION("a link set down") {
    LinkChange down;
    down.up = false;
    REQUIRE(w.kernel->change_link("", "hg", down).ok());
    auto plan = lab.plan();
    REQUIRE(plan.ok());
    REQUIRE(plan->count(ActionKind::Modify) == 1);
    CHECK(plan->actions.front().object == "hg");
  }
  SECTION("a deleted namespace") {
    REQUIRE(w.kernel->delete_namespace("green").ok());
    auto plan = lab.plan();
    REQUIRE(plan.ok());
    bool ns = false;
    for (const auto& a : plan->actions) ns |= a.resource == "namespace" && a.object == "green";
    CHECK(ns);
  }
  SECTION("an OVS tag changed") {
    OvsTransaction t;
    t.lab = "unit";
    t.set_vlans.push_back({"vg", 31, {}});
    REQUIRE(w.ovs->apply(t, std::chrono::milliseconds(100)).ok());
    auto plan = lab.plan();
    REQUIRE(plan.ok());
    REQUIRE(plan->actions.size() == 1);
    CHECK(plan->actions[0].kind == ActionKind::Modify);
    CHECK(plan->actions[0].reason == "vlan 31 -> vlan 30");
  }
  auto repaired = lab.up();
  REQUIRE_OK(repaired);
  CHECK_FALSE(repaired->plan.empty());
  auto plan = lab.plan();
  REQUIRE(plan.ok());
  CHECK(plan->empty());
  // Same objects as right after the first up (MACs/ifindexes of recreated links aside).
  auto now = w.kernel->snapshot();
  for (const auto& [ns, n] : built.namespaces) {
    REQUIRE(now.namespaces.count(ns));
    for (const auto& [name, l] : n.links) {
      INFO(ns << "/" << name);
      REQUIRE(now.namespaces.at(ns).links.count(name));
      const auto& m = now.namespaces.at(ns).links.at(name);
      CHECK(m.up == l.up);
      CHECK(m.addresses.size() == l.addresses.size());
      CHECK(m.alias == l.alias);
    }
  }
}

TEST_CASE("a failure at any action rolls back to the exact prior state", "[lab][rollback]") {
  World probe;
  auto plan = probe.load(kLab).plan();
  REQUIRE(plan.ok());
  const std::size_t n = plan->actions.size();
  REQUIRE(n > 15);
  // Kernel operations by name, in the order the executor would call them.
  for (std::size_t position = 0; position < n; ++position) {
    const Action& target = plan->actions[position];
    if (target.phase == Phase::Ovs) continue;  // covered by the OVS failure case below
    World w;
    auto before = w.kernel->snapshot();
    auto ovs_before = w.ovs->state();
    Lab lab = w.load(kLab);
    // Fail the first operation of that action (the first call of that
    // operation in that namespace: each action's first op is unique to it).
    auto [op_name, op_ns] = std::visit(
        [](const auto& o) -> std::pair<std::string, std::string> {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, op::CreateNamespace>) return {"create_namespace", o.ns};
          if constexpr (std::is_same_v<T, op::CreateVeth>) return {"create_veth", o.req.ns};
          if constexpr (std::is_same_v<T, op::CreateBridge>) return {"create_bridge", o.ns};
          if constexpr (std::is_same_v<T, op::ChangeLink>) return {"change_link", o.ns};
          if constexpr (std::is_same_v<T, op::MoveLink>) return {"move_link", o.ns};
          if constexpr (std::is_same_v<T, op::AddAddress>) return {"add_address", o.ns};
          if constexpr (std::is_same_v<T, op::AddRoute>) return {"add_route", o.ns};
          if constexpr (std::is_same_v<T, op::WriteSysctl>) return {"write_sysctl", o.ns};
          return {"", ""};
        },
        target.ops.front());
    REQUIRE_FALSE(op_name.empty());
    bool fired = false;
    w.kernel->set_fault_hook(
        [&, op_name = op_name, op_ns = op_ns](const std::string& op, const std::string& ns,
                                              const std::string&) -> std::optional<int> {
          if (op == op_name && ns == op_ns && !fired) {
            fired = true;
            return EIO;
          }
          return std::nullopt;
        });
    INFO("failing action " << position << ": " << target.resource << " " << target.object);
    auto up = lab.up();
    REQUIRE_FALSE(up.ok());
    CHECK(fired);
    w.kernel->clear_faults();
    CHECK(w.kernel->snapshot() == before);
    CHECK(w.ovs->state().bridges.size() == ovs_before.bridges.size());
    CHECK_FALSE(w.ovs->state().find_bridge("ovs-u"));
  }
}

TEST_CASE("an OVS interface that cannot be opened fails up and rolls everything back",
          "[lab][rollback]") {
  World w;
  auto before = w.kernel->snapshot();
  w.ovs->fail_interface("vh", "could not open network device vh (No such device)");
  Lab lab = w.load(kLab);
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK_THAT(up.error().message, Catch::Contains("vh"));
  CHECK(w.kernel->snapshot() == before);
  CHECK_FALSE(w.ovs->state().find_bridge("ovs-u"));
  CHECK(w.ovs->state().find_bridge("br-foreign"));
  // Nothing of the lab is left, not even its record.
  CHECK_FALSE(std::filesystem::exists(w.options().state_root + "/unit"));
  CHECK_FALSE(std::filesystem::exists(w.options().state_root + "/unit.lock"));
  CHECK(Lab::list(w.options().state_root).empty());
}

TEST_CASE("down removes the lab and leaves only foreign objects", "[lab]") {
  World w;
  auto before = w.kernel->snapshot();
  {
    Lab lab = w.load(kLab);
    REQUIRE_OK(lab.up());
  }
  // Down without the topology: from the state directory and the marks.
  auto attached = Lab::attach("unit", w.options(), w.backends());
  REQUIRE(attached.ok());
  auto down = attached->down();
  REQUIRE_OK(down);
  CHECK_FALSE(down->plan.empty());
  auto after = w.kernel->snapshot();
  CHECK(after.namespaces.size() == before.namespaces.size());
  CHECK(after.namespaces.count("someone"));
  CHECK(after.namespaces.at("").links.count("eth0"));
  CHECK(after.namespaces.at("").links.count("vr") == 0);
  CHECK(after.namespaces.at("").links.count("br-u") == 0);
  CHECK(after.namespaces.at("").sysctls.at("net.ipv4.ip_forward") == "0");
  CHECK(after == before);
  CHECK_FALSE(w.ovs->state().find_bridge("ovs-u"));
  REQUIRE(w.ovs->state().find_bridge("br-foreign"));
  CHECK(w.ovs->state().find_bridge("br-foreign")->find_port("p-foreign"));
  CHECK(Lab::list(w.options().state_root).empty());

  // A second down is a no-op.
  auto again = Lab::attach("unit", w.options(), w.backends());
  REQUIRE(again.ok());
  w.kernel->reset_counters();
  auto down2 = again->down();
  REQUIRE(down2.ok());
  CHECK(down2->plan.empty());
  CHECK(w.kernel->mutations() == 0);
}

TEST_CASE("an object without the lab's mark blocks the plan and names its position", "[lab]") {
  World w;
  w.kernel->seed_namespace("red");
  Lab lab = w.load(kLab);
  auto plan = lab.plan();
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().kind == ErrorKind::Conflict);
  CHECK_THAT(plan.error().str(), Catch::Contains("topo.yaml:4:3") && Catch::Contains("'red'") &&
                                     Catch::Contains("--adopt"));
  w.kernel->reset_counters();
  CHECK_FALSE(lab.up().ok());
  CHECK(w.kernel->mutations() == 0);
  // Nothing of the lab exists: no state directory and no lock file are left.
  CHECK_FALSE(std::filesystem::exists(w.options().state_root + "/" + lab.name()));
  CHECK_FALSE(std::filesystem::exists(w.options().state_root + "/" + lab.name() + ".lock"));

  SECTION("a foreign interface with a needed name") {
    w.kernel->seed_link("", foreign_link("hg"));
    auto p2 = w.load(kLab).plan();
    REQUIRE_FALSE(p2.ok());
    CHECK_THAT(p2.error().message, Catch::Contains("interface 'hg'"));
  }
  SECTION("--adopt takes the namespace over") {
    LabOptions o = w.options();
    o.adopt = true;
    Lab adopting = w.load(kLab, o);
    auto planned = adopting.plan();
    REQUIRE_OK(planned);
    bool adopt_row = false;
    for (const auto& a : planned->actions)
      adopt_row |= a.resource == "namespace" && a.object == "red" && a.kind == ActionKind::Modify &&
                   a.reason.rfind("adopt:", 0) == 0;
    CHECK(adopt_row);
    REQUIRE_OK(adopting.up());
    CHECK(adopting.plan()->empty());
    // For good (issue 17): without --adopt the namespace is the lab's now,
    // and down removes it like a namespace netlab made.
    auto plain = w.load(kLab).plan();
    REQUIRE_OK(plain);
    CHECK(plain->empty());
    REQUIRE_OK(w.load(kLab).down());
    auto left = w.kernel->list_namespaces();
    REQUIRE_OK(left);
    CHECK(std::find(left->begin(), left->end(), "red") == left->end());
  }
}

TEST_CASE("Adopting: --adopt takes an OVS bridge made by hand over for good", "[lab][adopt]") {
  World w;
  w.ovs->seed_bridge("ovs-u");  // as ovs-vsctl add-br makes it: no mark
  auto refused = w.load(kLab).plan();
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message,
             Catch::Contains("OVS bridge 'ovs-u'") && Catch::Contains("--adopt"));
  LabOptions o = w.options();
  o.adopt = true;
  REQUIRE_OK(w.load(kLab, o).up());
  const OvsBridgeState* b = w.ovs->state().find_bridge("ovs-u");
  REQUIRE(b);
  CHECK(b->owner() == "unit");
  CHECK(b->find_port("ovs-u")->owner() == "unit");
  // Later runs need no --adopt, and down removes the bridge.
  auto plain = w.load(kLab).plan();
  REQUIRE_OK(plain);
  CHECK(plain->empty());
  REQUIRE_OK(w.load(kLab).down());
  CHECK(w.ovs->state().find_bridge("ovs-u") == nullptr);
}

TEST_CASE("Adopting: --adopt never takes another lab's object", "[lab][adopt]") {
  World w;
  w.ovs->seed_bridge("ovs-u", "netdev", "someone");
  LabOptions o = w.options();
  o.adopt = true;
  auto refused = w.load(kLab, o).plan();
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("belongs to lab 'someone'"));
}

TEST_CASE("objects of the lab no longer in the topology are deleted", "[lab]") {
  World w;
  REQUIRE_OK(w.load(kLab).up());
  std::string smaller = kLab;
  // Drop the blue namespace and its link.
  auto cut = [&](const std::string& what) {
    auto at = smaller.find(what);
    REQUIRE(at != std::string::npos);
    smaller.erase(at, what.size());
  };
  cut("  blue:\n    interfaces:\n      eth0: {addresses: [10.0.0.2/24, fd00::2/64], mtu: 1400}\n");
  cut("  - [blue:eth0, br-u:vb]\n");
  Lab lab = w.load(smaller);
  auto plan = lab.plan();
  REQUIRE(plan.ok());
  CHECK(plan->count(ActionKind::Create) == 0);
  bool ns_deleted = false;
  for (const auto& a : plan->actions)
    ns_deleted |= a.kind == ActionKind::Delete && a.object == "blue";
  CHECK(ns_deleted);
  REQUIRE_OK(lab.up());
  auto snap = w.kernel->snapshot();
  CHECK(snap.namespaces.count("blue") == 0);
  CHECK(snap.namespaces.at("").links.count("vb") == 0);
  CHECK(lab.plan()->empty());
}

TEST_CASE("two copies with different prefixes run side by side", "[lab]") {
  World w;
  LabOptions a = w.options(), b = w.options();
  a.prefix = "a-";
  b.prefix = "b-";
  Lab la = w.load(copyable_lab(), a);
  Lab lb = w.load(copyable_lab(), b);
  REQUIRE_OK(la.up());
  REQUIRE_OK(lb.up());
  auto snap = w.kernel->snapshot();
  CHECK(snap.namespaces.count("a-red"));
  CHECK(snap.namespaces.count("b-red"));
  REQUIRE_OK(la.down());
  auto plan_b = lb.plan();
  REQUIRE_OK(plan_b);
  INFO(format_plan(*plan_b));
  CHECK(plan_b->empty());
  CHECK(w.kernel->snapshot().namespaces.count("b-red"));
}

TEST_CASE("a copy whose host addresses another lab holds is refused before any change", "[lab]") {
  World w;
  LabOptions a = w.options(), b = w.options();
  a.prefix = "a-";
  b.prefix = "b-";
  Lab la = w.load(kLab, a);
  REQUIRE_OK(la.up());
  auto before = w.kernel->snapshot();
  Lab lb = w.load(kLab, b);
  auto up = lb.up();
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().kind == ErrorKind::Conflict);
  CHECK_THAT(up.error().message,
             Catch::Contains("bridge 'b-br-u' would get 10.0.0.254/24, but 10.0.0.254/24 on "
                             "'a-br-u' (lab 'a-unit') is in the same subnet"));
  CHECK_THAT(up.error().message,
             Catch::Contains("host interface 'b-hg' would get 10.1.0.1/24, but 10.1.0.1/24 on "
                             "'a-hg' (lab 'a-unit')"));
  CHECK_THAT(up.error().message, Catch::Contains("topo.yaml:"));  // with its position
  CHECK(w.kernel->snapshot() == before);

  // Copy b alone, beside a machine interface "uplink" holding `address`.
  auto plan_beside_uplink = [&](const char* address) {
    REQUIRE_OK(la.down());
    FakeLink uplink = foreign_link("uplink");
    uplink.addresses = {*IpPrefix::parse(address)};
    w.kernel->seed_link("", uplink);
    return w.load(kLab, b).plan();
  };
  SECTION("the machine's own interface in the subnet blocks it too") {
    auto plan = plan_beside_uplink("10.1.0.77/24");
    REQUIRE_FALSE(plan.ok());
    CHECK_THAT(plan.error().message,
               Catch::Contains("host interface 'b-hg' would get 10.1.0.1/24, but 10.1.0.77/24 on "
                               "'uplink' is in the same subnet"));
  }
  SECTION("a subnet nested in the machine's bigger one is fine (longest prefix wins)") {
    auto plan = plan_beside_uplink("10.0.0.9/8");
    INFO((plan.ok() ? std::string() : plan.error().message));
    CHECK(plan.ok());
  }
}

TEST_CASE("a host sysctl two labs set goes back to its value from before when the last is down",
          "[lab]") {
  // Either lab may go down first; the first down leaves the setting to the
  // other, and the last one restores the value from before the first up.
  World w;
  auto first_down = GENERATE(0, 1);
  LabOptions oa = w.options(), ob = w.options();
  oa.prefix = "a-";
  ob.prefix = "b-";
  std::vector<Lab> labs;
  labs.push_back(w.load(copyable_lab(), oa));
  labs.push_back(w.load(copyable_lab(), ob));
  auto forward = [&] {
    return w.kernel->snapshot().namespaces.at("").sysctls.at("net.ipv4.ip_forward");
  };
  REQUIRE_OK(labs[0].up());
  REQUIRE(forward() == "1");
  REQUIRE_OK(labs[1].up());  // finds 1 already: set by the first lab, not the host's own
  REQUIRE_OK(labs[first_down].down());
  CHECK(forward() == "1");  // the other lab still needs it
  auto plan = labs[1 - first_down].plan();
  REQUIRE_OK(plan);
  CHECK(plan->empty());
  REQUIRE_OK(labs[1 - first_down].down());
  CHECK(forward() == "0");
}
