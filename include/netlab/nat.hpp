// The NAT seam: source NAT (masquerade) for a lab, one table per lab,
// `ip netlab-<lab>`, holding one postrouting nat chain. Real implementation:
// libnftables (make_nftables_nat); fake: tests/fakes/fake_nat.hpp. Both honour
// the same contract, checked by one set of tests run against both
// (tests/support/nat_contract.hpp).
//
// Conventions for every NatTables call:
// - A call names a lab, never a table: it reads or changes that lab's table
//   `ip netlab-<lab>` and nothing else (no other table is read for change or
//   touched, another lab's least of all).
// - The table is created, replaced and removed as a whole, in one
//   transaction each: an observer sees the old table or the new one.
// - apply() is idempotent and replaces: afterwards the table holds exactly
//   the rules given, in their order; with no rules it is remove().
// - remove() of a missing table succeeds (nothing to do).
// - observe() of a missing table succeeds with exists = false.
// - A rule that cannot be expressed (a non-IPv4 source) fails the call
//   before anything changes (kind Unsupported, at the rule's position).
// - Errors of nftables name the operation and the table, e.g.
//   "create nat table netlab-demo: nftables: Operation not permitted".
// - Calls for different labs may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// Family of every lab table ("ip": IPv4 masquerade).
inline constexpr const char* kNatFamily = "ip";
/// Name of the chain inside the lab's table.
inline constexpr const char* kNatChain = "postrouting";

/// "netlab-<lab>".
inline std::string nat_table_name(const std::string& lab) { return "netlab-" + lab; }

/// The libnftables JSON batch that atomically creates or replaces the lab's
/// table: add table, delete table (so any old content goes), add table, add
/// chain (type nat, hook postrouting, priority srcnat), one rule per entry:
/// `ip saddr SOURCE oifname OUT masquerade`. Errors (with the rule's
/// position) for a non-IPv4 source or an unusable interface name.
Result<std::string> nat_apply_json(const std::string& lab, const std::vector<NatRule>& rules);
/// The same batch as nft text, for plans and logs (not executed).
Result<std::string> nat_apply_text(const std::string& lab, const std::vector<NatRule>& rules);
/// JSON batch deleting the lab's table; succeeds whether or not it exists
/// (add then delete, in one transaction).
std::string nat_delete_json(const std::string& lab);

/// One masquerade rule as found in the lab's table.
struct NatRuleState {
  IpPrefix source;  ///< network (host bits cleared)
  std::string out;
  std::uint64_t handle = 0;
};

/// What the lab's table holds.
struct NatTableState {
  bool exists = false;
  bool chain_ok = false;  ///< chain `postrouting`: type nat, hook postrouting
  std::vector<NatRuleState> rules;
  /// Rules of the table that are not of netlab's shape (as JSON text).
  std::vector<std::string> other_rules;
};

/// Parses `nft -j list table ip netlab-<lab>` output.
Result<NatTableState> parse_nat_table_json(std::string_view json, const std::string& lab);

/// Runs `commands` (nft text or libnftables JSON) through libnftables in one
/// transaction; returns the JSON output. Errors carry nft's message.
Result<std::string> nft_run(const std::string& commands);

/// The lab tables of nftables (see the conventions at the top).
class NatTables {
 public:
  virtual ~NatTables() = default;
  /// Reads the lab's table (exists = false when there is none).
  virtual Result<NatTableState> observe(const std::string& lab) = 0;
  /// Creates or replaces the lab's table with `rules` (no rules: removes it).
  virtual Status apply(const std::string& lab, const std::vector<NatRule>& rules) = 0;
  /// Removes the lab's table; OK when it does not exist.
  virtual Status remove(const std::string& lab) = 0;
};

/// The real tables, through libnftables.
std::unique_ptr<NatTables> make_nftables_nat();

}  // namespace netlab
