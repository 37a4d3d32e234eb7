// Runs a plan against the seams. Phases run in order; inside a phase the
// lanes (one per namespace) run in parallel on a small pool, each lane's
// actions in plan order. The OVS actions of a phase are merged into one
// transaction. On failure the applied actions are undone in reverse order.
//
// Crash and failure invariants, enforced here:
// - record before create: a namespace or daemon is written to the state
//   directory before it exists, so a crash leaves a record `down` follows,
//   never an unowned object;
// - undo only what ran: an action whose first operation failed is not undone
//   (its undo could remove an object of the same name that is not ours);
// - a failed operation leaves nothing of its own behind: one that failed
//   after a partial effect (a record written, a daemon started whose
//   readiness wait failed, some attributes of a link set) undoes that effect
//   itself, or counts as having run so that its action's undo restores it.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "netlab/apply.hpp"
#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"
#include "netlab/nat.hpp"

namespace netlab {

namespace {

void merge(OvsTransaction& into, const OvsTransaction& t) {
  if (into.lab.empty()) into.lab = t.lab;
  auto append = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
  append(into.add_bridges, t.add_bridges);
  append(into.add_ports, t.add_ports);
  append(into.set_vlans, t.set_vlans);
  append(into.del_ports, t.del_ports);
  append(into.del_bridges, t.del_bridges);
  append(into.adopt_bridges, t.adopt_bridges);
  append(into.adopt_ports, t.adopt_ports);
  append(into.disown_bridges, t.disown_bridges);
  append(into.disown_ports, t.disown_ports);
}

class Executor {
 public:
  Executor(const Plan& plan, Backends& b, const ApplyOptions& o) : plan_(plan), b_(b), o_(o) {}

