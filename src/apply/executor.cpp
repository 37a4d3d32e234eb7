// Runs a plan against the seams, following its dependency graph
// (Action::deps, derive_dependencies): an action starts once every action it
// needs has finished. Independent actions run in parallel on a small pool,
// at most one per lane (namespace) at a time, lowest index first. OVS
// actions are held until nothing else can run, then every ready one goes in
// one transaction. On failure no action starts any more, the running ones
// finish, and the applied actions are undone in reverse order of completion
// (a reverse dependency order).
//
// Crash and failure invariants, enforced here and in operations.cpp:
// - record before create: a namespace or daemon is written to the state
//   directory before it exists, so a crash leaves a record `down` follows,
//   never an unowned object;
// - undo only what ran: an action whose first operation failed is not undone
//   (its undo could remove an object of the same name that is not ours), nor
//   is one that never started (its dependencies had not finished);
// - a failed operation leaves nothing of its own behind: one that failed
//   after a partial effect (a record written, a daemon started whose
//   readiness wait failed, some attributes of a link set) undoes that effect
//   itself, or counts as having run so that its action's undo restores it.
#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "apply/operations.hpp"
#include "netlab/apply.hpp"

namespace netlab {

namespace {

// An action made only of OVS changes: batched with the other ready ones.
bool ovs_only(const Action& a) {
  return !a.ops.empty() && std::all_of(a.ops.begin(), a.ops.end(), [](const Operation& o) {
    return std::holds_alternative<op::Ovs>(o);
  });
}

class Executor {
 public:
  Executor(const Plan& plan, Backends& b, const ApplyOptions& o)
      : plan_(plan), o_(o), ops_(b, o), n_(plan.actions.size()) {}

  ApplyReport run() {
    ApplyReport report;
    if (Status st = prepare(); !st.ok()) {
      report.failure = st.error();
      return report;
    }
    schedule();
    if (!failure_ && finished_ < n_) {
      failure_ = std::make_pair(
          make_error(ErrorKind::Bug, "apply: some actions never became ready"), kNoAction);
    }
    if (!failure_ && o_.finish) {
      if (Status st = o_.finish(); !st.ok()) failure_ = std::make_pair(st.error(), kNoAction);
    }
    report.applied = applied_.size();
    if (failure_) {
      report.failure = failure_->first;
      if (failure_->second != kNoAction) report.failed_action = failure_->second;
      if (o_.rollback) {
        rollback(report);
        report.rolled_back = true;
      }
    }
    return report;
  }

 private:
  static constexpr std::size_t kNoAction = static_cast<std::size_t>(-1);

  // The graph, as counters: an action is ready when `missing_` reaches 0.
  Status prepare() {
    missing_.assign(n_, 0);
    dependents_.assign(n_, {});
    ovs_.assign(n_, false);
    batch_of_.assign(n_, -1);
    lane_of_.assign(n_, 0);
    started_.assign(n_, false);
    std::map<std::string, std::size_t> lanes;
    for (std::size_t i = 0; i < n_; ++i) {
      const Action& a = plan_.actions[i];
      for (std::size_t d : a.deps) {
        // Plan order is a topological order: an edge to a later action is a bug
        // (and could be a cycle).
        if (d >= i)
          return make_error(ErrorKind::Bug, "apply: action " + std::to_string(i) +
                                                " depends on a later one (" + std::to_string(d) +
                                                ")");
        ++missing_[i];
        dependents_[d].push_back(i);
      }
      ovs_[i] = ovs_only(a);
      lane_of_[i] = lanes.emplace(a.lane(), lanes.size()).first->second;
    }
    lane_busy_.assign(lanes.size(), false);
    lane_ready_.assign(lanes.size(), {});
    for (std::size_t i = 0; i < n_; ++i)
      if (missing_[i] == 0) make_ready(i);
    return {};
  }

  // ---- the ready sets (under mu_) -------------------------------------------
  // heads_ holds (lowest ready index, lane) for each lane that is free and
  // has a ready action: its first element is the next action to start.
  void make_ready(std::size_t i) {
    if (started_[i]) return;  // an OVS action that joined its dependency's batch
    if (ovs_[i]) {
      ovs_ready_.insert(i);
      return;
    }
    std::size_t lane = lane_of_[i];
    auto& r = lane_ready_[lane];
    if (!lane_busy_[lane] && !r.empty()) heads_.erase({*r.begin(), lane});
    r.insert(i);
    ++ready_count_;
    if (!lane_busy_[lane]) heads_.insert({*r.begin(), lane});
  }

