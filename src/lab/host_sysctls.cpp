#include "lab/host_sysctls.hpp"

#include <map>
#include <vector>

namespace netlab {

namespace {

/// The host sysctls the other labs of `root` recorded (key -> value from
/// before), the first lab in name order winning; they all recorded the same.
std::map<std::string, std::string> others_host_sysctls(const std::string& root,
                                                       const std::string& self) {
  std::map<std::string, std::string> out;
  for (const auto& other : StateDir::list_labs(root))
    if (other != self) out.merge(StateDir(root, other).saved_host_sysctls());
  return out;
}

}  // namespace

// The lab needs its host sysctls even when they already have the wanted
// value (another lab may have set it): it records the value from before, so
// that the last lab to go down restores it. When another lab of this state
// root holds the sysctl too, the value now may be that lab's doing: the value
// from before is the one that lab recorded. The current value is read before
// the other labs' records, and all of it happens under the state root's lock,
// so a lab that is setting the sysctl right now has recorded it already.
Status remember_host_sysctls(const DesiredState& desired, StateDir& state, Kernel& kernel,
                             const std::string& state_root) {
  auto mine = state.saved_host_sysctls();
  std::vector<std::string> keys;
  for (const auto& sc : desired.sysctls)
    if (sc.ns.empty() && !mine.count(sc.key)) keys.push_back(sc.key);
  if (keys.empty()) return {};
  auto lock = StateRootLock::acquire(state_root);
  if (!lock.ok()) return lock.error();
  std::map<std::string, std::string> now;
  for (const auto& key : keys)
    if (auto v = kernel.read_sysctl("", key); v.ok()) now[key] = *v;
  auto theirs = others_host_sysctls(state_root, state.lab());
  for (const auto& [key, value] : now) {  // a failed read: the plan's own read reports it
    auto it = theirs.find(key);
    if (auto st = state.save_host_sysctl(key, it != theirs.end() ? it->second : value); !st.ok())
      return st;
  }
  return {};
}

// A host sysctl that another lab that is up also holds stays as it is: that
// lab recorded the same value from before, and restores it when it goes down
// last. Under the state root's lock, so that of two labs going down at once
// exactly one restores it.
void hand_over_host_sysctls(StateDir& state, const std::string& state_root) {
  auto mine = state.saved_host_sysctls();
  if (mine.empty()) return;
  auto lock = StateRootLock::acquire(state_root);
  if (!lock.ok()) return;  // then this lab restores what it recorded
  auto theirs = others_host_sysctls(state_root, state.lab());
  for (const auto& [key, _] : mine)
    if (theirs.count(key)) (void)state.forget_host_sysctl(key);
}

}  // namespace netlab
