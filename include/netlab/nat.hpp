// Source NAT (masquerade) for a lab through libnftables: one table per lab,
// `ip netlab-<lab>`, holding one postrouting nat chain. The table is created
// and removed as a whole, in one transaction each; no other table is ever
// read for change or touched.
#pragma once

#include <cstdint>
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
std::string nat_table_name(const std::string& lab);

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
/// Creates or replaces the lab's table with `rules` (no rules: removes it).
Status apply_nat(const std::string& lab, const std::vector<NatRule>& rules);
/// Removes the lab's table; OK when it does not exist.
Status remove_nat(const std::string& lab);
/// Reads the lab's table (exists = false when there is none).
Result<NatTableState> observe_nat(const std::string& lab);

}  // namespace netlab