  std::size_t take_head() {
    auto [i, lane] = *heads_.begin();
    heads_.erase(heads_.begin());
    lane_ready_[lane].erase(i);
    --ready_count_;
    lane_busy_[lane] = true;
    started_[i] = true;
    return i;
  }

  void free_lane(std::size_t lane) {
    lane_busy_[lane] = false;
    if (!lane_ready_[lane].empty()) heads_.insert({*lane_ready_[lane].begin(), lane});
  }

  // The ready OVS actions, plus those whose dependencies are all finished or
  // in the batch (a port and its bridge: one transaction), minus any that
  // would delete and add a row of one name in the same transaction.
  std::vector<std::size_t> take_ovs_batch(OvsTransaction& txn) {
    std::vector<std::size_t> batch;
    std::set<std::size_t> in_batch;
    auto joins = [&](std::size_t i) {
      OvsTransaction t;
      for (const auto& o : plan_.actions[i].ops) merge(t, std::get<op::Ovs>(o).txn);
      if (!batch.empty() && delete_and_add(txn, t)) return false;
      merge(txn, t);
      batch.push_back(i);
      in_batch.insert(i);
      started_[i] = true;
      return true;
    };
    for (std::size_t i : ovs_ready_) joins(i);
    for (std::size_t i : batch) ovs_ready_.erase(i);
    // Dependents in index order: their dependencies come first, so one pass.
    std::set<std::size_t> candidates;
    for (std::size_t i : batch)
      for (std::size_t d : dependents_[i])
        if (ovs_[d]) candidates.insert(d);
    while (!candidates.empty()) {
      std::size_t c = *candidates.begin();
      candidates.erase(candidates.begin());
      const auto& deps = plan_.actions[c].deps;
      bool ok = std::all_of(deps.begin(), deps.end(), [&](std::size_t d) {
        return done_ok_.count(d) > 0 || in_batch.count(d) > 0;
      });
      if (!ok || !joins(c)) continue;
      for (std::size_t d : dependents_[c])
        if (ovs_[d] && d > c) candidates.insert(d);
    }
    return batch;
  }

  // ---- the pool ----------------------------------------------------------------
  void schedule() {
    int n = std::max(1, std::min<int>(o_.parallelism, static_cast<int>(lane_busy_.size())));
    if (n == 1) {
      worker();
      return;
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < n; ++t) threads.emplace_back([this] { worker(); });
    for (auto& t : threads) t.join();
  }

  void worker() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (!failure_ && !heads_.empty()) {
        std::size_t i = take_head();
        ++running_;
        lock.unlock();
        std::size_t done = 0;
        bool cleaned = false;
        Status st = run_action(i, done, cleaned);
        lock.lock();
        --running_;
        free_lane(lane_of_[i]);
        finish_action(i, st, done, cleaned);
        cv_.notify_all();
        continue;
      }
      // OVS waits until nothing else can run: one transaction for all of it.
      if (!failure_ && running_ == 0 && ready_count_ == 0 && !ovs_ready_.empty()) {
        OvsTransaction txn;
        std::vector<std::size_t> batch = take_ovs_batch(txn);
        ++running_;
        lock.unlock();
        Status st = ops_.apply_ovs(txn);
        lock.lock();
        --running_;
        finish_batch(batch, st);
        cv_.notify_all();
        continue;
      }
      if (running_ == 0) return;  // nothing runs, nothing can start: done
      cv_.wait(lock);
    }
  }

  // Runs the ops of one action; `done` counts those that succeeded, or that
  // failed after a partial effect only the action's undo restores.
  // `cleaned`: the failed op undid its own partial effect.
  Status run_action(std::size_t index, std::size_t& done, bool& cleaned) {
    done = 0;
    cleaned = false;
    for (const auto& operation : plan_.actions[index].ops) {
      if (auto st = ops_.run(operation, &cleaned); !st.ok()) {
        // A link change is several requests (netlink attributes, then
        // ethtool): some may have applied. Its undo sets the old values
        // again, which is harmless where nothing changed.
        if (std::holds_alternative<op::ChangeLink>(operation)) ++done;
        return st;
      }
      ++done;
    }
    return {};
  }

  // Under mu_.
  void finish_action(std::size_t index, const Status& st, std::size_t done, bool cleaned) {
    ++finished_;
    if (st.ok()) {
      applied_.push_back(index);
      release(index);
    } else {
      if (!failure_) failure_ = std::make_pair(st.error(), index);
      // An action whose first op succeeded (e.g. created a veth but could not
      // set it up) is undone too. One whose first op failed changed nothing:
      // undoing it could remove an object that is not ours (EEXIST).
      if (done > 0) applied_.push_back(index);
      if (cleaned) self_undone_.push_back(index);
    }
    if (o_.on_action) o_.on_action(index, st);
  }

