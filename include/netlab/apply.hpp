// Applying a plan: its dependency graph (Action::deps), independent actions
// in parallel but one per lane (namespace) at a time, the ready OVS changes
// in one transaction; on failure, undo what was applied, in reverse order.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/kernel.hpp"
#include "netlab/loss.hpp"
#include "netlab/nat.hpp"
#include "netlab/ovs.hpp"
#include "netlab/plan.hpp"
#include "netlab/processes.hpp"
#include "netlab/state_dir.hpp"

namespace netlab {

/// The seams an apply talks to. `ovs` may be null when the plan has no OVS action.
struct Backends {
  Kernel& kernel;
  Ovs* ovs = nullptr;
  StateDir& state;
  Processes* processes = nullptr;  ///< needed when the plan starts or stops daemons
  NatTables* nat = nullptr;        ///< needed when the plan changes the lab's NAT table
  LossTables* loss = nullptr;      ///< needed when the plan changes drops (loss without netem)
};

struct ApplyOptions {
  bool rollback = true;
  int parallelism = 4;  ///< actions (of different lanes) run at once
  std::chrono::milliseconds ovs_timeout{30000};
  std::chrono::milliseconds wait_timeout{10000};   ///< for links vanishing after a netns delete
  std::chrono::milliseconds lease_timeout{30000};  ///< for each DHCP client to hold a lease
  /// Called after each action (from worker threads, serialised): index, status.
  std::function<void(std::size_t, const Status&)> on_action;
  /// Called for each action the rollback undoes, in rollback order: index,
  /// number of actions the rollback undoes, status of this undo. A failed
  /// action that undid its own partial effect (a daemon stopped after its
  /// readiness wait failed) is reported first.
  std::function<void(std::size_t, std::size_t, const Status&)> on_undo;
  /// Run once every action succeeded (verify, readiness): its failure is the
  /// apply's failure and rolls back every action, as a failed action would.
  std::function<Status()> finish;
};

struct ApplyReport {
  std::size_t applied = 0;                   ///< actions that completed
  std::optional<Error> failure;              ///< the first failure
  std::optional<std::size_t> failed_action;  ///< nullopt when `finish` failed
  bool rolled_back = false;
  std::size_t undone = 0;              ///< actions whose undo succeeded
  std::vector<Error> rollback_errors;  ///< undo steps that failed (the state may be partial)
  bool ok() const { return !failure; }
};

ApplyReport apply_plan(const Plan& plan, Backends& backends, const ApplyOptions& options);

}  // namespace netlab
