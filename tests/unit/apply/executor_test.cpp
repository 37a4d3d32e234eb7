// The executor runs the plan's dependency graph: parallel across lanes, one
// action per lane at a time, never an action before what it needs, OVS
// batched into one transaction, rollback in reverse order of completion.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "fakes/fake_kernel.hpp"
#include "fakes/fake_ovs.hpp"
#include "netlab/apply.hpp"
#include "plan/dependencies.hpp"

using namespace netlab;
using namespace netlab::testing;
namespace fs = std::filesystem;

namespace {

// A FakeKernel whose namespace creates and sysctl writes take a while and
// are recorded: how many run at once, overall and per namespace, and the
// order in which calls start and end.
class SlowKernel : public FakeKernel {
 public:
  Status create_namespace(const std::string& ns) override {
    Call c(*this, "create_namespace", ns);
    return FakeKernel::create_namespace(ns);
  }
  Status write_sysctl(const std::string& ns, const std::string& key,
                      const std::string& value) override {
    Call c(*this, "write_sysctl " + key, ns);
    return FakeKernel::write_sysctl(ns, key, value);
  }

  int max_total = 0;
  std::map<std::string, int> max_per_ns;
  std::vector<std::string> events;  ///< "start OP NS", "end OP NS"

 private:
  struct Call {
    Call(SlowKernel& k, std::string op, std::string ns) : k(k), what(op + " " + ns), ns(ns) {
      {
        std::lock_guard lock(k.mu_);
        k.max_total = std::max(k.max_total, ++k.total_);
        k.max_per_ns[ns] = std::max(k.max_per_ns[ns], ++k.per_ns_[ns]);
        k.events.push_back("start " + what);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    ~Call() {
      std::lock_guard lock(k.mu_);
      --k.total_;
      --k.per_ns_[ns];
      k.events.push_back("end " + what);
    }
    SlowKernel& k;
    std::string what, ns;
  };
  std::mutex mu_;
  int total_ = 0;
  std::map<std::string, int> per_ns_;
};

struct TempState {
  TempState() {
    char tmpl[] = "/tmp/netlab-executor-test.XXXXXX";
    root = mkdtemp(tmpl);
  }
  ~TempState() { fs::remove_all(root); }
  std::string root;
};

Action act(const std::string& ns, std::vector<Operation> ops, std::vector<Operation> undo = {}) {
  Action a;
  a.ns = ns;
  a.ops = std::move(ops);
  a.undo = std::move(undo);
  return a;
}

Action make_ns(const std::string& ns) {
  return act(ns, {op::CreateNamespace{ns}}, {op::DeleteNamespace{ns}});
}

Action sysctl(const std::string& ns, const std::string& key, std::vector<std::size_t> deps = {}) {
  Action a = act(ns, {op::WriteSysctl{ns, key, "1"}});
  a.deps = std::move(deps);
  return a;
}

std::size_t position(const std::vector<std::string>& events, const std::string& e) {
  auto it = std::find(events.begin(), events.end(), e);
  INFO(e);
  REQUIRE(it != events.end());
  return static_cast<std::size_t>(it - events.begin());
}

OvsTransaction txn(OvsTransaction t) {
  t.lab = "t";
  return t;
}

}  // namespace

TEST_CASE("executor: independent namespaces run in parallel, one action per namespace") {
  TempState tmp;
  SlowKernel k;
  StateDir state(tmp.root, "t");
  REQUIRE(state.ensure().ok());
  Backends b{k, nullptr, state, nullptr};
  Plan plan;
  for (const char* ns : {"xa", "xb", "xc", "xd"}) plan.actions.push_back(make_ns(ns));
  // Four sysctls of one namespace, free to run at once but for their lane.
  for (const char* key : {"net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding",
                          "net.ipv6.conf.all.forwarding", "net.ipv4.conf.default.forwarding"})
    plan.actions.push_back(sysctl("xa", key, {0}));
  ApplyOptions o;
  o.parallelism = 4;
  ApplyReport r = apply_plan(plan, b, o);
  REQUIRE(r.ok());
  CHECK(r.applied == 8);
  CHECK(k.max_total >= 2);
  for (const auto& [ns, n] : k.max_per_ns) {
    INFO(ns);
    CHECK(n == 1);
  }
  // The sysctls started after their namespace existed.
  for (const auto& e : k.events)
    if (e.rfind("start write_sysctl", 0) == 0)
      CHECK(position(k.events, "end create_namespace xa") < position(k.events, e));
  for (const char* ns : {"xa", "xb", "xc", "xd"}) (void)k.delete_namespace(ns);
}

TEST_CASE("executor: an action starts only after its dependencies, across lanes") {
  TempState tmp;
  SlowKernel k;
  StateDir state(tmp.root, "t");
  REQUIRE(state.ensure().ok());
  Backends b{k, nullptr, state, nullptr};
  k.seed_namespace("ya");
  k.seed_namespace("yb");
  Plan plan;
  plan.actions = {sysctl("ya", "net.ipv4.ip_forward"), sysctl("yb", "net.ipv4.ip_forward", {0}),
                  sysctl("yb", "net.ipv6.conf.all.forwarding")};
  ApplyOptions o;
  o.parallelism = 4;
  REQUIRE(apply_plan(plan, b, o).ok());
  CHECK(position(k.events, "end write_sysctl net.ipv4.ip_forward ya") <
        position(k.events, "start write_sysctl net.ipv4.ip_forward yb"));
}

TEST_CASE("executor: a dependent of a failed action never runs; the rest is undone") {
  TempState tmp;
  SlowKernel k;
  StateDir state(tmp.root, "t");
  REQUIRE(state.ensure().ok());
  Backends b{k, nullptr, state, nullptr};
  k.fail_next("create_namespace", EPERM, 1);  // the second create: zb
  Plan plan;
  plan.actions = {make_ns("za"), make_ns("zb"), sysctl("zb", "net.ipv4.ip_forward", {1})};
  ApplyOptions o;
  o.parallelism = 1;  // za, then zb: deterministic
  std::vector<std::size_t> undone;
  o.on_undo = [&](std::size_t i, std::size_t, const Status&) { undone.push_back(i); };
  ApplyReport r = apply_plan(plan, b, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.failed_action == std::size_t{1});
  CHECK(k.calls("write_sysctl") == 0);
  CHECK(r.rolled_back);
  CHECK(undone == std::vector<std::size_t>{0});
  CHECK(k.snapshot().namespaces.size() == 1);  // root only
}

TEST_CASE("executor: rollback undoes in reverse order of completion") {
  TempState tmp;
  SlowKernel k;
  StateDir state(tmp.root, "t");
  REQUIRE(state.ensure().ok());
  Backends b{k, nullptr, state, nullptr};
  k.fail_next("write_sysctl", EPERM);
  Plan plan;
  plan.actions = {make_ns("wa"), make_ns("wb"), make_ns("wc"),
                  sysctl("wb", "net.ipv4.ip_forward", {0, 1, 2})};
  ApplyOptions o;
  o.parallelism = 4;
  std::vector<std::size_t> completed, undone;
  o.on_action = [&](std::size_t i, const Status& st) {
    if (st.ok()) completed.push_back(i);
  };
  o.on_undo = [&](std::size_t i, std::size_t, const Status&) { undone.push_back(i); };
  ApplyReport r = apply_plan(plan, b, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.failed_action == std::size_t{3});
  REQUIRE(completed.size() == 3);
  CHECK(undone == std::vector<std::size_t>(completed.rbegin(), completed.rend()));
  CHECK(r.undone == 3);
  CHECK(k.snapshot().namespaces.size() == 1);
}

TEST_CASE("executor: the OVS actions of two namespaces go in one transaction") {
  TempState tmp;
  FakeKernel k;
  FakeOvs ovs;
  StateDir state(tmp.root, "t");
  REQUIRE(state.ensure().ok());
  Backends b{k, &ovs, state, nullptr};
  // The veth peers the ports attach: like real OVS, the fake opens a port
  // only when its device exists.
  ovs.add_device("p-va");
  ovs.add_device("p-vb");
  Plan plan;
  OvsTransaction bridge;
  bridge.add_bridges.push_back({"ovs-t", "netdev"});
  plan.actions.push_back(act("", {op::Ovs{txn(bridge)}}));
  for (const char* ns : {"va", "vb"}) {
    std::string n = ns;
    plan.actions.push_back(make_ns(n));
    plan.actions.push_back(
        act(n, {op::CreateVeth{{"eth0", n, "p-" + n, "", ""}}}, {op::DeleteLink{n, "eth0"}}));
    OvsTransaction port;
    port.add_ports.push_back({"ovs-t", "p-" + n, false, std::nullopt, {}});
    plan.actions.push_back(act("", {op::Ovs{txn(port)}}));
    OvsTransaction tap;
    tap.add_ports.push_back({"ovs-t", "t-" + n, true, std::nullopt, {}});
    plan.actions.push_back(act("", {op::Ovs{txn(tap)}}));
  }
  derive_dependencies(plan.actions);
  REQUIRE(plan.actions[3].deps == std::vector<std::size_t>{0, 2});  // bridge, device
  ApplyReport r = apply_plan(plan, b, ApplyOptions{});
  REQUIRE(r.ok());
  CHECK(ovs.apply_calls == 1);
  REQUIRE(ovs.history.size() == 1);
  CHECK(ovs.history[0].add_bridges.size() == 1);
  CHECK(ovs.history[0].add_ports.size() == 4);
  for (const char* ns : {"va", "vb"}) (void)k.delete_namespace(ns);
}

TEST_CASE("executor: an OVS row deleted and added again takes two transactions") {
  TempState tmp;
  FakeKernel k;
  FakeOvs ovs;
  ovs.seed_bridge("ovs-t", "netdev", "t");
  ovs.seed_port("ovs-t", "p1", "t");
  ovs.add_device("p1");
  StateDir state(tmp.root, "t");
  REQUIRE(state.ensure().ok());
  Backends b{k, &ovs, state, nullptr};
  OvsTransaction del, add;
  del.del_ports.push_back({"ovs-t", "p1"});
  add.add_ports.push_back({"ovs-t", "p1", false, 7, {}});
  Plan plan;
  Action d = act("", {op::Ovs{txn(del)}});
  d.kind = ActionKind::Replace;
  d.half = ReplaceHalf::Destroy;
  Action c = act("", {op::Ovs{txn(add)}});
  c.kind = ActionKind::Replace;
  c.half = ReplaceHalf::Create;
  plan.actions = {d, c};
  derive_dependencies(plan.actions);
  REQUIRE(plan.actions[1].deps == std::vector<std::size_t>{0});
  REQUIRE(apply_plan(plan, b, ApplyOptions{}).ok());
  CHECK(ovs.apply_calls == 2);
}

TEST_CASE("executor: a dependency on a later action is refused before anything runs") {
  TempState tmp;
  FakeKernel k;
  StateDir state(tmp.root, "t");
  Backends b{k, nullptr, state, nullptr};
  Plan plan;
  plan.actions = {sysctl("", "net.ipv4.ip_forward", {1}), sysctl("", "net.ipv4.ip_forward")};
  ApplyReport r = apply_plan(plan, b, ApplyOptions{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.failure->kind == ErrorKind::Bug);
  CHECK(k.mutations() == 0);
}

TEST_CASE("executor: every root link an operation makes or marks is recorded before it exists") {
  TempState tmp;
  FakeKernel k;
  StateDir state(tmp.root, "t");
  REQUIRE(state.ensure().ok());
  Backends b{k, nullptr, state, nullptr};
  k.seed_namespace("ra");
  FakeLink hand;  // made by hand in the root, then adopted (a mark set)
  hand.name = "rhand";
  hand.kind = LinkKind::Bridge;
  k.seed_link("", hand);
  FakeLink port;  // an internal port's device, moved out of the root
  port.name = "rport";
  port.kind = LinkKind::OvsInternal;
  k.seed_link("", port);
  LinkChange mark;
  mark.alias = "netlab:t";
  VxlanRequest vx{
      "",   "rvx",     0x800123, *IpAddress::parse("192.0.2.1"), *IpAddress::parse("192.0.2.2"),
      4789, "netlab:t"};
  Plan plan;
  plan.actions = {act("", {op::CreateVeth{{"rv0", "", "v0", "ra", "netlab:t"}}}),
                  act("", {op::CreateVeth{{"v1", "ra", "rv1", "", "netlab:t"}}}),
                  act("", {op::CreateBridge{"", "rbr", "netlab:t"}}),
                  act("", {op::CreateVlan{"", "rvl", "rbr", 7, "netlab:t"}}),
                  act("", {op::CreateVxlan{vx}}), act("", {op::ChangeLink{"", "rhand", mark}}),
                  act("", {op::MoveLink{"", "rport", "ra"}}),
                  // Not the root's: not recorded.
                  act("", {op::CreateBridge{"ra", "nbr", "netlab:t"}})};
  k.set_capabilities([&] {
    KernelCapabilities c = k.capabilities();
    c.vlan_8021q = true;
    return c;
  }());
  // Each operation finds its name recorded already when it reaches the kernel.
  std::vector<std::string> unrecorded;
  k.set_fault_hook([&](const std::string& op, const std::string& ns,
                       const std::string& object) -> std::optional<int> {
    if (op.rfind("create_", 0) != 0 && op != "change_link" && op != "move_link") return {};
    if (op == "create_namespace" || ns == "ra") return {};
    auto r = state.root_links();
    if (!r || !r->count(object)) unrecorded.push_back(op + " " + object);
    return {};
  });
  ApplyOptions o;
  o.parallelism = 1;
  ApplyReport r = apply_plan(plan, b, o);
  REQUIRE(r.ok());
  CHECK(unrecorded.empty());
  auto recorded = state.root_links();
  REQUIRE(recorded.has_value());
  CHECK(*recorded == std::set<std::string>{"rv0", "rv1", "rbr", "rvl", "rvx", "rhand", "rport"});
  // Deleted: forgotten, after the link is gone (already gone counts too).
  Plan down;
  down.actions = {act("", {op::DeleteLink{"", "rbr"}}), act("", {op::DeleteLink{"", "rgone"}})};
  REQUIRE(apply_plan(down, b, o).ok());
  CHECK(state.root_links()->count("rbr") == 0);
  CHECK(state.root_links()->count("rvx") == 1);
  (void)k.delete_namespace("ra");
}
