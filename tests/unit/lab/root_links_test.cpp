// A lab reads the root namespace's links by name: the topology's and the
// ones its state directory records making (StateDir::root_links), so that
// its observation does not grow with other labs' root links. What it must
// still see: its own root links that left the topology, foreign links with
// a name it wants, and, without a record (an older netlab), every link.
#include <catch2/catch.hpp>
#include <filesystem>

#include "lab_fixture.hpp"
#include "netlab/state_dir.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

const char* kBig = R"(
name: rl
namespaces:
  red:
    interfaces:
      eth0: {}
bridges:
  rl-a: {kind: linux}
  rl-b: {kind: linux}
links:
  - [red:eth0, rl-a:va]
  - [host:rl-h, rl-b:vh]
)";

const char* kSmall = R"(
name: rl
namespaces:
  red:
    interfaces:
      eth0: {}
bridges:
  rl-a: {kind: linux}
links:
  - [red:eth0, rl-a:va]
)";

const char* kSmallPlusC = R"(
name: rl
namespaces:
  red:
    interfaces:
      eth0: {}
bridges:
  rl-a: {kind: linux}
  rl-c: {kind: linux}
links:
  - [red:eth0, rl-a:va]
)";

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

TEST_CASE("a foreign root link with a name the lab wants still blocks it, record or not",
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
