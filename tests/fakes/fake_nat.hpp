// An in-memory nftables for unit tests: one table per lab, with the semantics
// of the real NatTables (include/netlab/nat.hpp) as checked by the contract
// in tests/support/nat_contract.hpp, which the libnftables one passes too.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "netlab/nat.hpp"

namespace netlab::testing {

/// A fake NatTables. Like the real one:
/// - apply() replaces the lab's whole table atomically (rules in order,
///   sources as networks, fresh handles); no rules = remove();
/// - remove() of a missing table succeeds;
/// - a non-IPv4 source fails before anything changes (kind Unsupported).
/// Thread-safe (one mutex).
class FakeNat final : public NatTables {
 public:
  Result<NatTableState> observe(const std::string& lab) override;
  Status apply(const std::string& lab, const std::vector<NatRule>& rules) override;
  Status remove(const std::string& lab) override;

  // --- failure injection ---------------------------------------------------
  /// The next call of `op` ("observe", "apply", "remove") fails with `e`
  /// before changing anything.
  void fail_next(const std::string& op, Error e);

  // --- seeding and inspection ----------------------------------------------
  /// Puts `table` as the lab's table as is (e.g. a wrong chain, other rules).
  void seed_table(const std::string& lab, NatTableState table);
  /// The lab's table now, or nullopt.
  std::optional<NatTableState> table(const std::string& lab) const;
  /// Labs that have a table, sorted.
  std::vector<std::string> labs() const;
  /// Calls of `op` so far (failed ones included).
  int calls(const std::string& op) const;

 private:
  std::optional<Error> injected(const std::string& op);

  mutable std::mutex mu_;
  std::map<std::string, NatTableState> tables_;
  std::map<std::string, Error> fail_;
  std::map<std::string, int> calls_;
  std::uint64_t next_handle_ = 1;
};

}  // namespace netlab::testing
