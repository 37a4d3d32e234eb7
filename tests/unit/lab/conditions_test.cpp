// Link conditions on the fakes: the family's plan rows, what reaches the
// kernel (tbf or netem root qdisc, marked 4e4c:) and the loss tables (a drop
// on the peer's ingress), idempotence, drift, refusal without netem, foreign
// qdiscs, rollback and down.
#include <catch2/catch.hpp>

#include "lab_fixture.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

// a:e0 - b:e0 limited to 10 Mbit/s both ways; a:e1 loses 30 % of what it
// sends; a:e2 is down.
const char* kLab = R"(
name: cond
namespaces:
  a:
    interfaces:
      e0: {addresses: [10.7.1.1/24]}
      e1: {addresses: [10.7.2.1/24], conditions: {loss: 30%}}
      e2: {addresses: [10.7.3.1/24], state: down}
  b:
    interfaces:
      e0: {addresses: [10.7.1.2/24]}
      e1: {addresses: [10.7.2.2/24]}
      e2: {addresses: [10.7.3.2/24]}
links:
  - endpoints: [a:e0, b:e0]
    conditions: {rate: 10mbit}
  - [a:e1, b:e1]
  - [a:e2, b:e2]
)";

std::string with(std::string t, const std::string& from, const std::string& to) {
  auto at = t.find(from);
  REQUIRE(at != std::string::npos);
  t.replace(at, from.size(), to);
  return t;
}

const FakeLink& link(FakeWorld& w, const std::string& ns, const std::string& name) {
  static FakeKernelSnapshot snap;
  snap = w.kernel->snapshot();
  return snap.namespaces.at(ns).links.at(name);
}

std::vector<std::string> rows(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions)
    if (a.shown()) out.push_back(format_action(a));
  return out;
}

}  // namespace

TEST_CASE("conditions: rate by tbf, loss by a drop on the peer, state down", "[lab][conditions]") {
  FakeWorld w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());

  // 10 Mbit/s = 1 250 000 bytes/s; default bucket 10 ms of it, queue 50 ms + bucket.
  for (const char* ns : {"a", "b"}) {
    const FakeLink& e0 = link(w, ns, "e0");
    REQUIRE(e0.qdisc);
    CHECK(e0.qdisc->kind == "tbf");
    CHECK(e0.qdisc->handle == 0x4e4c0000u);
    CHECK(e0.qdisc->tbf.rate == 10000000u);
    CHECK(e0.qdisc->tbf.burst == 12500u);
    CHECK(e0.qdisc->tbf.limit == 75000u);
  }
  // Loss on a:e1's egress is a drop on the ingress of b:e1, nothing on a.
  CHECK_FALSE(link(w, "a", "e1").qdisc);
  auto tb = w.loss->table("cond", "b");
  REQUIRE(tb);
  REQUIRE(tb->chains.size() == 1);
  CHECK(tb->chains[0] == LossChainState{"e1", 300000});
  CHECK_FALSE(w.loss->table("cond", "a"));
  CHECK_FALSE(w.loss->table("cond", ""));
  CHECK_FALSE(link(w, "a", "e2").up);
  CHECK(link(w, "b", "e2").up);

  w.kernel->reset_counters();
  auto again = lab.up();
  REQUIRE_OK(again);
  CHECK(again->plan.empty());
  CHECK(w.kernel->mutations() == 0);
  CHECK(w.loss->calls("set") == 1);
}

TEST_CASE("conditions: each change is one plan row", "[lab][conditions]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kLab).up());

  SECTION("loss 30% -> 5%") {
    Lab lab = w.load(with(kLab, "loss: 30%", "loss: 5%"));
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(rows(*plan) ==
          std::vector<std::string>{"~ conditions e1 (loss 30% -> loss 5%; by nftables drop "
                                   "on e1 (netns b))"});
    REQUIRE_OK(lab.up());
    CHECK(w.loss->table("cond", "b")->chains[0].ppm == 50000);
  }
  SECTION("state: down removed") {
    Lab lab = w.load(with(kLab, ", state: down", ""));
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(rows(*plan) == std::vector<std::string>{"~ veth e2 (down -> up)"});
    REQUIRE_OK(lab.up());
    CHECK(link(w, "a", "e2").up);
  }
  SECTION("rate removed") {
    Lab lab = w.load(with(kLab, "    conditions: {rate: 10mbit}\n", ""));
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(plan->count(ActionKind::Delete) == 2);
    CHECK(plan->actions.size() == 2);
    REQUIRE_OK(lab.up());
    CHECK_FALSE(link(w, "a", "e0").qdisc);
    CHECK_FALSE(link(w, "b", "e0").qdisc);
  }
  SECTION("loss removed: the table goes with its last chain") {
    Lab lab = w.load(with(kLab, ", conditions: {loss: 30%}", ""));
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(rows(*plan) ==
          std::vector<std::string>{"- conditions e1 (loss 30% -> none (not in topology))"});
    REQUIRE_OK(lab.up());
    CHECK_FALSE(w.loss->table("cond", "b"));
  }
}

