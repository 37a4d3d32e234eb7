#include "fakes/fake_loss.hpp"

#include <algorithm>
#include <cerrno>

namespace netlab::testing {

namespace {
std::string in_ns(const std::string& ns) {
  return ns.empty() ? " (root namespace)" : " (netns " + ns + ")";
}
}  // namespace

FakeLoss::Table* FakeLoss::find(const std::string& lab, const std::string& ns) {
  auto it = tables_.find({lab, ns});
  if (it == tables_.end()) return nullptr;
  if (kernel_.netns_id(ns) != it->second.netns_id) {  // its namespace went
    tables_.erase(it);
    return nullptr;
  }
  return &it->second;
}

Result<std::map<std::string, LossTableState>> FakeLoss::observe(
    const std::string& lab, const std::vector<std::string>& namespaces) {
  std::lock_guard lk(mu_);
  ++calls_["observe"];
  if (auto it = fail_.find("observe"); it != fail_.end()) {
    Error e = it->second;
    fail_.erase(it);
    return e;
  }
  std::map<std::string, LossTableState> out;
  for (const auto& ns : namespaces)
    if (Table* t = find(lab, ns)) out[ns] = t->state;
  return out;
}

Status FakeLoss::set(const std::string& lab, const std::string& ns, const std::string& device,
                     std::uint32_t ppm) {
  std::lock_guard lk(mu_);
  ++calls_["set"];
  const std::string op = "set loss on " + device + in_ns(ns);
  if (auto it = fail_.find("set"); it != fail_.end()) {
    Error e = it->second;
    fail_.erase(it);
    e.message = op + ": " + e.message;
    return e;
  }
  auto id = kernel_.netns_id(ns);
  if (!id) return system_error(ErrorKind::Kernel, op + ": enter netns " + ns, ENOENT);
  // As this kernel (6.18): a chain on a device that does not exist (yet)
  // is accepted; older kernels refused it (ENOENT).
  Table* t = find(lab, ns);
  if (!t) t = &(tables_[{lab, ns}] = Table{*id, {}});
  auto& chains = t->state.chains;
  auto c = std::find_if(chains.begin(), chains.end(),
                        [&](const LossChainState& s) { return s.device == device; });
  if (c != chains.end())
    c->ppm = ppm;
  else
    chains.push_back({device, ppm});
  std::sort(chains.begin(), chains.end(),
            [](const auto& a, const auto& b) { return a.device < b.device; });
  return {};
}

Status FakeLoss::clear(const std::string& lab, const std::string& ns, const std::string& device) {
  std::lock_guard lk(mu_);
  ++calls_["clear"];
  if (auto it = fail_.find("clear"); it != fail_.end()) {
    Error e = it->second;
    fail_.erase(it);
    e.message = "clear loss on " + device + in_ns(ns) + ": " + e.message;
    return e;
  }
  Table* t = find(lab, ns);
  if (!t) return {};
  std::erase_if(t->state.chains, [&](const LossChainState& s) { return s.device == device; });
  if (t->state.chains.empty() && t->state.other.empty()) tables_.erase({lab, ns});
  return {};
}

void FakeLoss::fail_next(const std::string& op, Error e) {
  std::lock_guard lk(mu_);
  fail_.insert_or_assign(op, std::move(e));
}

void FakeLoss::drop_table(const std::string& lab, const std::string& ns) {
  std::lock_guard lk(mu_);
  tables_.erase({lab, ns});
}

std::optional<LossTableState> FakeLoss::table(const std::string& lab, const std::string& ns) {
  std::lock_guard lk(mu_);
  Table* t = find(lab, ns);
  if (!t) return std::nullopt;
  return t->state;
}

int FakeLoss::calls(const std::string& op) const {
  std::lock_guard lk(mu_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

}  // namespace netlab::testing
