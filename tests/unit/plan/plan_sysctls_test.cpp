// A sysctl the namespace does not have is refused by the plan, before
// anything changes, unless the apply itself may bring it (a key of an
// interface the lab makes, a conntrack key).
#include <catch2/catch.hpp>

#include "netlab/plan.hpp"

using namespace netlab;

namespace {

struct World {
  DesiredState desired;
  LiveState live;
  World() {
    desired.lab = "lab1";
    live.kernel.namespaces["red"].name = "red";
  }
  void want(const std::string& ns, const std::string& key, const std::string& value) {
    desired.sysctls.push_back({ns, key, value, SourcePos{"topo.yaml", 7, 3}});
  }
  PlanResult plan() const { return make_plan(desired, live, PlanOptions{}); }
};

std::size_t sysctl_actions(const Plan& p) {
  std::size_t n = 0;
  for (const auto& a : p.actions) n += a.resource == "sysctl";
  return n;
}

}  // namespace

TEST_CASE("a host sysctl the root namespace does not have is a plan error", "[plan][sysctl]") {
  World w;
  w.want("", "net.ipv4.tcp_low_latency", "1");
  w.live.kernel.root.missing_sysctls = {"net.ipv4.tcp_low_latency"};
  auto r = w.plan();
  REQUIRE(r.errors.size() == 1);
  const Error& e = r.errors[0];
  CHECK(e.kind == ErrorKind::Unsupported);
  CHECK(e.where.line == 7);
  CHECK(e.message ==
        "set sysctl net.ipv4.tcp_low_latency = 1: the network namespace netlab runs in has no "
        "net.ipv4.tcp_low_latency (some keys exist only in the host's initial namespace, and in "
        "a container or on a simulated machine netlab's root namespace is another one); set it "
        "outside netlab, or remove it from host.sysctls");
  CHECK(sysctl_actions(r.plan) == 0);
}

TEST_CASE("a namespace's sysctl it does not have is a plan error", "[plan][sysctl]") {
  World w;
  w.want("red", "net.ipv4.no_such_key", "1");
  w.live.kernel.namespaces["red"].missing_sysctls = {"net.ipv4.no_such_key"};
  auto r = w.plan();
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message ==
        "set sysctl net.ipv4.no_such_key = 1 (netns red): namespace red has no "
        "net.ipv4.no_such_key");
}

TEST_CASE("a sysctl the apply may bring is planned, not refused", "[plan][sysctl]") {
  World w;
  // Keys of an interface appear with it; the conntrack keys with nf_conntrack.
  const std::vector<std::string> keys = {"net.ipv4.conf.br0.forwarding",
                                         "net.ipv6.conf.br0.forwarding",
                                         "net.ipv4.neigh.br0.gc_stale_time",
                                         "net/ipv4/conf/eth0.100/rp_filter",
                                         "net.netfilter.nf_conntrack_tcp_timeout_established",
                                         "net.nf_conntrack_max"};
  for (const auto& k : keys) {
    w.want("", k, "1");
    w.live.kernel.root.missing_sysctls.insert(k);
  }
  auto r = w.plan();
  CHECK(r.errors.empty());
  CHECK(sysctl_actions(r.plan) == keys.size());
}

TEST_CASE("all and default are there from the start: their absence is an error", "[plan][sysctl]") {
  World w;
  w.want("", "net.ipv6.conf.all.forwarding", "1");          // no IPv6 in the namespace
  w.want("", "net.ipv4.neigh.default.gc_thresh3", "4096");  // only in the initial namespace
  w.live.kernel.root.missing_sysctls = {"net.ipv6.conf.all.forwarding",
                                        "net.ipv4.neigh.default.gc_thresh3"};
  CHECK(w.plan().errors.size() == 2);
}

TEST_CASE("a sysctl that was only not read is still planned as before", "[plan][sysctl]") {
  // A live state that does not say the key is missing (not asked for, or
  // built by hand) plans a write, as it always did.
  World w;
  w.want("", "net.ipv4.tcp_low_latency", "1");
  w.want("red", "net.ipv4.ip_forward", "1");
  auto r = w.plan();
  CHECK(r.errors.empty());
  CHECK(sysctl_actions(r.plan) == 2);
}