TEST_CASE("conditions: drift by hand is shown and repaired alone", "[lab][conditions]") {
  FakeWorld w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  SECTION("qdisc deleted") {
    REQUIRE_OK(w.kernel->delete_root_qdisc("b", "e0"));
    auto st = lab.status();
    REQUIRE_OK(st);
    CHECK(st->drifted == 1);
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(rows(*plan) == std::vector<std::string>{"+ conditions e0 (rate 10mbit; by tbf)"});
  }
  SECTION("qdisc changed") {
    RootQdisc q = *link(w, "a", "e0").qdisc;
    q.tbf.rate = 20000000;
    REQUIRE_OK(w.kernel->set_root_qdisc("a", "e0", q));
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(rows(*plan) ==
          std::vector<std::string>{"~ conditions e0 (rate 20mbit -> rate 10mbit; by tbf)"});
  }
  SECTION("loss table deleted") {
    w.loss->drop_table("cond", "b");
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(rows(*plan) ==
          std::vector<std::string>{"+ conditions e1 (loss 30%; by nftables drop on e1 "
                                   "(netns b))"});
  }
  SECTION("link set up by hand") {
    LinkChange up;
    up.up = true;
    REQUIRE_OK(w.kernel->change_link("a", "e2", up));
    auto plan = lab.plan();
    REQUIRE_OK(plan);
    CHECK(rows(*plan) == std::vector<std::string>{"~ veth e2 (up -> down)"});
  }
  auto repaired = lab.up();
  REQUIRE_OK(repaired);
  CHECK(repaired->plan.actions.size() == 1);
  auto after = lab.plan();
  REQUIRE_OK(after);
  CHECK(after->empty());
}

TEST_CASE("conditions: delay without netem fails at plan and changes nothing",
          "[lab][conditions]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kLab).up());
  auto before = w.kernel->snapshot();
  w.kernel->reset_counters();
  Lab lab = w.load(with(kLab, "{rate: 10mbit}", "{rate: 10mbit, delay: 20ms}"));
  auto plan = lab.plan();
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message.find("delay needs the kernel's netem qdisc (sch_netem)") !=
        std::string::npos);
  CHECK(plan.error().message.find("interface e0 (netns a)") != std::string::npos);
  // At the delay's value: line 16 of kLab, column 39.
  CHECK(plan.error().str().find("topo.yaml:16:39: ") != std::string::npos);
  CHECK_FALSE(lab.up().ok());
  CHECK(w.kernel->mutations() == 0);
  CHECK(w.kernel->snapshot() == before);
  CHECK(w.loss->calls("set") == 1);
}

TEST_CASE("conditions: with netem everything is one netem qdisc", "[lab][conditions]") {
  FakeWorld w;
  KernelCapabilities caps = w.kernel->capabilities();
  caps.netem = true;
  w.kernel->set_capabilities(caps);
  Lab lab = w.load(with(kLab, "{rate: 10mbit}",
                        "{rate: 10mbit, delay: 20ms, jitter: 5ms, duplicate: 1%, corrupt: 0.1%}"));
  REQUIRE_OK(lab.up());
  const FakeLink& e0 = link(w, "a", "e0");
  REQUIRE(e0.qdisc);
  CHECK(e0.qdisc->kind == "netem");
  CHECK(e0.qdisc->handle == 0x4e4c0000u);
  CHECK(e0.qdisc->netem.rate == 10000000u);
  CHECK(e0.qdisc->netem.delay == 20000u);
  CHECK(e0.qdisc->netem.jitter == 5000u);
  CHECK(e0.qdisc->netem.duplicate == 10000u);
  CHECK(e0.qdisc->netem.corrupt == 1000u);
  const FakeLink& e1 = link(w, "a", "e1");
  REQUIRE(e1.qdisc);
  CHECK(e1.qdisc->netem.loss == 300000u);
  CHECK_FALSE(w.loss->table("cond", "b"));  // netem does the loss, no nftables
  auto again = lab.plan();
  REQUIRE_OK(again);
  CHECK(again->empty());
}

