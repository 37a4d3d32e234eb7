// A lab reads the root namespace's links by name: the topology's and the
// ones its state directory records making (StateDir::root_links), so that
// its observation does not grow with other labs' root links. What it must
// still see: its own root links that left the topology, foreign links with
// a name it wants, and, without a record (an older netlab), every link.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lab_fixture.hpp"
#include "netlab/state_dir.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

// Lab rl: red:eth0 on bridge rl-a, and what a case adds to it: more bridges
// (lines under `bridges:`) and more links (lines under `links:`).
std::string rl_topology(const std::string& more_bridges = "", const std::string& more_links = "") {
  return R"(
name: rl
namespaces:
  red:
    interfaces:
      eth0: {}
bridges:
  rl-a: {kind: linux}
)" + more_bridges +
         R"(links:
  - [red:eth0, rl-a:va]
)" + more_links;
}

// Big: a second bridge rl-b with a root veth rl-h <-> vh on it.
const std::string kBig = rl_topology("  rl-b: {kind: linux}\n", "  - [host:rl-h, rl-b:vh]\n");
const std::string kSmall = rl_topology();
// Small plus an empty bridge rl-c.
const std::string kSmallPlusC = rl_topology("  rl-c: {kind: linux}\n");

bool root_has(FakeWorld& w, const std::string& name) {
  return w.kernel->snapshot().namespaces.at("").links.count(name) > 0;
}

}  // namespace

TEST_CASE("a lab records the root links it makes and finds them when they leave the topology",
          "[lab][root_links]") {
  FakeWorld w;
  w.kernel->seed_link("", foreign_link("other0"));
  REQUIRE_OK(w.load(kBig).up());
  StateDir state(w.options().state_root, "rl");
  auto recorded = state.root_links();
  REQUIRE(recorded.has_value());
  for (const char* n : {"rl-a", "rl-b", "rl-h", "vh", "va"}) CHECK(recorded->count(n) == 1);
  CHECK(recorded->count("other0") == 0);

  SECTION("with the record") {}
  SECTION("without it, as a lab made by an older netlab") {
    std::filesystem::remove(state.path() + "/root-links");
    REQUIRE_FALSE(state.root_links().has_value());
  }
  Lab small = w.load(kSmall);
  auto plan = small.plan();
  REQUIRE_OK(plan);
  CHECK(plan->count(ActionKind::Delete) > 0);
  REQUIRE_OK(small.up());
  CHECK_FALSE(root_has(w, "rl-b"));
  CHECK_FALSE(root_has(w, "rl-h"));
  CHECK_FALSE(root_has(w, "vh"));
  CHECK(root_has(w, "rl-a"));
  CHECK(root_has(w, "other0"));
  CHECK(w.load(kSmall).plan()->empty());
  // The record follows what down deleted.
  if (auto r = state.root_links()) CHECK(r->count("rl-b") == 0);
  REQUIRE_OK(w.load(kSmall).down());
  CHECK_FALSE(root_has(w, "rl-a"));
  CHECK(root_has(w, "other0"));
}

TEST_CASE(
    "a foreign root link with a name the lab wants still blocks it with or without the record",
    "[lab][root_links]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kSmall).up());
  REQUIRE(StateDir(w.options().state_root, "rl").root_links().has_value());
  FakeLink foreign = foreign_link("rl-c");
  foreign.kind = LinkKind::Bridge;
  foreign.kind_text = "bridge";
  w.kernel->seed_link("", foreign);
  auto plan = w.load(kSmallPlusC).plan();
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().kind == ErrorKind::Conflict);
  CHECK_THAT(plan.error().message, Catch::Contains("rl-c"));
  REQUIRE_OK(w.load(kSmall).down());
  CHECK(root_has(w, "rl-c"));
}

namespace {

// Root links marked as lab `lab`'s.
std::set<std::string> marked_in_root(FakeWorld& w, const std::string& lab) {
  std::set<std::string> out;
  auto snapshot = w.kernel->snapshot();  // kept alive: the loop reads into it
  for (const auto& [name, l] : snapshot.namespaces.at("").links)
    if (l.alias == owner_alias(lab)) out.insert(name);
  return out;
}

// No observe call read the whole root namespace.
void no_root_dump(FakeWorld& w) {
  auto all = w.kernel->observe_options();
  REQUIRE_FALSE(all.empty());
  for (const auto& o : all) CHECK((!o.root || o.root_links.has_value()));
}

}  // namespace

TEST_CASE("down finds every root link of the lab through the record alone", "[lab][root_links]") {
  FakeWorld w;
  w.kernel->seed_link("", foreign_link("other0"));
  REQUIRE_OK(w.load(kBig).up());
  // A second up of the same lab reads its root links by name only.
  w.kernel->reset_counters();
  REQUIRE_OK(w.load(kBig).up());
  no_root_dump(w);
  auto mine = marked_in_root(w, "rl");
  CHECK(mine == std::set<std::string>{"rl-a", "rl-b", "rl-h", "va", "vh"});
  // down wants nothing: the names it reads come from the record only.
  w.kernel->reset_counters();
  REQUIRE_OK(w.load(kSmall).down());
  no_root_dump(w);
  CHECK(marked_in_root(w, "rl").empty());
  CHECK(root_has(w, "other0"));
  CHECK_FALSE(std::filesystem::exists(w.options().state_root + "/rl"));
}

