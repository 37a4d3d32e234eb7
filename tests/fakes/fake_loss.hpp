// An in-memory LossTables for unit tests, with the semantics of the real one
// (include/netlab/loss.hpp) as checked by tests/support/loss_contract.hpp.
// Tables live in the namespaces of a FakeKernel: a table vanishes with its
// namespace (as a namespace's nftables state goes with it), and a call for a
// namespace the kernel lacks fails with ENOENT.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "fakes/fake_kernel.hpp"
#include "netlab/loss.hpp"

namespace netlab::testing {

class FakeLoss final : public LossTables {
 public:
  explicit FakeLoss(FakeKernel& kernel) : kernel_(kernel) {}

  Result<std::map<std::string, LossTableState>> observe(
      const std::string& lab, const std::vector<std::string>& namespaces) override;
  Status set(const std::string& lab, const std::string& ns, const std::string& device,
             std::uint32_t ppm) override;
  Status clear(const std::string& lab, const std::string& ns, const std::string& device) override;

  /// The next call of `op` ("observe", "set", "clear") fails with `e`.
  void fail_next(const std::string& op, Error e);
  /// Removes the lab's table in `ns`, as `nft delete table` by hand.
  void drop_table(const std::string& lab, const std::string& ns);
  /// The lab's table in `ns`, or nullopt.
  std::optional<LossTableState> table(const std::string& lab, const std::string& ns);
  int calls(const std::string& op) const;

 private:
  struct Table {
    std::string netns_id;  // the namespace it was made in (gone when that goes)
    LossTableState state;
  };
  Table* find(const std::string& lab, const std::string& ns);

  FakeKernel& kernel_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Table> tables_;  // (lab, ns)
  std::map<std::string, Error> fail_;
  std::map<std::string, int> calls_;
};

}  // namespace netlab::testing
