// The FakeKernel passes the kernel contract, and its fake-only features work.
#include "fakes/fake_kernel.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <thread>

#include "support/kernel_contract.hpp"

using namespace netlab;
using namespace netlab::testing;
using namespace std::chrono_literals;

namespace {

IpPrefix P(const char* t) { return *IpPrefix::parse(t); }
IpAddress A(const char* t) { return *IpAddress::parse(t); }

/// After a contract function the fake must be back to a fresh kernel.
void require_clean(FakeKernel& k) {
  FakeKernel fresh;
  CHECK(k.snapshot() == fresh.snapshot());
}

}  // namespace

TEST_CASE("FakeKernel passes the kernel contract", "[fake_kernel][contract]") {
  FakeKernel k;
  SECTION("namespace lifecycle") { contract_namespace_lifecycle(k, "ct"); }
  SECTION("veth across namespaces") { contract_veth_across_namespaces(k, "ct"); }
  SECTION("delete one veth end") { contract_delete_one_veth_end_removes_peer(k, "ct"); }
  SECTION("delete namespace") { contract_delete_namespace_destroys_links(k, "ct"); }
  SECTION("duplicates") { contract_duplicate_create_eexist(k, "ct"); }
  SECTION("addresses") { contract_addresses(k, "ct"); }
  SECTION("routes") { contract_routes(k, "ct"); }
  SECTION("link changes") { contract_link_changes(k, "ct"); }
  SECTION("move link") { contract_move_link(k, "ct"); }
  SECTION("sysctls") { contract_sysctls(k, "ct"); }
  SECTION("interface sysctls") { contract_interface_sysctls(k, "ct"); }
  SECTION("vxlan") { contract_vxlan(k, "ct"); }
  SECTION("errors") { contract_errors_name_operation_object_and_errno(k, "ct"); }
  SECTION("all, twice with one prefix") {
    contract_all(k, "ct");
    contract_all(k, "ct");
  }
  require_clean(k);
}

TEST_CASE("FakeKernel reads root links by name as the kernel does", "[fake_kernel][contract]") {
  FakeKernel k;
  contract_root_links_by_name(k, "rn");
  // Nothing of it is left in the root.
  auto s = k.observe({}, {});
  REQUIRE(s.ok());
  for (const auto& [name, _] : s->root.links) CHECK(name.rfind("rn", 0) != 0);
}

TEST_CASE("FakeKernel passes the contract in async teardown mode", "[fake_kernel][contract]") {
  FakeKernel k;
  k.set_teardown_delay(FakeKernel::kUntilWait);
  contract_all(k, "as");
  // The contract's clean-up deletes namespaces; peers there are all gone too.
  require_clean(k);
}

TEST_CASE("FakeKernel: a fresh kernel", "[fake_kernel]") {
  FakeKernel k;
  auto s = k.observe({}, {"net.ipv4.ip_forward"});
  REQUIRE(s.ok());
  const LinkState* lo = s->root.find_link("lo");
  REQUIRE(lo != nullptr);
  CHECK(lo->up);
  CHECK(lo->ifindex == 1);
  CHECK(lo->addresses.size() == 2);
  CHECK(s->root.sysctls.at("net.ipv4.ip_forward") == "0");
  CHECK(s->all_namespaces.empty());
  CHECK(k.capabilities().veth);
  CHECK(k.capabilities().bridge);
  CHECK_FALSE(k.capabilities().vlan_8021q);
}