TEST_CASE("a lab without the record (an older netlab's) reads the whole root in down too",
          "[lab][root_links]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kBig).up());
  StateDir state(w.options().state_root, "rl");
  std::filesystem::remove(state.path() + "/root-links");
  w.kernel->reset_counters();
  REQUIRE(w.load(kBig).plan()->empty());
  auto options = w.kernel->observe_options();
  REQUIRE_FALSE(options.empty());
  for (const auto& o : options) CHECK_FALSE(o.root_links.has_value());
  // Links made now are not recorded in a record begun late (it would miss
  // the older ones): the lab stays on the whole root.
  REQUIRE_OK(w.load(kSmallPlusC).up());
  CHECK(root_has(w, "rl-c"));
  CHECK_FALSE(state.root_links().has_value());
  REQUIRE_OK(w.load(kSmall).down());
  CHECK(marked_in_root(w, "rl").empty());
}

TEST_CASE("adopting records the root link it takes over and down deletes it", "[lab][root_links]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kSmall).up());
  FakeLink hand = foreign_link("rl-c");
  hand.kind = LinkKind::Bridge;
  hand.kind_text = "bridge";
  w.kernel->seed_link("", hand);
  LabOptions o = w.options();
  o.adopt = true;
  REQUIRE_OK(w.load(kSmallPlusC, o).up());
  StateDir state(w.options().state_root, "rl");
  REQUIRE(state.root_links().has_value());
  CHECK(state.root_links()->count("rl-c") == 1);
  CHECK(marked_in_root(w, "rl").count("rl-c") == 1);
  SECTION("left out of the topology, it is deleted") {
    auto plan = w.load(kSmall).plan();
    REQUIRE_OK(plan);
    bool deletes = false;
    for (const auto& a : plan->actions)
      deletes |= a.kind == ActionKind::Delete && a.object == "rl-c";
    CHECK(deletes);
  }
  SECTION("down deletes it") {
    w.kernel->reset_counters();
    REQUIRE_OK(w.load(kSmall).down());
    no_root_dump(w);
    CHECK_FALSE(root_has(w, "rl-c"));
  }
}

namespace {

// A FakeKernel whose IPv6 addresses are tentative (duplicate address
// detection running) for the next `n` observe calls.
class TentativeKernel : public FakeKernel {
 public:
  void tentative_for(int n) { left_ = n; }
  Result<KernelState> observe(const std::vector<std::string>& namespaces,
                              const std::vector<std::string>& sysctl_keys,
                              const ObserveOptions& options = {}) override {
    auto r = FakeKernel::observe(namespaces, sysctl_keys, options);
    if (!r.ok() || left_ <= 0) return r;
    --left_;
    auto mark = [](NamespaceState& ns) {
      for (auto& [_, l] : ns.links)
        for (const auto& a : l.addresses)
          if (a.family() == 6) l.tentative.push_back(a);
    };
    mark(r->root);
    for (auto& [_, ns] : r->namespaces) mark(ns);
    return r;
  }

 private:
  int left_ = 0;
};

const char* kDad = R"(
name: rl
namespaces:
  red:
    interfaces:
      eth0: {addresses: [fd00:5::1/64]}
bridges:
  rl-a: {kind: linux}
links:
  - [red:eth0, rl-a:va]
)";

const char* kDadRoot = R"(
name: rl
namespaces:
  red:
    interfaces:
      eth0: {addresses: [fd00:5::1/64]}
bridges:
  rl-a: {kind: linux, addresses: [fd00:5::fe/64]}
links:
  - [red:eth0, rl-a:va]
)";

}  // namespace

TEST_CASE("the readiness wait reads again only what it waits for", "[lab][root_links]") {
  FakeWorld w;
  auto kernel = std::make_shared<TentativeKernel>();
  LabBackends backends = w.backends();
  backends.kernel = kernel;
  auto load = [&](const char* yaml) {
    auto lab = Lab::load(w.write("topo.yaml", yaml), w.options(), backends);
    REQUIRE_OK(lab);
    return std::move(*lab);
  };
  SECTION("an address in a namespace: the root is not read while waiting") {
    REQUIRE_OK(load(kDad).up());
    kernel->reset_counters();
    kernel->tentative_for(3);  // the no-op up's observe, then two polls
    REQUIRE_OK(load(kDad).up());
    auto options = kernel->observe_options();
    REQUIRE(options.size() == 4);
    for (std::size_t i = 1; i < options.size(); ++i) CHECK_FALSE(options[i].root);
  }
  SECTION("an address on a root bridge: only that link, by name") {
    REQUIRE_OK(load(kDadRoot).up());
    kernel->reset_counters();
    kernel->tentative_for(3);
    REQUIRE_OK(load(kDadRoot).up());
    auto options = kernel->observe_options();
    REQUIRE(options.size() == 4);
    for (std::size_t i = 1; i < options.size(); ++i) {
      CHECK(options[i].root);
      CHECK(options[i].root_links == std::optional<std::vector<std::string>>({"rl-a"}));
    }
  }
  REQUIRE_OK(load(kDad).down());
}

TEST_CASE("a lab an older netlab wrote to since reads the whole root again for good",
          "[lab][root_links]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kSmall).up());
  StateDir state(w.options().state_root, "rl");
  REQUIRE(state.root_links().has_value());
  // An older netlab's up: lab.json without the record's key, and a root
  // link of the lab that it did not record.
  { std::ofstream(state.path() + "/lab.json") << R"({"lab": "rl"})"; }
  FakeLink made;
  made.name = "rl-z";
  made.kind = LinkKind::Bridge;
  made.kind_text = "bridge";
  made.alias = owner_alias("rl");
  w.kernel->seed_link("", made);
  CHECK_FALSE(state.root_links().has_value());
  // This netlab's up writes lab.json again: the record does not come back.
  REQUIRE_OK(w.load(kSmallPlusC).up());
  CHECK_FALSE(state.root_links().has_value());
  REQUIRE_OK(w.load(kSmall).down());
  CHECK(marked_in_root(w, "rl").empty());
  CHECK_FALSE(root_has(w, "rl-z"));
}
