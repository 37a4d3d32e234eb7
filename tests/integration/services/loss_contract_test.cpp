// The shared loss contract (tests/support/loss_contract.hpp), run against
// libnftables on the real kernel (root), in namespaces of its own.
#include "support/loss_contract.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "netlab/kernel.hpp"
#include "netlab/loss.hpp"
#include "support/system.hpp"

using namespace netlab;

TEST_CASE("nftables honours the loss contract", "[integration][loss][contract]") {
  REQUIRE(geteuid() == 0);
  auto kernel = make_netlink_kernel();
  auto loss = make_nftables_loss();
  testing::loss_contract(*loss, *kernel, testing::unique_name());
}
