// The FakeLoss passes the loss contract on a FakeKernel.
#include "fakes/fake_loss.hpp"

#include <catch2/catch.hpp>

#include "support/loss_contract.hpp"

using namespace netlab;
using namespace netlab::testing;

TEST_CASE("FakeLoss honours the loss contract", "[fakes][loss][contract]") {
  FakeKernel kernel;
  FakeLoss loss(kernel);
  loss_contract(loss, kernel, "fl");
}
