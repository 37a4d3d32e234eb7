// How plans are printed and counted: one line per object, a replace split
// across two phases (an OVS port) shown and counted as one replace, and the
// summary of a `down`.
#include <catch2/catch.hpp>

#include "netlab/plan.hpp"
#include "plan/plan_json.hpp"

using namespace netlab;

namespace {

Action action(ActionKind kind, const std::string& resource, const std::string& ns,
              const std::string& object, const std::string& reason) {
  Action a;
  a.kind = kind;
  a.resource = resource;
  a.ns = ns;
  a.object = object;
  a.reason = reason;
  return a;
}

// A sysctl action acts on the setting, as the planner makes it.
Action sysctl_action(ActionKind kind, const std::string& ns, const std::string& key,
                     const std::string& value, const std::string& reason) {
  Action a = action(kind, "sysctl", ns, key + " = " + value, reason);
  a.subjects = {{ObjectRef::Kind::Sysctl, ns, key}};
  return a;
}

// demo 02 after `ip netns exec red ip link del eth0-r`, as the planner makes it.
Plan demo02_veth_deleted() {
  Plan p;
  p.lab = "demo02";
  Action gone =
      action(ActionKind::Replace, "ovs port", "", "veth-r on ovs1", "its interface veth-r is gone");
  gone.half = ReplaceHalf::Destroy;
  gone.phase = Phase::OvsDelete;
  Action back = gone;
  back.half = ReplaceHalf::Create;
  back.phase = Phase::Ovs;
  p.actions.push_back(gone);
  p.actions.push_back(action(ActionKind::Create, "veth", "red", "eth0-r <-> veth-r", "missing"));
  p.actions.push_back(back);
  p.actions.push_back(
      action(ActionKind::Create, "address", "red", "10.0.0.1/24 on eth0-r", "missing"));
  return p;
}

}  // namespace

TEST_CASE("a replace split across phases is one -/+ line and one replace", "[plan][format]") {
  Plan p = demo02_veth_deleted();
  CHECK(format_plan(p) ==
        "root namespace:\n"
        "  -/+ ovs port veth-r on ovs1  (its interface veth-r is gone)\n"
        "namespace red:\n"
        "  +   veth eth0-r <-> veth-r  (missing)\n"
        "  +   address 10.0.0.1/24 on eth0-r  (missing)\n"
        "Plan: 3 to add, 0 to change, 1 to destroy.\n");
  CHECK(p.count(ActionKind::Replace) == 1);
  CHECK(p.count(ActionKind::Delete) == 0);
  CHECK(p.count(ActionKind::Create) == 2);
  CHECK(p.actions.size() == 4);  // the executor still runs both halves
}

TEST_CASE("a split replace counts like a link replace", "[plan][format]") {
  Plan link;
  link.actions.push_back(action(ActionKind::Replace, "veth", "red", "eth0 <-> vr", "peer changed"));
  Plan port = demo02_veth_deleted();
  port.actions.erase(port.actions.begin() + 3);  // keep the port and the veth
  port.actions.erase(port.actions.begin() + 1);
  CHECK(link.summary() == "Plan: 1 to add, 0 to change, 1 to destroy.");
  CHECK(port.summary() == link.summary());
}

TEST_CASE("the JSON plan lists both halves and counts them once", "[plan][format]") {
  auto j = plan_to_json(demo02_veth_deleted());
  CHECK(j["summary"]["add"] == 3);
  CHECK(j["summary"]["destroy"] == 1);
  CHECK(j["summary"]["change"] == 0);
  REQUIRE(j["actions"].size() == 4);
  CHECK(j["actions"][0]["action"] == "replace");
  CHECK(j["actions"][0]["replace_half"] == "destroy");
  CHECK(j["actions"][2]["replace_half"] == "create");
  CHECK(j["actions"][1]["replace_half"].is_null());
}

TEST_CASE("one action as plan and status show it", "[plan][format]") {
  CHECK(format_action(action(ActionKind::Create, "route", "app", "default via 10.77.0.1",
                             "missing")) == "+ route default via 10.77.0.1 (missing)");
  CHECK(format_action(action(ActionKind::Replace, "ovs port", "", "vr on ovs-g", "x")) ==
        "-/+ ovs port vr on ovs-g (x)");
  CHECK(format_action(action(ActionKind::Delete, "veth ends", "", "vb, vr", "")) ==
        "- veth ends vb, vr");
}

TEST_CASE("the summary of a down: objects removed, settings restored", "[plan][format]") {
  // routed-nat: nat table, two namespaces, the veth ends, and ip_forward set back.
  Plan p;
  p.actions.push_back(action(ActionKind::Delete, "nat table", "", "ip netlab-routed-nat", ""));
  p.actions.push_back(action(ActionKind::Delete, "namespace", "app", "app", ""));
  p.actions.push_back(action(ActionKind::Delete, "namespace", "internet", "internet", ""));
  p.actions.push_back(action(ActionKind::Delete, "veth ends", "", "nl-app, nl-inet", ""));
  p.actions.push_back(sysctl_action(ActionKind::Modify, "", "net.ipv4.ip_forward", "0",
                                    "restore value from before the lab"));
  CHECK(removal_summary(p) == "4 objects removed, 1 setting restored");

  Plan one;
  one.actions.push_back(action(ActionKind::Delete, "namespace", "red", "red", ""));
  CHECK(removal_summary(one) == "1 object removed");

  Plan settings;
  settings.actions.push_back(sysctl_action(ActionKind::Modify, "", "a", "0", ""));
  settings.actions.push_back(sysctl_action(ActionKind::Modify, "", "b", "0", ""));
  CHECK(removal_summary(settings) == "0 objects removed, 2 settings restored");

  // What counts is the object acted on, not the display text.
  Plan changed;
  changed.actions.push_back(action(ActionKind::Modify, "sysctl", "", "a = 0", ""));
  changed.actions.back().subjects = {{ObjectRef::Kind::Link, "", "a"}};
  CHECK(removal_summary(changed) == "0 objects removed, 1 object changed");
}
