// A host sysctl that netlab's root namespace does not have (a key of the
// host's initial namespace, when netlab runs in another one): plan and up
// refuse it with the reason before anything changes. The fake kernel's root
// namespace has only the forwarding and conf keys of a fresh namespace, so
// net.ipv4.tcp_low_latency is absent there, as on a simulated machine.
#include <catch2/catch.hpp>
#include <cerrno>

#include "lab_fixture.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

const char* kRootOnly = R"(name: rootonly
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.9.0.1/24]}
bridges:
  br-ro: {kind: linux}
links:
  - [a:eth0, br-ro:va]
host:
  sysctls: {net.ipv4.conf.br-ro.forwarding: 1, net.ipv4.tcp_low_latency: 1}
)";

const char* kReason =
    "set sysctl net.ipv4.tcp_low_latency = 1: the network namespace netlab runs in has no "
    "net.ipv4.tcp_low_latency";

}  // namespace

TEST_CASE("a host sysctl the root namespace lacks stops plan and up before any change",
          "[lab][sysctl]") {
  FakeWorld w;
  auto read = w.kernel->read_sysctl("", "net.ipv4.tcp_low_latency");
  REQUIRE_FALSE(read.ok());
  REQUIRE(read.error().sys_errno == ENOENT);  // the fake is the kernel of such a namespace
  Lab lab = w.load(kRootOnly);
  auto before = w.kernel->snapshot();

  auto plan = lab.plan();
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message.find(kReason) != std::string::npos);
  CHECK(plan.error().message.find("remove it from host.sysctls") != std::string::npos);
  CHECK(plan.error().where.line == 11);

  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().message.find(kReason) != std::string::npos);
  CHECK(w.kernel->mutations() == 0);
  CHECK(w.ovs->commits == 0);
  CHECK(w.kernel->snapshot() == before);
  CHECK_FALSE(std::filesystem::exists(w.dir / "state" / "rootonly"));
}

TEST_CASE("a host sysctl of a bridge the lab makes is planned, not refused", "[lab][sysctl]") {
  // Its key is absent before the up as well: only the apply can tell.
  FakeWorld w;
  std::string yaml = kRootOnly;
  auto at = yaml.find(", net.ipv4.tcp_low_latency: 1");
  REQUIRE(at != std::string::npos);
  yaml.erase(at, std::string(", net.ipv4.tcp_low_latency: 1").size());
  Lab lab = w.load(yaml);
  REQUIRE_FALSE(w.kernel->read_sysctl("", "net.ipv4.conf.br-ro.forwarding").ok());
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  bool planned = false;
  for (const auto& a : plan->actions)
    planned |= a.resource == "sysctl" && a.object == "net.ipv4.conf.br-ro.forwarding = 1";
  CHECK(planned);
}

// Up records the key's value once the bridge is there, to restore it; down
// must restore it before the bridge goes (after, the key is gone: ENOENT on
// the kernel as on the fake), and not at all once the bridge is gone.
TEST_CASE("a host sysctl of a bridge the lab makes is set by up and goes with the bridge",
          "[lab][sysctl]") {
  FakeWorld w;
  std::string yaml = kRootOnly;
  auto at = yaml.find(", net.ipv4.tcp_low_latency: 1");
  REQUIRE(at != std::string::npos);
  yaml.erase(at, std::string(", net.ipv4.tcp_low_latency: 1").size());
  REQUIRE_OK(w.load(yaml).up());
  auto v = w.kernel->read_sysctl("", "net.ipv4.conf.br-ro.forwarding");
  REQUIRE_OK(v);
  CHECK(*v == "1");
  CHECK(w.load(yaml).plan()->empty());
  SECTION("down") {}
  SECTION("down after the bridge was deleted by hand") {
    REQUIRE_OK(w.kernel->delete_link("", "br-ro"));
  }
  REQUIRE_OK(w.load(yaml).down());
  CHECK_FALSE(w.kernel->read_sysctl("", "net.ipv4.conf.br-ro.forwarding").ok());
  CHECK_FALSE(std::filesystem::exists(w.dir / "state" / "rootonly"));
}
