// The shared kernel contract (tests/support/kernel_contract.hpp), run against
// the real kernel: the same checks the FakeKernel passes.
#include <catch2/catch.hpp>

#include "netlab/kernel.hpp"
#include "support/kernel_contract.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

#define NETLAB_CONTRACT_CASE(fn)                                             \
  TEST_CASE("real kernel honours " #fn, "[integration][kernel][contract]") { \
    auto k = make_netlink_kernel();                                          \
    testing::fn(*k, testing::unique_name());                                 \
  }

NETLAB_CONTRACT_CASE(contract_namespace_lifecycle)
NETLAB_CONTRACT_CASE(contract_veth_across_namespaces)
NETLAB_CONTRACT_CASE(contract_delete_one_veth_end_removes_peer)
NETLAB_CONTRACT_CASE(contract_delete_namespace_destroys_links)
NETLAB_CONTRACT_CASE(contract_duplicate_create_eexist)
NETLAB_CONTRACT_CASE(contract_addresses)
NETLAB_CONTRACT_CASE(contract_routes)
NETLAB_CONTRACT_CASE(contract_vxlan)
NETLAB_CONTRACT_CASE(contract_link_changes)
NETLAB_CONTRACT_CASE(contract_move_link)
NETLAB_CONTRACT_CASE(contract_sysctls)
NETLAB_CONTRACT_CASE(contract_interface_sysctls)
NETLAB_CONTRACT_CASE(contract_errors_name_operation_object_and_errno)
NETLAB_CONTRACT_CASE(contract_root_links_by_name)

}  // namespace
}  // namespace netlab
