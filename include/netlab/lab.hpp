// The Lab facade: load a topology, plan, up, down, status. The CLI is a thin
// layer over it, and C++ test fixtures embed it the same way.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netlab/apply.hpp"
#include "netlab/desired_state.hpp"
#include "netlab/error.hpp"
#include "netlab/kernel.hpp"
#include "netlab/loss.hpp"
#include "netlab/nat.hpp"
#include "netlab/ovs.hpp"
#include "netlab/plan.hpp"
#include "netlab/processes.hpp"
#include "netlab/state_dir.hpp"
#include "netlab/topology.hpp"

namespace netlab {

struct LabOptions {
  std::string prefix;  ///< --prefix: for parallel copies of one topology
  bool adopt = false;  ///< take over unmarked objects that block the lab
  /// --replace: take over a lab of the same name that another file brought up.
  bool replace = false;
  /// Values of the topology's ${NAME}s (--var, --vars, NETLAB_VAR_NAME).
  std::map<std::string, std::string> variables;
  /// false (plan --offline): plan against an empty machine without reading
  /// it, so that a user without root can see what `up` would build.
  bool observe = true;
  bool rollback = true;
  /// --allow-services: run the `services:` of the topology. A topology file
  /// is untrusted input that may shape networking and nothing else; its
  /// services are commands run as root, so `up` refuses them unless the
  /// user (not the file) allows them.
  bool allow_services = false;
  int parallelism = 4;
  /// --machine: act only on this machine's share of a lab that spans
  /// machines ("" = the file's `machine:`, its only machine, or the machine
  /// whose underlay address is in this network namespace).
  std::string machine;
  std::string state_root = kDefaultStateRoot;
  std::string ovsdb_socket = kDefaultOvsdbSocket;
  std::chrono::milliseconds lock_timeout{60000};
  std::chrono::milliseconds wait_timeout{30000};  ///< links vanishing after a netns delete
  /// --wait-timeout: readiness, i.e. each DHCP lease and IPv6 DAD of the addresses.
  std::chrono::milliseconds lease_timeout{30000};
  /// Called once when up/down must wait for another netlab holding the lab's lock.
  std::function<void()> on_lock_wait;
};

/// The seams a Lab uses. Null members are replaced by the real implementations.
struct LabBackends {
  std::shared_ptr<Kernel> kernel;
  std::shared_ptr<Ovs> ovs;
  std::shared_ptr<Processes> processes;
  std::shared_ptr<NatTables> nat;
  std::shared_ptr<LossTables> loss;
};

/// Time spent per phase of a command, for --timings.
struct Timings {
  std::vector<std::pair<std::string, double>> phases;  ///< name, milliseconds
  void add(const std::string& name, double ms) { phases.emplace_back(name, ms); }
};

/// Progress of an apply: the action that just finished (or failed), or,
/// with `undo`, the action a rollback just undid (done/total then count the
/// rollback's steps so far and the actions that may need undoing).
struct Progress {
  const Action& action;
  const Status& status;
  std::size_t done, total;
  bool undo = false;
};

struct UpReport {
  Plan plan;  ///< what was applied (empty: nothing to do)
  ApplyReport apply;
  Timings timings;
};

struct DownReport {
  Plan plan;
  ApplyReport apply;
  Timings timings;
};

/// One object of the lab with its live state, for `status`.
struct StatusEntry {
  std::string resource, ns, object;
  std::string state;  ///< e.g. "up, 10.0.0.1/24", "vlan 100", "pid 1234"
  std::string drift;  ///< "" when as desired, else what `up` would do about it
};

struct StatusReport {
  std::string lab;
  bool exists = false;  ///< anything of the lab is present
  /// What the live state was compared with: the file given (`status FILE`,
  /// like `plan`), or the topology of the last `up` (`status LAB`).
  enum class Against { File, LastUp, Nothing } against = Against::Nothing;
  std::string file;  ///< that file (for LastUp: the file the last up came from)
  std::vector<StatusEntry> entries;
  std::size_t drifted = 0;
  /// What keeps `up` from bringing the lab to its topology (an object of no
  /// lab in the way, a feature this kernel lacks): the errors `plan` and
  /// `up` stop with. Empty when `up` can plan.
  std::vector<Error> errors;
};

class Lab {
 public:
  /// Loads, prefixes and validates a topology file. Errors: every problem of
  /// the file, sorted by position.
  static Result<Lab> load(const std::string& path, LabOptions options = {},
                          LabBackends backends = {});
  /// A lab from its state directory (for `down`/`status` when the file has
  /// changed or is gone). The desired state is "what was applied".
  static Result<Lab> attach(const std::string& lab, LabOptions options = {},
                            LabBackends backends = {});
  /// Labs that have a state directory (are up, or partly up).
  static std::vector<std::string> list(const std::string& state_root = kDefaultStateRoot);

  const std::string& name() const { return name_; }
  /// The topology this lab acts on: for a lab spanning machines, this
  /// machine's share (narrow_to_machine).
  const std::optional<Topology>& topology() const { return topology_; }
  /// The whole topology before it was narrowed to one machine (what `netlab
  /// test` reads: targets on other machines, the machine of each `from`).
  const std::optional<Topology>& whole_topology() const {
    return whole_topology_ ? whole_topology_ : topology_;
  }
  /// The machine acted as ("" for a lab that declares no machines:).
  const std::string& machine() const { return machine_; }