TEST_CASE("FakeKernel: injected failures leave the state unchanged", "[fake_kernel]") {
  FakeKernel k;
  REQUIRE(k.create_namespace("red").ok());
  REQUIRE(k.create_veth({"a", "red", "b", "", "netlab:x"}).ok());
  REQUIRE(k.add_address("red", "a", P("10.0.0.1/24")).ok());
  const auto before = k.snapshot();
  k.reset_counters();

  SECTION("fail_next hits the next call of that operation only") {
    k.fail_next("create_bridge", EPERM);
    auto st = k.create_bridge("red", "br0", "");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().sys_errno == EPERM);
    CHECK(st.error().kind == ErrorKind::Permission);
    CHECK(st.error().message.find("br0") != std::string::npos);
    CHECK(k.snapshot() == before);
    CHECK(k.calls("create_bridge") == 1);
    CHECK(k.mutations() == 0);
    CHECK(k.create_bridge("red", "br0", "").ok());
    CHECK(k.mutations() == 1);
  }
  SECTION("after_n_calls lets calls through first") {
    k.fail_next("add_address", EBUSY, 2);
    CHECK(k.add_address("red", "a", P("10.0.1.1/24")).ok());
    CHECK(k.add_address("red", "a", P("10.0.2.1/24")).ok());
    const auto mid = k.snapshot();
    auto st = k.add_address("red", "a", P("10.0.3.1/24"));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().sys_errno == EBUSY);
    CHECK(k.snapshot() == mid);
    CHECK(k.add_address("red", "a", P("10.0.3.1/24")).ok());
    CHECK(k.calls("add_address") == 4);
  }
  SECTION("every operation can fail, with no effect") {
    k.set_fault_hook([](const std::string&, const std::string&, const std::string&) {
      return std::optional<int>(EIO);
    });
    CHECK_FALSE(k.create_namespace("blue").ok());
    CHECK_FALSE(k.delete_namespace("red").ok());
    CHECK_FALSE(k.create_veth({"c", "red", "d", "red", ""}).ok());
    CHECK_FALSE(k.create_bridge("red", "br", "").ok());
    CHECK_FALSE(k.delete_link("red", "a").ok());
    LinkChange up;
    up.up = true;
    CHECK_FALSE(k.change_link("red", "a", up).ok());
    CHECK_FALSE(k.move_link("red", "a", "").ok());
    CHECK_FALSE(k.add_address("red", "a", P("10.0.9.1/24")).ok());
    CHECK_FALSE(k.delete_address("red", "a", P("10.0.0.1/24")).ok());
    CHECK_FALSE(k.add_route("red", {4, P("10.9.0.0/24"), std::nullopt, "a"}).ok());
    CHECK_FALSE(k.delete_route("red", {4, P("10.9.0.0/24"), std::nullopt, "a"}).ok());
    CHECK_FALSE(k.write_sysctl("red", "net.ipv4.ip_forward", "1").ok());
    CHECK_FALSE(k.read_sysctl("red", "net.ipv4.ip_forward").ok());
    CHECK_FALSE(k.observe({"red"}, {}).ok());
    CHECK_FALSE(k.list_namespaces().ok());
    CHECK_FALSE(k.wait_links_gone("red", {"a"}, 1ms).ok());
    CHECK(k.snapshot() == before);
    CHECK(k.mutations() == 0);
    k.clear_faults();
    CHECK(k.create_namespace("blue").ok());
  }
  SECTION("a hook can pick its victim") {
    k.set_fault_hook([](const std::string& op, const std::string& ns,
                        const std::string& object) -> std::optional<int> {
      if (op == "change_link" && ns == "red" && object == "a") return EBUSY;
      return std::nullopt;
    });
    LinkChange up;
    up.up = true;
    CHECK_FALSE(k.change_link("red", "a", up).ok());
    CHECK(k.change_link("", "b", up).ok());
    CHECK(k.calls("change_link") == 2);
    CHECK(k.mutations() == 1);
  }
}

TEST_CASE("FakeKernel: async teardown of veth peers", "[fake_kernel]") {
  FakeKernel k;
  k.set_teardown_delay(2);
  REQUIRE(k.create_namespace("red").ok());
  REQUIRE(k.create_namespace("blue").ok());
  REQUIRE(k.create_veth({"a", "red", "b", "blue", ""}).ok());
  REQUIRE(k.create_veth({"c", "red", "d", "", ""}).ok());
  REQUIRE(k.delete_namespace("red").ok());

  SECTION("the peers linger for N observes") {
    for (int i = 0; i < 2; ++i) {
      auto s = k.observe({"blue"}, {});
      REQUIRE(s.ok());
      CHECK(s->namespaces.at("blue").find_link("b") != nullptr);
      CHECK(s->root.find_link("d") != nullptr);
      CHECK_FALSE(s->root.find_link("d")->peer_known);
    }
    // Still there: a create with the same name collides, as on a real kernel.
    CHECK(k.create_bridge("blue", "b", "").error().sys_errno == EEXIST);
    auto s = k.observe({"blue"}, {});
    REQUIRE(s.ok());
    CHECK(s->namespaces.at("blue").find_link("b") == nullptr);
    CHECK(s->root.find_link("d") == nullptr);
  }
  SECTION("wait_links_gone finishes the teardown") {
    CHECK(k.snapshot().namespaces.at("blue").links.at("b").pending_removal);
    CHECK(k.wait_links_gone("blue", {"b"}, 10ms).ok());
    auto s = k.observe({"blue"}, {});
    REQUIRE(s.ok());
    CHECK(s->namespaces.at("blue").find_link("b") == nullptr);
    CHECK(s->root.find_link("d") == nullptr);
  }
}

