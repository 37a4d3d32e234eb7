#include "fakes/fake_nat.hpp"

namespace netlab::testing {

std::optional<Error> FakeNat::injected(const std::string& op) {
  ++calls_[op];
  auto it = fail_.find(op);
  if (it == fail_.end()) return std::nullopt;
  Error e = std::move(it->second);
  fail_.erase(it);
  return e;
}

Result<NatTableState> FakeNat::observe(const std::string& lab) {
  std::lock_guard lock(mu_);
  if (auto e = injected("observe")) return *e;
  auto it = tables_.find(lab);
  if (it == tables_.end()) return NatTableState{};
  return it->second;
}

Status FakeNat::apply(const std::string& lab, const std::vector<NatRule>& rules) {
  std::unique_lock lock(mu_);
  if (auto e = injected("apply")) return *e;
  if (rules.empty()) {
    tables_.erase(lab);
    return Status();
  }
  NatTableState t;
  t.exists = true;
  t.chain_ok = true;
  // The batch is built (and refused) before nftables sees any of it.
  for (const auto& r : rules) {
    if (r.source.family() != 4)
      return Error{
          ErrorKind::Unsupported,
          "nat rule " + r.source.str() + " -> " + r.out + ": only IPv4 sources are supported",
          r.pos, 0};
    // nftables numbers the table, the chain and each rule from one counter.
    t.rules.push_back({r.source.network(), r.out, 0});
  }
  next_handle_ += 2;
  for (auto& r : t.rules) r.handle = next_handle_++;
  tables_[lab] = std::move(t);
  return Status();
}

Status FakeNat::remove(const std::string& lab) {
  std::lock_guard lock(mu_);
  if (auto e = injected("remove")) return *e;
  tables_.erase(lab);
  return Status();
}

void FakeNat::fail_next(const std::string& op, Error e) {
  std::lock_guard lock(mu_);
  fail_[op] = std::move(e);
}

void FakeNat::seed_table(const std::string& lab, NatTableState table) {
  std::lock_guard lock(mu_);
  tables_[lab] = std::move(table);
}

std::optional<NatTableState> FakeNat::table(const std::string& lab) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find(lab);
  if (it == tables_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeNat::labs() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [lab, _] : tables_) out.push_back(lab);
  return out;
}

int FakeNat::calls(const std::string& op) const {
  std::lock_guard lock(mu_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

}  // namespace netlab::testing
