#include "fakes/fake_ovs.hpp"

#include <catch2/catch.hpp>

#include "support/ovs_contract.hpp"

using namespace netlab;
using netlab::testing::FakeOvs;
using namespace std::chrono_literals;

namespace {

// The devices of demo_txn's system ports exist, as the veths a lab makes do.
struct DemoOvs : FakeOvs {
  DemoOvs() {
    add_device("veth-r");
    add_device("veth-b");
  }
};

OvsTransaction demo_txn() {
  OvsTransaction t;
  t.lab = "demo";
  t.add_bridges.push_back({"ovs1", "netdev"});
  t.add_ports.push_back({"ovs1", "veth-r", false, 100, {}});
  t.add_ports.push_back({"ovs1", "veth-b", false, 200, {}});
  t.add_ports.push_back({"ovs1", "tap-r", true, 100, {}});
  return t;
}

}  // namespace

TEST_CASE("FakeOvs: a bridge with ports is added, marked, and observed", "[ovs][fake]") {
  DemoOvs ovs;
  REQUIRE(ovs.apply(demo_txn(), 1s));
  auto s = ovs.observe();
  REQUIRE(s);
  const OvsBridgeState* b = s->find_bridge("ovs1");
  REQUIRE(b);
  CHECK(b->owner() == "demo");
  CHECK(b->datapath_type == "netdev");
  REQUIRE(b->ports.size() == 4);  // its own internal port included
  CHECK(b->find_port("ovs1")->type == "internal");
  CHECK(b->find_port("tap-r")->type == "internal");
  CHECK(b->find_port("veth-r")->tag == 100);
  CHECK(b->find_port("veth-r")->owner() == "demo");
  CHECK(b->find_port("veth-r")->ofport > 0);
  CHECK(ovs.apply_calls == 1);
  CHECK(ovs.commits == 1);
  CHECK(ovs.observe_calls == 1);
}

TEST_CASE("FakeOvs: a duplicate name fails the whole transaction", "[ovs][fake]") {
  DemoOvs ovs;
  REQUIRE(ovs.apply(demo_txn(), 1s));
  const OvsState before = ovs.state();
  OvsTransaction t;
  t.lab = "demo";
  t.add_bridges.push_back({"ovs2", "netdev"});
  t.add_ports.push_back({"ovs2", "veth-r", false, std::nullopt, {}});  // already on ovs1
  Status st = ovs.apply(t, 1s);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::Ovs);
  CHECK_THAT(st.error().message,
             Catch::StartsWith("ovsdb transact (add port veth-r to ovs2): constraint violation"));
  CHECK(ovs.state().find_bridge("ovs2") == nullptr);  // atomic: nothing of it happened
  CHECK(ovs.state().bridges.size() == before.bridges.size());
  CHECK(ovs.commits == 1);
}

TEST_CASE("FakeOvs: VLAN changes keep the Port row", "[ovs][fake]") {
  DemoOvs ovs;
  REQUIRE(ovs.apply(demo_txn(), 1s));
  const std::string uuid = ovs.state().find_bridge("ovs1")->find_port("veth-r")->port_uuid;
  OvsTransaction t;
  t.lab = "demo";
  t.set_vlans.push_back({"veth-r", std::nullopt, {30, 10}});
  REQUIRE(ovs.apply(t, 1s));
  const OvsPortState* p = ovs.state().find_bridge("ovs1")->find_port("veth-r");
  CHECK(p->port_uuid == uuid);
  CHECK_FALSE(p->tag);
  CHECK(p->trunks == std::vector<int>{10, 30});
}

TEST_CASE("FakeOvs: foreign rows are never deleted or modified", "[ovs][fake]") {
  DemoOvs ovs;
  ovs.seed_bridge("br-user");
  ovs.seed_port("br-user", "eth-user");
  REQUIRE(ovs.apply(demo_txn(), 1s));
  ovs.seed_port("ovs1", "intruder", "other-lab");

  OvsTransaction t;
  t.lab = "demo";
  SECTION("delete a foreign bridge") { t.del_bridges.push_back("br-user"); }
  SECTION("delete a foreign port") { t.del_ports.push_back({"br-user", "eth-user"}); }
  SECTION("delete our bridge holding another lab's port") { t.del_bridges.push_back("ovs1"); }
  SECTION("retag another lab's port") { t.set_vlans.push_back({"intruder", 5, {}}); }
  SECTION("add a port to a foreign bridge") {
    t.add_ports.push_back({"br-user", "mine", false, std::nullopt, {}});
  }
  t.del_ports.push_back({"ovs1", "veth-b"});  // would be allowed alone
  const int commits = ovs.commits;
  Status st = ovs.apply(t, 1s);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::Conflict);
  CHECK_THAT(st.error().message, Catch::Contains("is not owned by lab 'demo'"));
  CHECK(ovs.commits == commits);
  CHECK(ovs.state().find_bridge("br-user")->find_port("eth-user"));
  CHECK(ovs.state().find_bridge("ovs1")->find_port("veth-b"));  // atomic
}