  // One transaction: either every action of the batch happened or (as far
  // as we can tell) they all did and vswitchd failed on one: undo them all.
  void finish_batch(const std::vector<std::size_t>& batch, const Status& st) {
    for (std::size_t i : batch) {
      ++finished_;
      applied_.push_back(i);
      batch_of_[i] = batches_;
      if (o_.on_action) o_.on_action(i, st);
    }
    ++batches_;
    if (!st.ok()) {
      if (!failure_) failure_ = std::make_pair(st.error(), batch.front());
      return;
    }
    for (std::size_t i : batch) release(i);
  }

  void release(std::size_t index) {
    done_ok_.insert(index);
    for (std::size_t d : dependents_[index])
      if (--missing_[d] == 0) make_ready(d);
  }

  // ---- rollback ----------------------------------------------------------------
  void undone(ApplyReport& report, std::size_t index, std::size_t steps, const Status& st) {
    if (st.ok()) ++report.undone;
    if (o_.on_undo) o_.on_undo(index, steps, st);
  }

  void rollback(ApplyReport& report) {
    // Failed actions that already undid their own partial effect come first:
    // that happened at the failure.
    std::erase_if(self_undone_, [&](std::size_t index) {
      return std::find(applied_.begin(), applied_.end(), index) != applied_.end();
    });
    const std::size_t steps = self_undone_.size() + applied_.size();
    for (std::size_t index : self_undone_) undone(report, index, steps, {});
    // Undo in reverse order of completion; the OVS undos of one batch go in
    // one transaction, filtered against what OVS holds now.
    std::vector<std::size_t> order(applied_.rbegin(), applied_.rend());
    std::size_t i = 0;
    while (i < order.size()) {
      const Action& a = plan_.actions[order[i]];
      if (int batch = batch_of_[order[i]]; batch >= 0) {
        OvsTransaction txn;
        std::size_t first = i;
        while (i < order.size() && batch_of_[order[i]] == batch) {
          for (const auto& u : plan_.actions[order[i]].undo)
            if (const auto* o = std::get_if<op::Ovs>(&u)) merge(txn, o->txn);
          ++i;
        }
        Status st = ops_.undo_ovs(txn);
        if (!st.ok()) report.rollback_errors.push_back(st.error());
        for (std::size_t k = first; k < i; ++k) undone(report, order[k], steps, st);
        continue;
      }
      Status result;
      for (const auto& u : a.undo) {
        Status st = ops_.run(u);
        if (!st.ok() && !harmless_undo_error(st.error())) {
          report.rollback_errors.push_back(st.error());
          if (result.ok()) result = st;
        }
      }
      undone(report, order[i], steps, result);
      ++i;
    }
  }

  // An undo that finds its object already gone (the failed action never got
  // that far) has nothing to do.
  static bool harmless_undo_error(const Error& e) {
    return e.sys_errno == ENODEV || e.sys_errno == ENOENT || e.sys_errno == EADDRNOTAVAIL ||
           e.sys_errno == ESRCH;
  }

  const Plan& plan_;
  const ApplyOptions& o_;
  OperationRunner ops_;
  const std::size_t n_;

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::vector<std::size_t> missing_;                  // unfinished dependencies
  std::vector<std::vector<std::size_t>> dependents_;  // who needs each action
  std::vector<bool> ovs_;
  std::vector<bool> started_;
  std::vector<std::size_t> lane_of_;
  std::vector<bool> lane_busy_;
  std::vector<std::set<std::size_t>> lane_ready_;        // ready non-OVS actions by lane
  std::set<std::pair<std::size_t, std::size_t>> heads_;  // (index, lane) of free lanes
  std::size_t ready_count_ = 0;                          // ready non-OVS actions
  std::set<std::size_t> ovs_ready_;
  std::set<std::size_t> done_ok_;
  std::size_t running_ = 0;  // actions or OVS batches
  std::size_t finished_ = 0;
  std::vector<int> batch_of_;  // -1: not an OVS batch's action
  int batches_ = 0;
  std::vector<std::size_t> applied_;      // in order of completion
  std::vector<std::size_t> self_undone_;  // failed actions that undid their partial effect
  std::optional<std::pair<Error, std::size_t>> failure_;
};

}  // namespace

ApplyReport apply_plan(const Plan& plan, Backends& backends, const ApplyOptions& options) {
  return Executor(plan, backends, options).run();
}

}  // namespace netlab
