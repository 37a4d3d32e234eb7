// The shared processes contract (tests/support/processes_contract.hpp), run
// against the real seam on the real kernel (root): the same checks the
// FakeProcesses passes. Namespaces are named after a name unique to each
// case, and deleted, with the processes ended, even when a check fails.
#include "support/processes_contract.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "netlab/kernel.hpp"
#include "netlab/processes.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

namespace t = netlab::testing;

struct RealProcessesWorld final : t::ProcessesWorld {
  std::unique_ptr<Kernel> real_kernel = make_netlink_kernel();
  std::unique_ptr<Processes> real = make_real_processes();
  std::string scratch;

  RealProcessesWorld() {
    REQUIRE(geteuid() == 0);
    char tmpl[] = "/tmp/netlab-proc-contract-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    scratch = tmpl;
  }
  ~RealProcessesWorld() override {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  }
  Processes& processes() override { return *real; }
  Kernel& kernel() override { return *real_kernel; }
  std::string dir() override { return scratch; }
};

#define NETLAB_PROCESSES_CONTRACT_CASE(fn)                                        \
  TEST_CASE("real processes honour " #fn, "[integration][processes][contract]") { \
    RealProcessesWorld w;                                                         \
    t::fn(w, t::unique_name());                                                   \
  }

NETLAB_PROCESSES_CONTRACT_CASE(processes_contract_spawn_in_namespace)
NETLAB_PROCESSES_CONTRACT_CASE(processes_contract_missing_namespace)
NETLAB_PROCESSES_CONTRACT_CASE(processes_contract_namespace_deleted_under_process)
NETLAB_PROCESSES_CONTRACT_CASE(processes_contract_daemon_pid_file)
NETLAB_PROCESSES_CONTRACT_CASE(processes_contract_spawn_with_options)

}  // namespace
}  // namespace netlab
