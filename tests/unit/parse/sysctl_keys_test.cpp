// Issue 10, defect 2: a topology sets networking sysctls only, and in a lab
// namespace only those the kernel keeps per network namespace.
#include "parse/sysctl_keys.hpp"

#include <catch2/catch.hpp>

#include "parse/parse.hpp"

using namespace netlab;

namespace {

std::string problem(std::string_view key, bool in_namespace) {
  auto p = sysctl_key_problem(key, in_namespace);
  return p ? *p : "";
}

}  // namespace

TEST_CASE("only net. sysctls, on the host and in namespaces", "[parse][sysctl]") {
  for (bool in_ns : {false, true}) {
    CHECK(problem("kernel.core_pattern", in_ns).find("not a networking sysctl") !=
          std::string::npos);
    CHECK(problem("vm.swappiness", in_ns).find("not a networking sysctl") != std::string::npos);
    CHECK(problem("kernel/domainname", in_ns).find("not a networking sysctl") != std::string::npos);
    CHECK(problem("netx.a", in_ns).find("not a networking sysctl") != std::string::npos);
    CHECK(problem("net/../kernel/core_pattern", in_ns).find("'..'") != std::string::npos);
    CHECK(problem("net//ipv4/ip_forward", in_ns).find("empty") != std::string::npos);
    CHECK(problem("net/ipv4/./ip_forward", in_ns) != "");
    CHECK(problem("../../etc/shadow", in_ns) != "");
    CHECK(problem("net.ipv4.ip_forward\n", in_ns) != "");
    CHECK(problem("", in_ns) != "");
    CHECK(problem("net.ipv4.ip_forward", in_ns) == "");
    CHECK(problem("net.ipv6.conf.all.forwarding", in_ns) == "");
    CHECK(problem("net/ipv4/conf/eth0.100/forwarding", in_ns) == "");
  }
}

TEST_CASE("a namespace may set only per-namespace keys", "[parse][sysctl]") {
  for (const char* k :
       {"net.core.rmem_max", "net.core.wmem_max", "net.core.netdev_max_backlog",
        "net.core.bpf_jit_enable", "net.core.default_qdisc", "net.ipv4.tcp_mem",
        "net.ipv4.route.max_size", "net.ipv4.neigh.default.gc_thresh3",
        "net.ipv6.neigh.default.gc_thresh1", "net.nf_conntrack_max", "net/core/rmem_max"}) {
    INFO(k);
    CHECK(problem(k, true).find("namespace cannot set it") != std::string::npos);
    CHECK(problem(k, false) == "");  // the host may
  }
  for (const char* k : {"net.core.somaxconn", "net.ipv4.ip_forward", "net.ipv4.route.min_pmtu",
                        "net.ipv4.neigh.lo.gc_stale_time", "net.ipv4.tcp_rmem",
                        "net.ipv6.conf.default.disable_ipv6", "net.ipv4.ping_group_range"}) {
    INFO(k);
    CHECK(problem(k, true) == "");
  }
}

TEST_CASE("sysctl refusals carry the key's position", "[parse][sysctl]") {
  auto r = parse_topology("namespaces:\n  red:\n    sysctls: {vm.swappiness: 37}\n", "s.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].where.line == 3);
  CHECK(r.errors[0].where.column == 15);
  CHECK(r.errors[0].message ==
        "namespace 'red': sysctl 'vm.swappiness' is not a networking sysctl: a topology may set "
        "only keys under net. (it would change the whole machine, not the lab)");
}
