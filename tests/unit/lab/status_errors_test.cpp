// `status` plans as `up` does (the kernel's features, OVS's datapath) and
// shows what would stop `up` instead of dropping it; a damaged record of the
// lab's daemons is an error that names the file, never "no daemons".
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "lab_fixture.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

const char* kLab = R"(
name: sterr
namespaces:
  red:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
bridges:
  br-se:
    kind: linux
links:
  - [red:eth0, br-se:vse]
)";

// The same lab with a second bridge, whose name an interface of no lab has.
const char* kLabMore = R"(
name: sterr
namespaces:
  red:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
bridges:
  br-se:
    kind: linux
  br-taken:
    kind: linux
links:
  - [red:eth0, br-se:vse]
)";

const char* kVlanLab = R"(
name: stvlan
namespaces:
  red:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
      eth0.10: {vlan: {parent: eth0, id: 10}, addresses: [10.10.0.1/24]}
  blue:
    interfaces:
      eth0: {addresses: [10.0.0.2/24]}
links:
  - [red:eth0, blue:eth0]
)";

const StatusEntry* find(const StatusReport& r, const std::string& ns, const std::string& object) {
  for (const auto& e : r.entries)
    if (e.ns == ns && e.object == object) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("status shows the conflict that stops up, not \"no drift\"", "[lab][status]") {
  FakeWorld w;
  REQUIRE_OK(w.load(kLab).up());
  w.kernel->seed_link("", foreign_link("br-taken"));

  Lab lab = w.load(kLabMore);
  auto plan = lab.plan();
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().kind == ErrorKind::Conflict);

  auto st = lab.status();
  REQUIRE_OK(st);
  REQUIRE(st->errors.size() == 1);
  CHECK(st->errors[0].kind == ErrorKind::Conflict);
  CHECK_THAT(st->errors[0].str(), Catch::Contains("'br-taken'") && Catch::Contains("--adopt"));
  // The row of the object in the way: listed, with its live state.
  const StatusEntry* row = find(*st, "", "br-taken");
  REQUIRE(row);
  CHECK(row->state.rfind("up", 0) == 0);
}

TEST_CASE("status plans with the kernel's features: a lab with an 802.1Q sub-interface",
          "[lab][status]") {
  FakeWorld w;
  KernelCapabilities caps;
  caps.veth = caps.bridge = caps.bridge_vlan_filtering = caps.vlan_8021q = true;
  w.kernel->set_capabilities(caps);
  REQUIRE_OK(w.load(kVlanLab).up());

  auto st = w.load(kVlanLab).status();
  REQUIRE_OK(st);
  CHECK(st->errors.empty());
  CHECK(st->drifted == 0);

  // Drift of the sub-interface shows (with no capabilities the planner
  // refused the sub-interface, and status showed no drift at all).
  REQUIRE_OK(w.kernel->delete_link("red", "eth0.10"));
  auto after = w.load(kVlanLab).status();
  REQUIRE_OK(after);
  CHECK(after->errors.empty());
  const StatusEntry* row = find(*after, "red", "eth0.10");
  REQUIRE(row);
  CHECK(row->state == "missing");
  CHECK_FALSE(row->drift.empty());
  CHECK(after->drifted >= 1);
}

TEST_CASE("a corrupt daemons.json is an error naming the file, not \"no daemons\"",
          "[lab][status]") {
  FakeWorld w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  const std::string file = lab.state().path() + "/daemons.json";
  std::ofstream(file) << "[{\"kind\": \"dnsmasq\", \"ns\": ";  // cut short

  auto st = w.load(kLab).status();
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains(file) && Catch::Contains("corrupt"));
  auto down = w.load(kLab).down();
  REQUIRE_FALSE(down.ok());
  CHECK_THAT(down.error().message, Catch::Contains(file));
  // Nothing was written over the record.
  CHECK_FALSE(lab.state().daemons().ok());

  SECTION("a record that is JSON but no daemon") {
    std::ofstream(file) << "[{\"kind\": \"dnsmasq\"}]\n";
    auto again = lab.state().daemons();
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().message, Catch::Contains("entry 1"));
  }
  // Once the file is gone (the daemons stopped by hand), down works.
  std::filesystem::remove(file);
  REQUIRE_OK(w.load(kLab).down());
}
