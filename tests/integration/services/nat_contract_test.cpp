// The shared NAT contract (tests/support/nat_contract.hpp), run against
// libnftables: the same checks the FakeNat passes. Each case uses labs named
// after a name unique to it; their tables go even when a check fails.
#include "support/nat_contract.hpp"

#include <catch2/catch.hpp>

#include "netlab/nat.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

#define NETLAB_NAT_CONTRACT_CASE(fn)                                   \
  TEST_CASE("nftables honours " #fn, "[integration][nat][contract]") { \
    auto nat = make_nftables_nat();                                    \
    testing::fn(*nat, testing::unique_name());                         \
  }

NETLAB_NAT_CONTRACT_CASE(nat_contract_missing_table)
NETLAB_NAT_CONTRACT_CASE(nat_contract_apply_creates)
NETLAB_NAT_CONTRACT_CASE(nat_contract_apply_replaces)
NETLAB_NAT_CONTRACT_CASE(nat_contract_remove)
NETLAB_NAT_CONTRACT_CASE(nat_contract_labs_are_separate)
NETLAB_NAT_CONTRACT_CASE(nat_contract_refuses_ipv6_unchanged)

}  // namespace
}  // namespace netlab
