// Issue 10, defect 2 (defence in depth): whatever key reaches the kernel
// seam, it reads and writes files under /proc/sys/net only. The validator
// refuses such keys first; this is the fence behind it.
#include <catch2/catch.hpp>
#include <cerrno>
#include <fstream>

#include "netlab/kernel.hpp"

namespace netlab {
namespace {

std::string proc_value(const char* path) {
  std::ifstream in(path);
  std::string v;
  std::getline(in, v);
  return v;
}

TEST_CASE("the sysctl writer refuses every key outside net.", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  // Writing the value a key already has changes nothing even on a build
  // without the fence, so this test is safe to run before the fix too.
  const std::string domain = proc_value("/proc/sys/kernel/domainname");
  const std::string swappiness = proc_value("/proc/sys/vm/swappiness");
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"kernel.domainname", domain},
                                                        {"kernel/domainname", domain},
                                                        {"vm.swappiness", swappiness},
                                                        {"net/../kernel/domainname", domain},
                                                        {"net/../vm/swappiness", swappiness},
                                                        {"net//../kernel/domainname", domain}}) {
    INFO(key);
    auto w = k->write_sysctl("", key, value);
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().sys_errno == EINVAL);
    auto r = k->read_sysctl("", key);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().sys_errno == EINVAL);
  }
  CHECK(proc_value("/proc/sys/kernel/domainname") == domain);
  CHECK(proc_value("/proc/sys/vm/swappiness") == swappiness);
  // A networking key still reads.
  CHECK(k->read_sysctl("", "net.ipv4.ip_forward").ok());
}

}  // namespace
}  // namespace netlab
