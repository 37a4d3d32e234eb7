// The NAT contract: what every NatTables implementation must do
// (include/netlab/nat.hpp), as plain functions with Catch2 assertions inside.
// Run against the FakeNat (tests/unit/fakes/fake_nat_test.cpp) and against
// libnftables (tests/integration/services/nat_contract_test.cpp).
//
// Each function uses only labs called `prefix` + a short suffix (`prefix`
// unique to the call, e.g. testing::unique_name()) and removes their tables
// even when an assertion fails.
#pragma once

#include <string>

#include "netlab/nat.hpp"

namespace netlab::testing {

/// A lab without a table observes as exists = false, no rules, no error;
/// remove() of it succeeds, twice.
void nat_contract_missing_table(NatTables& nat, const std::string& prefix);
/// apply() creates the table with a nat postrouting chain and the rules in
/// order, sources as networks (host bits cleared), distinct non-zero handles.
void nat_contract_apply_creates(NatTables& nat, const std::string& prefix);
/// A second apply() replaces the rules (none duplicated); the same rules
/// again give the same rules; apply() with no rules removes the table.
void nat_contract_apply_replaces(NatTables& nat, const std::string& prefix);
/// remove() takes the table away; a second remove() is no error.
void nat_contract_remove(NatTables& nat, const std::string& prefix);
/// Two labs have two tables: changing or removing one leaves the other.
void nat_contract_labs_are_separate(NatTables& nat, const std::string& prefix);
/// A non-IPv4 source fails with kind Unsupported at the rule's position,
/// and the lab's table is as it was.
void nat_contract_refuses_ipv6_unchanged(NatTables& nat, const std::string& prefix);

/// All of the above.
void nat_contract_all(NatTables& nat, const std::string& prefix);

}  // namespace netlab::testing
