// One operation of a plan, run against the seams (the executor's hands).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "netlab/apply.hpp"

namespace netlab {

/// Appends the changes of `t` to `into` (one transaction for several actions).
void merge(OvsTransaction& into, const OvsTransaction& t);
/// Whether `a` and `b` in one transaction would delete and add a row of the
/// same name: vswitchd then keeps the row as it is (it matches ports by name)
/// and does not open a new device, so such changes need two transactions.
bool delete_and_add(const OvsTransaction& a, const OvsTransaction& b);

/// Runs operations with the crash invariants of executor.cpp.
class OperationRunner {
 public:
  OperationRunner(Backends& b, const ApplyOptions& o) : b_(b), o_(o) {}
  /// `cleaned` (may be null) is set when the operation failed after a
  /// partial effect and undid that effect itself.
  Status run(const Operation& operation, bool* cleaned = nullptr);
  Status apply_ovs(const OvsTransaction& t);
  /// The undo of OVS changes, filtered against what OVS holds now: deletes
  /// only what exists and is ours, adds only what is missing.
  Status undo_ovs(OvsTransaction txn);

 private:
  Status start_daemon(const DaemonSpec& d, bool* cleaned);
  Status start_recorded_daemon(const DaemonSpec& d);
  Status stop(const DaemonSpec& d, bool restart);
  Status stop_processes_inside(const std::string& ns);
  /// Forgets a stopped daemon's record, best effort.
  void forget_record_of(const DaemonSpec& d);
  /// Records `name` as a root link of the lab when `ns` is the root.
  Status record_root_link(const std::string& ns, const std::string& name);

  Backends& b_;
  const ApplyOptions& o_;
  /// Processes by network namespace id, read once at the first namespace
  /// delete of a run (operations run on several threads).
  std::once_flag scan_once_;
  std::map<std::string, std::vector<int>> processes_by_netns_;
};

}  // namespace netlab