TEST_CASE("conditions: a foreign root qdisc is refused unless --adopt", "[lab][conditions]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kLab).up());
  RootQdisc foreign{"tbf", 0x10000, {1000000, 5000, 70000}, {}};
  REQUIRE_OK(w.kernel->set_root_qdisc("a", "e0", foreign));
  auto plan = w.load(kLab).plan();
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().kind == ErrorKind::Conflict);
  CHECK(plan.error().message.find("root qdisc tbf that netlab did not make") != std::string::npos);
  CHECK(link(w, "a", "e0").qdisc->handle == 0x10000u);

  LabOptions o = w.options();
  o.adopt = true;
  REQUIRE_OK(w.load(kLab, o).up());
  CHECK(link(w, "a", "e0").qdisc->handle == 0x4e4c0000u);
}

TEST_CASE("conditions: a failed up rolls conditions back", "[lab][conditions]") {
  FakeWorld w;
  REQUIRE_OK(w.load(with(kLab, "loss: 30%", "loss: 10%")).up());
  auto before = w.kernel->snapshot();
  auto table_before = w.loss->table("cond", "b");
  // Rate and loss change; the loss change fails.
  w.loss->fail_next("set", make_error(ErrorKind::Kernel, "nftables: injected"));
  Lab lab = w.load(with(with(kLab, "{rate: 10mbit}", "{rate: 20mbit}"), "loss: 30%", "loss: 40%"));
  CHECK_FALSE(lab.up().ok());
  CHECK(w.kernel->snapshot() == before);
  REQUIRE(w.loss->table("cond", "b"));
  CHECK(w.loss->table("cond", "b")->chains == table_before->chains);
}

TEST_CASE("conditions: down leaves no qdisc, table or link", "[lab][conditions]") {
  FakeWorld w;
  // A host end: its drop table lives in the root namespace, which stays.
  std::string t = with(kLab, "  - [a:e2, b:e2]\n", "  - [a:e2, b:e2]\n  - [a:e3, host:cond-h]\n");
  t = with(t, "      e2: {addresses: [10.7.3.1/24], state: down}\n",
           "      e2: {addresses: [10.7.3.1/24], state: down}\n"
           "      e3: {conditions: {loss: 2%, rate: 1mbit}}\n");
  Lab lab = w.load(t);
  REQUIRE_OK(lab.up());
  REQUIRE(w.loss->table("cond", ""));
  REQUIRE_OK(lab.down());
  CHECK_FALSE(w.loss->table("cond", ""));
  auto snap = w.kernel->snapshot();
  CHECK(snap.namespaces.size() == 1);
  CHECK(snap.namespaces.at("").links.count("cond-h") == 0);
}

TEST_CASE("conditions: the C++ API changes an end's conditions and state", "[lab][conditions]") {
  FakeWorld w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  // a:e0 gets loss instead of the link's rate; b:e0 keeps the rate.
  REQUIRE_OK(lab.set_conditions("a:e0", "{loss: 20%}"));
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  CHECK(rows(*plan) ==
        std::vector<std::string>{"~ conditions e0 (rate 10mbit -> loss 20%; by nftables drop on e0 "
                                 "(netns b))"});
  REQUIRE_OK(lab.up());
  CHECK_FALSE(link(w, "a", "e0").qdisc);
  CHECK(link(w, "b", "e0").qdisc->tbf.rate == 10000000u);
  CHECK(w.loss->table("cond", "b")->find("e0")->ppm == 200000u);
  REQUIRE_OK(lab.set_conditions("a:e0", ""));
  REQUIRE_OK(lab.up());
  CHECK_FALSE(w.loss->table("cond", "b")->find("e0"));

  REQUIRE_OK(lab.set_link_state("b:e1", false));
  plan = lab.plan();
  REQUIRE_OK(plan);
  CHECK(rows(*plan) == std::vector<std::string>{"~ veth e1 (up -> down)"});
  REQUIRE_OK(lab.up());
  CHECK_FALSE(link(w, "b", "e1").up);

  auto nowhere = lab.set_conditions("a:e9", "{loss: 1%}");
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.error().message.find("no link has the end 'a:e9'") != std::string::npos);
  auto bad = lab.set_conditions("a:e0", "{loss: 200%}");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("loss '200%' is more than 100%") != std::string::npos);
  auto again = lab.plan();
  REQUIRE_OK(again);
  CHECK(again->empty());
}