TEST_CASE("FakeKernel: immediate teardown by default", "[fake_kernel]") {
  FakeKernel k;
  REQUIRE(k.create_namespace("red").ok());
  REQUIRE(k.create_veth({"a", "red", "b", "", ""}).ok());
  REQUIRE(k.delete_namespace("red").ok());
  auto s = k.observe({}, {});
  REQUIRE(s.ok());
  CHECK(s->root.find_link("b") == nullptr);
}

TEST_CASE("FakeKernel: snapshots compare whole states", "[fake_kernel]") {
  FakeKernel k;
  const auto empty = k.snapshot();
  REQUIRE(k.create_namespace("red").ok());
  CHECK_FALSE(k.snapshot() == empty);
  REQUIRE(k.create_veth({"a", "red", "b", "red", ""}).ok());
  const auto with_veth = k.snapshot();
  REQUIRE(k.write_sysctl("red", "net.ipv4.ip_forward", "1").ok());
  CHECK_FALSE(k.snapshot() == with_veth);
  REQUIRE(k.write_sysctl("red", "net.ipv4.ip_forward", "0").ok());
  CHECK(k.snapshot() == with_veth);
  REQUIRE(k.delete_namespace("red").ok());
  CHECK(k.snapshot() == empty);
  // restore brings a state back; the dump names what differs.
  k.restore(with_veth);
  CHECK(k.snapshot() == with_veth);
  CHECK(to_string(k.snapshot()).find("link a kind=veth") != std::string::npos);
}

TEST_CASE("FakeKernel: seeded foreign objects", "[fake_kernel]") {
  FakeKernel k;
  FakeLink eth0;
  eth0.name = "eth0";
  eth0.kind_text = "e1000";
  eth0.physical = true;
  eth0.up = true;
  eth0.addresses = {P("192.168.1.10/24")};
  k.seed_link("", eth0);
  k.seed_route("", FakeRoute{4, std::nullopt, A("192.168.1.1"), "eth0", 4, 0});
  k.seed_namespace("foreign");
  k.reset_counters();
  auto s = k.observe({"foreign"}, {});
  REQUIRE(s.ok());
  const LinkState* e = s->root.find_link("eth0");
  REQUIRE(e != nullptr);
  CHECK(e->ifindex == 2);
  CHECK(!e->mac.empty());
  CHECK(s->root.routes.size() == 2);  // connected + default
  CHECK(s->all_namespaces == std::vector<std::string>{"foreign"});
  CHECK(k.mutations() == 0);
  // A physical link deleted with its namespace returns to the root namespace.
  REQUIRE(k.move_link("", "eth0", "foreign").ok());
  CHECK(k.delete_link("foreign", "eth0").error().sys_errno == EOPNOTSUPP);
  REQUIRE(k.delete_namespace("foreign").ok());
  auto after = k.observe({}, {});
  REQUIRE(after.ok());
  REQUIRE(after->root.find_link("eth0") != nullptr);
  CHECK_FALSE(after->root.find_link("eth0")->up);
}

TEST_CASE("FakeKernel: vlans only with the capability", "[fake_kernel]") {
  FakeKernel k;
  REQUIRE(k.create_namespace("red").ok());
  REQUIRE(k.create_veth({"a", "red", "b", "red", ""}).ok());
  auto st = k.create_vlan("red", "a.10", "a", 10, "");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::Unsupported);
  KernelCapabilities caps = k.capabilities();
  caps.vlan_8021q = true;
  k.set_capabilities(caps);
  REQUIRE(k.create_vlan("red", "a.10", "a", 10, "").ok());
  CHECK(k.create_vlan("red", "a.11", "a", 10, "").error().sys_errno == EEXIST);
  auto s = k.observe({"red"}, {});
  REQUIRE(s.ok());
  const LinkState* v = s->namespaces.at("red").find_link("a.10");
  REQUIRE(v != nullptr);
  CHECK(v->kind == LinkKind::Vlan);
  CHECK(v->vlan_parent == "a");
  CHECK(v->vlan_id == 10);
  // Deleting the parent takes the vlan with it.
  REQUIRE(k.delete_link("red", "b").ok());
  s = k.observe({"red"}, {});
  REQUIRE(s.ok());
  CHECK(s->namespaces.at("red").find_link("a.10") == nullptr);
}

TEST_CASE("FakeKernel: concurrent calls from several threads", "[fake_kernel]") {
  FakeKernel k;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&k, t] {
      std::string ns = "n" + std::to_string(t);
      for (int i = 0; i < 50; ++i) {
        (void)k.create_namespace(ns);
        (void)k.create_veth({"a", ns, "b", ns, ""});
        (void)k.observe({ns}, {});
        (void)k.delete_namespace(ns);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(k.calls("create_namespace") == 200);
  CHECK(k.snapshot() == FakeKernel().snapshot());
}
