// The loss contract: what every LossTables implementation must do
// (include/netlab/loss.hpp), as one function with Catch2 assertions inside.
// Run against the FakeLoss on a FakeKernel (tests/unit/fakes/fake_loss_test.cpp)
// and against libnftables on the real kernel
// (tests/integration/services/loss_contract_test.cpp).
//
// It makes its own namespaces `prefix` + a short suffix through `kernel`
// (`prefix` at most 11 characters, unique to the call) and removes them,
// and with them the tables, even when an assertion fails.
#pragma once

#include <string>

#include "netlab/kernel.hpp"
#include "netlab/loss.hpp"

namespace netlab::testing {

/// In a namespace without a table observe lists nothing and clear() succeeds;
/// set() makes the table with the device's chain; the same set() again
/// changes nothing; another ppm replaces the drop (one chain); a second
/// device is a second chain; clear() of one leaves the other, of the last
/// removes the table; another lab's table is never touched; a device that
/// does not exist is either an error naming it and its namespace (older
/// kernels) or a chain waiting for it (this one); a namespace that goes
/// takes its table along.
void loss_contract(LossTables& loss, Kernel& kernel, const std::string& prefix);

}  // namespace netlab::testing