  /// Sets the conditions on the egress of link end `endpoint` ("NS:IF" or
  /// "host:IF", as in `links:`, with or without the lab's --prefix) in the
  /// loaded topology, written as in a file: "{loss: 20%}"; "" removes them.
  /// The next up() applies the change (one plan row), as if the file had
  /// said so; the file itself is not touched. A link's own `conditions:` are
  /// first given to both its ends, so that the other end keeps them.
  /// Errors (nothing changed): no such end, a bad value, no topology.
  Status set_conditions(const std::string& endpoint, const std::string& conditions);
  /// `state: down` (up = false) or up on link end `endpoint`, applied by the
  /// next up() like set_conditions.
  Status set_link_state(const std::string& endpoint, bool up);

  /// What `up` would do. Errors: conflicts, unsupported features, OVS down.
  Result<Plan> plan(Timings* timings = nullptr);
  /// Plan, apply, observe again, verify. Idempotent. On failure the error is
  /// returned and the report says what was rolled back.
  Result<UpReport> up(const std::function<void(const Progress&)>& progress = {});
  /// Removes everything the lab created, nothing else. A second down is a no-op.
  Result<DownReport> down(const std::function<void(const Progress&)>& progress = {});
  /// Each object of the lab with its live state and drift (what `up` would
  /// do, planned as `up` plans), and the errors `up` would stop with.
  Result<StatusReport> status();

  /// What service `name` wrote so far (stdout and stderr, from its log in
  /// the lab's state directory). `up` returns when every service is ready,
  /// so a fixture can use a service right after it. Errors: the lab records
  /// no such service.
  Result<std::string> service_log(const std::string& name) const;

  Kernel& kernel() { return *backends_.kernel; }
  Processes& processes() { return *backends_.processes; }
  StateDir& state() { return *state_; }

  Lab(Lab&&) = default;
  Lab& operator=(Lab&&) = default;
  ~Lab();

 private:
  Lab(std::string name, std::optional<Topology> topology, LabOptions options, LabBackends backends);
  Result<LiveState> observe(const DesiredState& desired, bool need_ovs);
  /// What the machine holds after `applied` ran on a machine observed as
  /// `before` (taken over): only what `applied` may have changed is read again.
  Result<LiveState> observe_after(const DesiredState& desired, bool need_ovs, const Plan& applied,
                                  LiveState before);
  /// The options `plan` and `up` plan with; `probe_kernel`: ask the kernel
  /// for its features (in a throw-away namespace); `probe_ovs`: ask OVS for
  /// its datapath (with a probe bridge). Else they are assumed (--offline);
  /// `datapath: auto` is then what the last up found (recorded in the state
  /// directory), so that `status` makes no probe bridge.
  Result<PlanOptions> plan_options(const DesiredState& desired, bool probe_kernel, bool probe_ovs);
  /// Observes and plans; `observed` (optional) receives what was observed.
  /// With `applied`, `observed` holds what was observed before that plan ran,
  /// and only what it may have changed is observed again (observe_after);
  /// `observed` is then taken over, and holds nothing after a failure.
  Result<PlanResult> plan_for(const DesiredState& desired, bool need_ovs, Timings* timings,
                              LiveState* observed = nullptr, const Plan* applied = nullptr);
  /// Waits until the lab is usable: every DHCP client of `desired` holds its
  /// lease and no IPv6 address of `desired` is in duplicate address
  /// detection any more, starting from what `observed` shows.
  Status wait_ready(const DesiredState& desired, const LiveState& observed, Timings* timings);
  ApplyReport run(const Plan& plan, const std::function<void(const Progress&)>& progress,
                  std::function<Status()> finish = {});
  /// After a failed up: forgets a lab the rollback removed completely (its
  /// lock file goes with the state directory), or restores the record of
  /// what was applied before; returns the error to report.
  Error after_failed_up(const ApplyReport& apply, bool existed,
                        const std::optional<StateDir::Applied>& previous, bool used_ovs);
  bool needs_ovs(const DesiredState& desired) const;
  Result<DesiredState> desired() const;
  /// Refuses a lab name that a different file brought up (unless --replace):
  /// both would share one state directory, and the second up would remove
  /// the first lab's objects as its own.
  Status check_same_file() const;
  /// For a topology with machines: picks the machine (options, the file,
  /// or this namespace's addresses) and narrows topology_ to its share.
  Status select_machine();
  /// Takes an edited whole topology (set_conditions, set_link_state): for a
  /// machine's share, narrows it again.
  Status replace_topology(Topology whole);
  /// After a successful up: keeps the parse of the file for the next load
  /// (src/lab/parse_cache.hpp).
  void keep_parse();

  std::string name_;
  std::optional<Topology> topology_;
  std::optional<Topology> whole_topology_;  ///< set when topology_ is one machine's share
  std::string machine_;
  std::string source_text_;
  std::string source_path_;  ///< absolute path of the file loaded ("" when attached)
  /// The parse to keep once the lab stands, when the load missed the cache:
  /// the path as given ("" = nothing to keep) and the model as parsed and
  /// checked, before --prefix and --machine. `parse_model_` unset: no copy
  /// was needed, whole_topology() is that model (no --prefix; an edit moves
  /// it here first, see replace_topology). Encoded only by keep_parse.
  std::string parse_path_;
  std::optional<Topology> parse_model_;
  LabOptions options_;
  LabBackends backends_;
  std::unique_ptr<StateDir> state_;
  std::string probed_datapath_;  ///< what OVS's probe answered in this process ("" before)
  bool own_kernel_ = false;      ///< the real kernel, made by the Lab (not given by the caller)
};

}  // namespace netlab
