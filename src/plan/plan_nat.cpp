// The lab's nftables table ("ip netlab-<lab>"): made or rewritten when its
// masquerade rules differ from the topology's, removed when the topology has none.
#include "plan/families.hpp"

namespace netlab {

namespace {

// Whether the live table holds exactly the wanted rules, and nothing else.
bool same_rules(const NatTableState& have, const std::vector<NatRule>& want) {
  if (!have.exists || !have.chain_ok || !have.other_rules.empty()) return false;
  if (have.rules.size() != want.size()) return false;
  for (std::size_t i = 0; i < have.rules.size(); ++i) {
    if (have.rules[i].source.network() != want[i].source.network() ||
        have.rules[i].out != want[i].out)
      return false;
  }
  return true;
}

}  // namespace

void plan_nat(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  if (!live.nat) return;
  const NatTableState& have = *live.nat;
  std::vector<NatRule> old;
  for (const auto& r : have.rules) {
    NatRule rule;
    rule.source = r.source;
    rule.out = r.out;
    old.push_back(rule);
  }
  std::string table = "ip netlab-" + d.lab;
  Action a;
  a.resource = "nat table";
  a.object = table;
  a.subjects = {{ObjectRef::Kind::NatTable, "", table}};
  if (d.nat.empty()) {
    if (!have.exists) return;
    a.kind = ActionKind::Delete;
    a.reason = "owned but no longer in topology";
    a.phase = Phase::StopDaemons;
    a.ops = {op::RemoveNat{d.lab}};
    a.undo = {op::ApplyNat{d.lab, old}};
    b.add(std::move(a));
    return;
  }
  if (same_rules(have, d.nat)) return;
  a.kind = have.exists ? ActionKind::Modify : ActionKind::Create;
  std::string rules;
  for (const auto& r : d.nat)
    rules += (rules.empty() ? "" : ", ") + r.source.network().str() + " -> " + r.out;
  a.reason = (have.exists ? "rules differ; masquerade " : "masquerade ") + rules;
  a.pos = d.nat.front().pos;
  a.phase = Phase::Servers;
  a.ops = {op::ApplyNat{d.lab, d.nat}};
  if (have.exists)
    a.undo = {op::ApplyNat{d.lab, old}};
  else
    a.undo = {op::RemoveNat{d.lab}};
  b.add(std::move(a));
}

}  // namespace netlab