TEST_CASE("FakeOvs: deletes remove owned rows and are idempotent", "[ovs][fake]") {
  DemoOvs ovs;
  REQUIRE(ovs.apply(demo_txn(), 1s));
  OvsTransaction t;
  t.lab = "demo";
  t.del_ports.push_back({"ovs1", "veth-b"});
  REQUIRE(ovs.apply(t, 1s));
  CHECK_FALSE(ovs.state().find_bridge("ovs1")->find_port("veth-b"));
  REQUIRE(ovs.apply(t, 1s));  // again: nothing to do
  OvsTransaction d;
  d.lab = "demo";
  d.del_bridges.push_back("ovs1");
  REQUIRE(ovs.apply(d, 1s));
  CHECK(ovs.state().bridges.empty());
  CHECK(ovs.state().bridge_of_port("veth-r") == nullptr);
}

TEST_CASE("FakeOvs: an unopenable interface fails after the commit", "[ovs][fake]") {
  DemoOvs ovs;
  ovs.fail_interface("veth-b");
  Status st = ovs.apply(demo_txn(), 1s);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::Ovs);
  CHECK(st.error().message ==
        "ovs-vswitchd could not add interface veth-b to bridge ovs1: could not open network "
        "device veth-b (No such device)");
  // Committed, like real OVS: the caller rolls back.
  CHECK(ovs.commits == 1);
  const OvsPortState* p = ovs.state().find_bridge("ovs1")->find_port("veth-b");
  REQUIRE(p);
  CHECK(p->ofport == -1);
  CHECK(p->error == "could not open network device veth-b (No such device)");
}

TEST_CASE("FakeOvs: OVS down, stalled vswitchd, injected failures, datapath", "[ovs][fake]") {
  DemoOvs ovs;
  SECTION("down") {
    ovs.available = false;
    Status st = ovs.check_available();
    REQUIRE_FALSE(st);
    CHECK_THAT(st.error().message,
               Catch::StartsWith("Open vSwitch is not running (no database at "
                                 "/var/run/openvswitch/db.sock): start it with"));
    CHECK_FALSE(ovs.observe());
    CHECK_FALSE(ovs.apply(demo_txn(), 1s));
    CHECK_FALSE(ovs.auto_datapath());
    CHECK(ovs.commits == 0);
  }
  SECTION("stalled") {
    ovs.vswitchd_stalled = true;
    Status st = ovs.apply(demo_txn(), 1s);
    REQUIRE_FALSE(st);
    CHECK(st.error().kind == ErrorKind::Timeout);
    CHECK(ovs.commits == 1);
  }
  SECTION("injected") {
    Error e;
    e.kind = ErrorKind::Ovs;
    e.message = "boom";
    ovs.fail_next_apply(e);
    CHECK(ovs.apply(demo_txn(), 1s).error().message == "boom");
    CHECK(ovs.state().bridges.empty());
    CHECK(ovs.apply(demo_txn(), 1s));
    CHECK(ovs.history.size() == 2);
  }
  SECTION("datapath is probed once") {
    ovs.datapath = "system";
    CHECK(*ovs.auto_datapath() == "system");
    CHECK(*ovs.auto_datapath() == "system");
    CHECK(ovs.datapath_probes == 1);
  }
}

namespace {

/// The contract's world on the fake: seeded rows and devices.
struct FakeOvsWorld final : netlab::testing::OvsWorld {
  FakeOvs fake;
  Ovs& ovs() override { return fake; }
  void add_foreign_bridge(const std::string& name) override { fake.seed_bridge(name, "netdev"); }
  void add_foreign_port(const std::string& bridge, const std::string& name) override {
    REQUIRE(fake.state().find_bridge(bridge));
    fake.seed_port(bridge, name, "", std::nullopt, true);
  }
  void add_device(const std::string& name) override { fake.add_device(name); }
  void remove_bridge(const std::string& name) override { fake.remove_bridge(name); }
  void remove_device(const std::string& name) override { fake.remove_device(name); }
};

}  // namespace

TEST_CASE("FakeOvs passes the OVS contract", "[ovs][fake][contract]") {
  FakeOvsWorld w;
  using namespace netlab::testing;
  SECTION("create bridge and ports") { ovs_contract_create_bridge_and_ports(w, "ct"); }
  SECTION("vlan changes") { ovs_contract_vlan_changes(w, "ct"); }
  SECTION("deletes") { ovs_contract_deletes(w, "ct"); }
  SECTION("ownership guards") { ovs_contract_ownership_guards(w, "ct"); }
  SECTION("adopt and disown") { ovs_contract_adopt_disown(w, "ct"); }
  SECTION("port without a device") { ovs_contract_port_without_device(w, "ct"); }
  SECTION("duplicate creates") { ovs_contract_duplicate_creates(w, "ct"); }
  // Every contract function removes what it made.
  CHECK(w.fake.state().bridges.empty());
}
