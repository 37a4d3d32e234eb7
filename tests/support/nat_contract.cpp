#include "support/nat_contract.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <vector>

namespace netlab::testing {
namespace {

NatRule rule(const char* source, const char* out, int line = 7) {
  NatRule r;
  auto p = IpPrefix::parse(source);
  REQUIRE(p.has_value());
  r.source = *p;
  r.out = out;
  r.pos = SourcePos{"topo.yaml", line, 5};
  return r;
}

IpPrefix P(const char* text) {
  auto p = IpPrefix::parse(text);
  REQUIRE(p.has_value());
  return *p;
}

void require_ok(const Status& st) {
  INFO((st.ok() ? std::string() : st.error().str()));
  REQUIRE(st.ok());
}

NatTableState observed(NatTables& nat, const std::string& lab) {
  auto st = nat.observe(lab);
  INFO((st.ok() ? std::string() : st.error().str()));
  REQUIRE(st.ok());
  return *st;
}

/// (source, out) of each rule, in order.
std::vector<std::pair<IpPrefix, std::string>> rules_of(const NatTableState& t) {
  std::vector<std::pair<IpPrefix, std::string>> out;
  for (const auto& r : t.rules) out.emplace_back(r.source, r.out);
  return out;
}

/// Removes the tables of the labs it was given when it goes out of scope.
class LabGuard {
 public:
  LabGuard(NatTables& nat, const std::string& prefix) : nat_(nat), prefix_(prefix) {}
  ~LabGuard() {
    for (const auto& lab : labs_) (void)nat_.remove(lab);
  }
  LabGuard(const LabGuard&) = delete;
  LabGuard& operator=(const LabGuard&) = delete;
  std::string lab(const std::string& suffix) {
    labs_.push_back(prefix_ + suffix);
    return labs_.back();
  }

 private:
  NatTables& nat_;
  std::string prefix_;
  std::vector<std::string> labs_;
};

}  // namespace

void nat_contract_missing_table(NatTables& nat, const std::string& prefix) {
  LabGuard g(nat, prefix);
  const std::string lab = g.lab("m");
  NatTableState t = observed(nat, lab);
  CHECK_FALSE(t.exists);
  CHECK_FALSE(t.chain_ok);
  CHECK(t.rules.empty());
  CHECK(t.other_rules.empty());
  require_ok(nat.remove(lab));
  require_ok(nat.remove(lab));
  CHECK_FALSE(observed(nat, lab).exists);
}

void nat_contract_apply_creates(NatTables& nat, const std::string& prefix) {
  LabGuard g(nat, prefix);
  const std::string lab = g.lab("c");
  require_ok(nat.apply(lab, {rule("172.31.255.1/30", "eth0"), rule("10.0.0.7/32", "up1"),
                             rule("10.99.0.0/16", "eth0")}));
  NatTableState t = observed(nat, lab);
  CHECK(t.exists);
  CHECK(t.chain_ok);
  CHECK(t.other_rules.empty());
  CHECK(rules_of(t) == std::vector<std::pair<IpPrefix, std::string>>{{P("172.31.255.0/30"), "eth0"},
                                                                     {P("10.0.0.7/32"), "up1"},
                                                                     {P("10.99.0.0/16"), "eth0"}});
  std::set<std::uint64_t> handles;
  for (const auto& r : t.rules) {
    CHECK(r.handle != 0);
    handles.insert(r.handle);
  }
  CHECK(handles.size() == t.rules.size());
}

void nat_contract_apply_replaces(NatTables& nat, const std::string& prefix) {
  LabGuard g(nat, prefix);
  const std::string lab = g.lab("r");
  require_ok(nat.apply(lab, {rule("172.31.255.0/30", "eth0"), rule("10.99.0.0/16", "up1")}));
  require_ok(nat.apply(lab, {rule("10.99.0.0/16", "up1")}));
  NatTableState t = observed(nat, lab);
  CHECK(t.exists);
  CHECK(t.chain_ok);
  CHECK(rules_of(t) == std::vector<std::pair<IpPrefix, std::string>>{{P("10.99.0.0/16"), "up1"}});
  // The same rules again: the same table, nothing duplicated.
  require_ok(nat.apply(lab, {rule("10.99.0.0/16", "up1")}));
  CHECK(rules_of(observed(nat, lab)) == rules_of(t));
  // No rules: no table.
  require_ok(nat.apply(lab, {}));
  CHECK_FALSE(observed(nat, lab).exists);
  require_ok(nat.apply(lab, {}));
}

void nat_contract_remove(NatTables& nat, const std::string& prefix) {
  LabGuard g(nat, prefix);
  const std::string lab = g.lab("d");
  require_ok(nat.apply(lab, {rule("10.1.0.0/24", "eth0")}));
  REQUIRE(observed(nat, lab).exists);
  require_ok(nat.remove(lab));
  NatTableState t = observed(nat, lab);
  CHECK_FALSE(t.exists);
  CHECK(t.rules.empty());
  require_ok(nat.remove(lab));
}

void nat_contract_labs_are_separate(NatTables& nat, const std::string& prefix) {
  LabGuard g(nat, prefix);
  const std::string a = g.lab("a"), b = g.lab("b");
  require_ok(nat.apply(a, {rule("10.1.0.0/24", "eth0")}));
  require_ok(nat.apply(b, {rule("10.2.0.0/24", "eth1")}));
  require_ok(nat.apply(a, {rule("10.3.0.0/24", "eth2")}));
  CHECK(rules_of(observed(nat, b)) ==
        std::vector<std::pair<IpPrefix, std::string>>{{P("10.2.0.0/24"), "eth1"}});
  require_ok(nat.remove(a));
  CHECK_FALSE(observed(nat, a).exists);
  NatTableState tb = observed(nat, b);
  CHECK(tb.exists);
  CHECK(rules_of(tb) == std::vector<std::pair<IpPrefix, std::string>>{{P("10.2.0.0/24"), "eth1"}});
}

void nat_contract_refuses_ipv6_unchanged(NatTables& nat, const std::string& prefix) {
  LabGuard g(nat, prefix);
  const std::string lab = g.lab("6");
  // Without a table: none is made.
  Status st = nat.apply(lab, {rule("10.1.0.0/24", "eth0", 3), rule("fd00::/64", "eth0", 4)});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().kind == ErrorKind::Unsupported);
  CHECK(st.error().where.line == 4);
  CHECK_THAT(st.error().message, Catch::Contains("fd00::/64"));
  CHECK_FALSE(observed(nat, lab).exists);
  // With a table: it keeps its rules.
  require_ok(nat.apply(lab, {rule("10.1.0.0/24", "eth0")}));
  NatTableState before = observed(nat, lab);
  REQUIRE_FALSE(nat.apply(lab, {rule("fd00::/64", "eth0")}).ok());
  NatTableState after = observed(nat, lab);
  CHECK(after.exists);
  CHECK(rules_of(after) == rules_of(before));
}

void nat_contract_all(NatTables& nat, const std::string& prefix) {
  nat_contract_missing_table(nat, prefix);
  nat_contract_apply_creates(nat, prefix);
  nat_contract_apply_replaces(nat, prefix);
  nat_contract_remove(nat, prefix);
  nat_contract_labs_are_separate(nat, prefix);
  nat_contract_refuses_ipv6_unchanged(nat, prefix);
}

}  // namespace netlab::testing