  ApplyReport run() {
    ApplyReport report;
    std::size_t i = 0;
    while (i < plan_.actions.size() && !failure_) {
      Phase phase = plan_.actions[i].phase;
      std::size_t j = i;
      while (j < plan_.actions.size() && plan_.actions[j].phase == phase) ++j;
      if (phase == Phase::Ovs || phase == Phase::OvsDelete) {
        run_ovs_phase(i, j);
      } else {
        run_lanes(i, j);
      }
      i = j;
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

  // `cleaned` (may be null) is set when the operation failed after a partial
  // effect and undid that effect itself.
  Status run_op(const Operation& operation, bool* cleaned = nullptr) {
    Kernel& k = b_.kernel;
    return std::visit(
        [&](const auto& o) -> Status {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, op::CreateNamespace>) {
            // Record first: a crash between the two leaves a record, never an
            // unowned namespace that `down` would not remove.
            if (auto st = b_.state.record_namespace(o.ns); !st.ok()) return st;
            Status st = k.create_namespace(o.ns);
            // Not made (or someone else's, EEXIST): the record must not claim it.
            if (!st.ok()) (void)b_.state.forget_namespace(o.ns);
            return st;
          } else if constexpr (std::is_same_v<T, op::DeleteNamespace>) {
            if (auto st = k.delete_namespace(o.ns); !st.ok() && st.error().sys_errno != ENOENT)
              return st;
            return b_.state.forget_namespace(o.ns);
          } else if constexpr (std::is_same_v<T, op::AdoptNamespace>) {
            return b_.state.record_namespace(o.ns);
          } else if constexpr (std::is_same_v<T, op::ForgetNamespace>) {
            return b_.state.forget_namespace(o.ns);
          } else if constexpr (std::is_same_v<T, op::CreateVeth>) {
            return k.create_veth(o.req);
          } else if constexpr (std::is_same_v<T, op::CreateBridge>) {
            return k.create_bridge(o.ns, o.name, o.alias);
          } else if constexpr (std::is_same_v<T, op::CreateVlan>) {
            return k.create_vlan(o.ns, o.name, o.parent, o.id, o.alias);
          } else if constexpr (std::is_same_v<T, op::DeleteLink>) {
            // Already gone (a veth peer that went with its namespace) is done.
            Status st = k.delete_link(o.ns, o.name);
            if (!st.ok() && st.error().sys_errno == ENODEV) return {};
            return st;
          } else if constexpr (std::is_same_v<T, op::ChangeLink>) {
            return k.change_link(o.ns, o.name, o.change);
          } else if constexpr (std::is_same_v<T, op::MoveLink>) {
            return k.move_link(o.ns, o.name, o.to_ns);
          } else if constexpr (std::is_same_v<T, op::AddAddress>) {
            return k.add_address(o.ns, o.ifname, o.address);
          } else if constexpr (std::is_same_v<T, op::DeleteAddress>) {
            return k.delete_address(o.ns, o.ifname, o.address);
          } else if constexpr (std::is_same_v<T, op::AddRoute>) {
            return k.add_route(o.ns, o.route);
          } else if constexpr (std::is_same_v<T, op::DeleteRoute>) {
            return k.delete_route(o.ns, o.route);
          } else if constexpr (std::is_same_v<T, op::WriteSysctl>) {
            if (o.ns.empty()) {
              // Keep the host's value from before the lab, for `down` to restore.
              auto old = k.read_sysctl("", o.key);
              if (!old.ok()) return old.status();
              if (auto st = b_.state.save_host_sysctl(o.key, *old); !st.ok()) return st;
            }
            return k.write_sysctl(o.ns, o.key, o.value);
          } else if constexpr (std::is_same_v<T, op::Ovs>) {
            return apply_ovs(o.txn);
          } else if constexpr (std::is_same_v<T, op::WaitLinksGone>) {
            return k.wait_links_gone(o.ns, o.names, o_.wait_timeout);
          } else if constexpr (std::is_same_v<T, op::StartDaemon>) {
            return start_daemon(o.daemon, cleaned);
          } else if constexpr (std::is_same_v<T, op::StopDaemon>) {
            return stop(o.daemon, o.restart);
          } else if constexpr (std::is_same_v<T, op::ApplyNat>) {
            if (!b_.nat)
              return Error{ErrorKind::Bug, "plan changes NAT but has no NAT tables", {}, 0};
            return b_.nat->apply(o.lab, o.rules);
          } else if constexpr (std::is_same_v<T, op::RemoveNat>) {
            if (!b_.nat)
              return Error{ErrorKind::Bug, "plan changes NAT but has no NAT tables", {}, 0};
            return b_.nat->remove(o.lab);
          }
        },
        operation);
  }

  Status start_daemon(const DaemonSpec& d, bool* cleaned) {
    if (!b_.processes)
      return Error{ErrorKind::Bug, "plan starts daemons but has no processes", {}, 0};
    // Recorded before it starts: a crash in between leaves a record that
    // `down` follows (it only stops a process that proves to be ours).
    if (auto st = b_.state.record_daemon(d); !st.ok()) return st;
    Status st = start_recorded_daemon(d);
    if (st.ok()) return st;
    // A start that failed may have left a running process (a client without
    // its lease), its files and its record: stop and forget it, so that
    // neither a rollback nor --no-rollback leaves a daemon nobody recorded
    // in a namespace that is about to lose its name.
    if (Status undo = stop(d, false); !undo.ok()) {
      Error e = st.error();
      e.message += "; stopping it again failed too: " + undo.error().str();
      return e;
    }
    if (cleaned) *cleaned = true;
    return st;
  }

  Status start_recorded_daemon(const DaemonSpec& d) {
    if (const auto* server = std::get_if<DnsmasqInstance>(&d.instance)) {
      auto pid = start_dnsmasq(*b_.processes, *server);
      return pid.status();
    }
    const auto& client = std::get<DhclientInstance>(d.instance);
    if (auto st = write_dhclient_files(client); !st.ok()) return st;
    auto pid = start_dhclient(*b_.processes, client);
    if (!pid.ok()) return pid.status();
    // The lab is usable only when the client holds its lease.
    auto lease = wait_for_lease(*b_.processes, client, *pid, o_.lease_timeout);
    if (!lease.ok()) {
      // This process is ours for sure (our unreaped child), whatever its
      // command line says: a wrapper script in PATH runs as /bin/sh, so the
      // stop that follows, which checks the command line, would leave it
      // running (faults_daemons.sh, "dhclient never gets a lease").
      (void)b_.processes->terminate(*pid, std::chrono::milliseconds(1000));
    }
    return lease.status();
  }

  Status stop(const DaemonSpec& d, bool restart) {
    if (!b_.processes)
      return Error{ErrorKind::Bug, "plan stops daemons but has no processes", {}, 0};
    if (auto st = stop_daemon(*b_.processes, d.pid_file(), d.ns(), d.argv()); !st.ok()) return st;
    if (restart) return {};  // files and record are rewritten by the start that follows
    if (const auto* client = std::get_if<DhclientInstance>(&d.instance)) {
      // The client is gone, its address stays: remove what it leased.
      auto lease = leased_address(*client);
      if (lease.ok() && lease->has_value())
        (void)b_.kernel.delete_address(client->ns, client->interface, (*lease)->address);
      if (auto st = remove_dhclient_files(*client); !st.ok()) return st;
    } else {
      // The lease database stays (down removes the whole state directory):
      // a down killed between the stop of a server and of its clients left
      // clients holding leases their restarted server no longer knew, and
      // the lease assertions failed (faults_kill.sh, down at step 2).
      if (auto st = remove_dnsmasq_files(std::get<DnsmasqInstance>(d.instance), true); !st.ok())
        return st;
    }
    return b_.state.forget_daemon(d.id());
  }

  Status apply_ovs(const OvsTransaction& t) {
    if (t.empty()) return {};
    if (!b_.ovs) return Error{ErrorKind::Bug, "plan has OVS changes but no OVS client", {}, 0};
    return b_.ovs->apply(t, o_.ovs_timeout);
  }

  // Runs the ops of one action; `done` counts those that succeeded, or that
  // failed after a partial effect only the action's undo restores.
  // `cleaned`: the failed op undid its own partial effect.
  Status run_action(std::size_t index, std::size_t& done, bool& cleaned) {
    done = 0;
    cleaned = false;
    for (const auto& operation : plan_.actions[index].ops) {
      if (auto st = run_op(operation, &cleaned); !st.ok()) {
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

  void record(std::size_t index, const Status& st, std::size_t done, bool cleaned) {
    std::lock_guard lock(mu_);
    if (st.ok()) {
      applied_.push_back(index);
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

  void run_lanes(std::size_t begin, std::size_t end) {
    std::map<std::string, std::vector<std::size_t>> lanes;
    for (std::size_t i = begin; i < end; ++i) lanes[plan_.actions[i].lane()].push_back(i);
    std::vector<const std::vector<std::size_t>*> work;
    for (const auto& [_, v] : lanes) work.push_back(&v);
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (;;) {
        std::size_t w = next++;
        if (w >= work.size()) return;
        for (std::size_t index : *work[w]) {
          if (failed()) return;
          std::size_t done = 0;
          bool cleaned = false;
          Status st = run_action(index, done, cleaned);
          record(index, st, done, cleaned);
        }
      }
    };
    int n = std::max(1, std::min<int>(o_.parallelism, static_cast<int>(work.size())));
    if (n == 1) {
      worker();
      return;
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < n; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }

  void run_ovs_phase(std::size_t begin, std::size_t end) {
    OvsTransaction txn;
    for (std::size_t i = begin; i < end; ++i)
      for (const auto& operation : plan_.actions[i].ops)
        if (const auto* o = std::get_if<op::Ovs>(&operation)) merge(txn, o->txn);
    Status st = apply_ovs(txn);
    // One transaction: either every action of the phase happened or (as far
    // as we can tell) they all did and vswitchd failed on one: undo them all.
    for (std::size_t i = begin; i < end; ++i) {
      std::lock_guard lock(mu_);
      applied_.push_back(i);
      if (o_.on_action) o_.on_action(i, st);
    }
    if (!st.ok()) {
      std::lock_guard lock(mu_);
      if (!failure_) failure_ = std::make_pair(st.error(), begin);
    }
  }

  bool failed() {
    std::lock_guard lock(mu_);
    return failure_.has_value();
  }

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
    // Undo in reverse order of application; OVS undos of consecutive actions
    // go in one transaction, filtered against what OVS holds now.
    std::vector<std::size_t> order(applied_.rbegin(), applied_.rend());
    std::size_t i = 0;
    while (i < order.size()) {
      const Action& a = plan_.actions[order[i]];
      if (a.phase == Phase::Ovs || a.phase == Phase::OvsDelete) {
        OvsTransaction txn;
        std::size_t first = i;
        while (i < order.size() && plan_.actions[order[i]].phase == a.phase) {
          for (const auto& u : plan_.actions[order[i]].undo)
            if (const auto* o = std::get_if<op::Ovs>(&u)) merge(txn, o->txn);
          ++i;
        }
        Status st = undo_ovs(txn);
        if (!st.ok()) report.rollback_errors.push_back(st.error());
        for (std::size_t k = first; k < i; ++k) undone(report, order[k], steps, st);
        continue;
      }
      Status result;
      for (const auto& u : a.undo) {
        Status st = run_op(u);
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

  Status undo_ovs(OvsTransaction txn) {
    if (txn.empty() || !b_.ovs) return {};
    auto now = b_.ovs->observe();
    if (!now.ok()) return now.status();
    // Keep only what still applies: delete what exists and is ours, add what is missing.
    const std::string lab = txn.lab;
    std::erase_if(txn.del_ports, [&](const auto& p) {
      const OvsBridgeState* b = now->bridge_of_port(p.name);
      const OvsPortState* port = b ? b->find_port(p.name) : nullptr;
      return !port || port->owner() != lab;
    });
    std::erase_if(txn.del_bridges, [&](const auto& name) {
      const OvsBridgeState* b = now->find_bridge(name);
      return !b || b->owner() != lab;
    });
    std::erase_if(txn.add_bridges,
                  [&](const auto& b) { return now->find_bridge(b.name) != nullptr; });
    std::erase_if(txn.add_ports,
                  [&](const auto& p) { return now->bridge_of_port(p.name) != nullptr; });
    std::erase_if(txn.set_vlans, [&](const auto& v) {
      const OvsBridgeState* b = now->bridge_of_port(v.name);
      const OvsPortState* port = b ? b->find_port(v.name) : nullptr;
      return !port || port->owner() != lab;
    });
    // Ports of a bridge being deleted go with it.
    std::erase_if(txn.del_ports, [&](const auto& p) {
      return std::find(txn.del_bridges.begin(), txn.del_bridges.end(), p.bridge) !=
             txn.del_bridges.end();
    });
    return apply_ovs(txn);
  }

  const Plan& plan_;
  Backends& b_;
  const ApplyOptions& o_;
  std::mutex mu_;
  std::vector<std::size_t> applied_;
  std::vector<std::size_t> self_undone_;  ///< failed actions that undid their partial effect
  std::optional<std::pair<Error, std::size_t>> failure_;
};

}  // namespace

ApplyReport apply_plan(const Plan& plan, Backends& backends, const ApplyOptions& options) {
  return Executor(plan, backends, options).run();
}

}  // namespace netlab
