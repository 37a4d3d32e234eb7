#include "netlab/lab.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/lab_name.hpp"
#include "core/text.hpp"
#include "lab/address_readiness.hpp"
#include "lab/lab_daemons.hpp"
#include "lab/lease_readiness.hpp"
#include "netlab/dhcp_client.hpp"
#include "netlab/nat.hpp"
#include "netlab/parse.hpp"
#include "netlab/resource_graph.hpp"

namespace netlab {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

Error join_errors(const std::vector<Error>& errors) {
  Error e = errors.front();
  if (errors.size() > 1) {
    std::string all;
    for (const auto& x : errors) all += (all.empty() ? "" : "\n") + x.str();
    e.message = all;
    e.where = {};
  }
  return e;
}

// sysctl keys to read: everything the topology sets and what the lab saved.
std::vector<std::string> sysctl_keys(const DesiredState& d, const StateDir& state) {
  std::set<std::string> keys;
  for (const auto& s : d.sysctls) keys.insert(s.key);
  for (const auto& [k, _] : state.saved_host_sysctls()) keys.insert(k);
  return {keys.begin(), keys.end()};
}

}  // namespace

Lab::Lab(std::string name, std::optional<Topology> topology, LabOptions options,
         LabBackends backends)
    : name_(std::move(name)),
      topology_(std::move(topology)),
      options_(std::move(options)),
      backends_(std::move(backends)) {
  if (!backends_.kernel) backends_.kernel = make_netlink_kernel();
  if (!backends_.ovs) backends_.ovs = make_ovsdb_client(options_.ovsdb_socket);
  if (!backends_.processes) backends_.processes = make_real_processes();
  if (!backends_.nat) backends_.nat = make_nftables_nat();
  state_ = std::make_unique<StateDir>(options_.state_root, name_);
}

Lab::~Lab() = default;

Result<Lab> Lab::load(const std::string& path, LabOptions options, LabBackends backends) {
  auto read = read_topology_file(path);
  if (!read.ok()) return read.error();
  std::string text = std::move(*read);
  LoadResult loaded = parse_topology(text, path, options.variables);
  if (!loaded.ok()) {
    if (loaded.errors.empty())
      return Error{ErrorKind::Bug, path + ": parser returned no topology and no error", {}, 0};
    return join_errors(loaded.errors);
  }
  Topology topo = std::move(*loaded.topology);
  // Every object must be creatable in some order: no cycle, no dangling need.
  if (auto errors = build_resource_graph(topo).check(); !errors.empty()) return join_errors(errors);
  if (!options.prefix.empty()) {
    auto errors = apply_prefix(topo, options.prefix);
    if (!errors.empty()) return join_errors(errors);
  }
  std::string name = topo.name;
  Lab lab(name, std::move(topo), std::move(options), std::move(backends));
  lab.source_text_ = std::move(text);
  std::error_code ec;
  auto absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  lab.source_path_ = ec ? path : absolute.string();
  return lab;
}

Result<Lab> Lab::attach(const std::string& lab_name, LabOptions options, LabBackends backends) {
  if (auto st = check_lab_name(lab_name, "lab"); !st.ok()) return st.error();
  StateDir state(options.state_root, lab_name);
  std::optional<Topology> topo;
  if (auto applied = state.read_applied(); applied.ok()) {
    LoadResult loaded = parse_topology(applied->text, applied->file, applied->variables);
    options.variables = applied->variables;
    if (loaded.ok()) {
      topo = std::move(*loaded.topology);
      if (!applied->prefix.empty()) {
        if (apply_prefix(*topo, applied->prefix).empty()) {
          options.prefix = applied->prefix;
        } else {
          topo.reset();
        }
      }
    }
  }
  Lab lab(lab_name, std::move(topo), std::move(options), std::move(backends));
  return lab;
}

std::vector<std::string> Lab::list(const std::string& state_root) {
  return StateDir::list_labs(state_root);
}

bool Lab::needs_ovs(const DesiredState& d) const {
  return !d.ovs_bridges.empty() || !d.ovs_ports.empty();
}

Result<LiveState> Lab::observe(const DesiredState& desired, bool need_ovs) {
  LiveState live;
  live.owned_namespaces = state_->namespaces();
  live.saved_host_sysctls = state_->saved_host_sysctls();
  std::set<std::string> names(live.owned_namespaces.begin(), live.owned_namespaces.end());
  for (const auto& n : desired.namespaces) names.insert(n.name);
  auto kernel =
      backends_.kernel->observe({names.begin(), names.end()}, sysctl_keys(desired, *state_));
  if (!kernel.ok()) return kernel.error();
  live.kernel = std::move(*kernel);
  live.daemons = observe_daemons(*state_, *backends_.processes);
  // The lab's nftables table: read when the lab wants NAT or may have made one.
  if (!desired.nat.empty() || state_->exists()) {
    auto nat = backends_.nat->observe(name_);
    if (!nat.ok()) {
      if (!desired.nat.empty()) return nat.error();
    } else {
      live.nat = std::move(*nat);
    }
  }
  // OVS is read when the topology needs it (and then must be running), or
  // when it runs anyway, to find rows of the lab to remove.
  Status available = backends_.ovs->check_available();
  if (need_ovs && !available.ok()) return available.error();
  if (available.ok()) {
    auto ovs = backends_.ovs->observe();
    if (!ovs.ok()) return ovs.error();
    live.ovs = std::move(*ovs);
  }
  return live;
}

namespace {

bool in_path(const std::string& program) {
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// The daemons' programs must be installed before anything changes.
std::vector<Error> missing_programs(const DesiredState& desired) {
  std::vector<Error> errors;
  for (const auto& d : desired.daemons) {
    const std::string& program = d.argv().front();
    if (in_path(program)) continue;
    std::string package = d.is_server() ? "dnsmasq-base" : "isc-dhcp-client";
    errors.push_back(Error{ErrorKind::Unsupported,
                           std::string(d.is_server() ? "DHCP server" : "DHCP client") + " on '" +
                               d.interface() + "': " + program + " is not installed; install it " +
                               "with: apt-get install " + package,
                           d.pos, ENOENT});
  }
  return errors;
}

}  // namespace

Result<PlanResult> Lab::plan_for(const DesiredState& desired, bool need_ovs, Timings* timings,
                                 LiveState* observed) {
  if (auto missing = missing_programs(desired); !missing.empty()) return join_errors(missing);
  auto t0 = Clock::now();
  // Offline: an empty machine, with an OVS that has no bridge yet.
  LiveState empty;
  empty.ovs = OvsState{};
  auto live = options_.observe ? observe(desired, need_ovs) : Result<LiveState>(std::move(empty));
  if (!live.ok()) return live.error();
  if (timings) timings->add("observe", ms_since(t0));
  auto t1 = Clock::now();
  PlanOptions po;
  po.adopt = options_.adopt;
  bool needs_caps = false;
  for (const auto& l : desired.links) needs_caps |= l.kind == LinkKind::Vlan;
  if (needs_caps && options_.observe) po.capabilities = backends_.kernel->capabilities();
  bool needs_auto = false;
  for (const auto& b : desired.ovs_bridges) needs_auto |= b.datapath == Datapath::Auto;
  if (needs_auto && options_.observe) {
    auto dp = backends_.ovs->auto_datapath();
    if (!dp.ok()) return dp.error();
    po.ovs_datapath_auto = *dp;
  } else if (needs_auto) {
    po.ovs_datapath_auto = "auto (probed by up)";
  }
  PlanResult result = make_plan(desired, *live, po);
  if (timings) timings->add("plan", ms_since(t1));
  if (observed) *observed = std::move(*live);
  return result;
}

// Checked on every up, a no-op included: the run that started a client may
// have been killed before its lease came (then this up plans nothing).
Status Lab::wait_ready(const DesiredState& desired, const LiveState& observed, Timings* timings) {
  auto unsettled = unsettled_addresses(desired, observed);
  auto unleased = unleased_clients(desired, observed);
  if (unsettled.empty() && unleased.empty()) return {};
  auto t0 = Clock::now();
  auto deadline = t0 + options_.lease_timeout;
  while (!unsettled.empty() || !unleased.empty()) {
    for (const auto& u : unsettled)
      if (u.failed) return dad_failed_error(u);
    std::vector<UnleasedClient> stopped;
    for (const auto& u : unleased)
      if (!u.running) stopped.push_back(u);
    if (!stopped.empty()) return lease_timeout_error(stopped, ms_since(t0) / 1000.0);
    if (Clock::now() >= deadline) {
      if (!unleased.empty()) return lease_timeout_error(unleased, ms_since(t0) / 1000.0);
      return dad_timeout_error(unsettled, ms_since(t0) / 1000.0);
    }
    // DAD sends one probe and waits a second (net.ipv6.conf.*.dad_transmits,
    // retrans_time_ms); a DHCP lease takes a few ms to 1 s (dhclient's
    // initial-interval): polling often costs little and returns soon after.
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::set<std::string> names;
    for (const auto& n : namespaces_of(unsettled))
      if (!n.empty()) names.insert(n);
    for (const auto& n : namespaces_of(unleased))
      if (!n.empty()) names.insert(n);
    auto kernel = backends_.kernel->observe({names.begin(), names.end()}, {});
    if (!kernel.ok()) return kernel.error();
    LiveState now;
    now.kernel = std::move(*kernel);
    if (!unleased.empty()) now.daemons = observe_daemons(*state_, *backends_.processes);
    unsettled = unsettled_addresses(desired, now);
    unleased = unleased_clients(desired, now);
  }
  if (timings) timings->add("settle", ms_since(t0));  // leases and DAD
  return {};
}

Result<DesiredState> Lab::desired() const {
  DesiredState desired = desired_state(*topology_);
  auto daemons = desired_daemons(*topology_, state_->path());
  if (!daemons.ok()) return daemons.error();
  desired.daemons = std::move(*daemons);
  return desired;
}

Result<Plan> Lab::plan(Timings* timings) {
  if (!topology_) {
    return Error{ErrorKind::InvalidTopology, "lab '" + name_ + "' has no topology to plan", {}, 0};
  }
  if (auto st = check_same_file(); !st.ok()) return st.error();
  auto wanted = desired();
  if (!wanted.ok()) return wanted.error();
  DesiredState& desired = *wanted;
  auto result = plan_for(desired, needs_ovs(desired), timings);
  if (!result.ok()) return result.error();
  if (!result->ok()) return join_errors(result->errors);
  return std::move(result->plan);
}

ApplyReport Lab::run(const Plan& plan, const std::function<void(const Progress&)>& progress,
                     std::function<Status()> finish) {
  Backends b{*backends_.kernel, backends_.ovs.get(), *state_, backends_.processes.get(),
             backends_.nat.get()};
  ApplyOptions ao;
  ao.rollback = options_.rollback;
  ao.parallelism = options_.parallelism;
  ao.wait_timeout = options_.wait_timeout;
  ao.lease_timeout = options_.lease_timeout;
  ao.finish = std::move(finish);
  std::size_t done = 0, undone = 0;
  if (progress) {
    ao.on_action = [&](std::size_t index, const Status& st) {
      ++done;
      progress(Progress{plan.actions[index], st, done, plan.actions.size()});
    };
    ao.on_undo = [&](std::size_t index, std::size_t steps, const Status& st) {
      ++undone;
      progress(Progress{plan.actions[index], st, undone, steps, true});
    };
  }
  return apply_plan(plan, b, ao);
}

Result<UpReport> Lab::up(const std::function<void(const Progress&)>& progress) {
  if (!topology_) {
    return Error{
        ErrorKind::InvalidTopology, "lab '" + name_ + "' has no topology to bring up", {}, 0};
  }
  auto lock =
      LabLock::acquire(options_.state_root, name_, options_.lock_timeout, options_.on_lock_wait);
  if (!lock.ok()) return lock.error();
  // An up that stops before anything of the lab exists (a conflict, OVS not
  // running) leaves no lock file behind in the state root.
  struct ForgetLockOfNothing {
    const StateDir& state;
    LabLock& lock;
    ~ForgetLockOfNothing() {
      if (!state.exists()) lock.remove_file();
    }
  } forget_lock{*state_, **lock};
  if (auto st = check_same_file(); !st.ok()) return st.error();
  UpReport report;
  auto wanted = desired();
  if (!wanted.ok()) return wanted.error();
  DesiredState& desired = *wanted;
  bool need_ovs = needs_ovs(desired);
  LiveState observed;
  auto planned = plan_for(desired, need_ovs, &report.timings, &observed);
  if (!planned.ok()) return planned.error();
  if (!planned->ok()) return join_errors(planned->errors);
  report.plan = std::move(planned->plan);
  if (report.plan.empty()) {
    // Built already, but maybe only just (a second up right after the first,
    // or after an up that was killed while its clients waited for leases).
    if (auto st = remember_host_sysctls(desired); !st.ok()) return st.error();
    // The record may change when the machine does not: --replace, or an
    // edit of the file that the machine already matches.
    if (auto applied = state_->read_applied();
        state_->exists() &&
        (!applied.ok() || applied->file != source_path_ ||
         applied->hash != text_hash(source_text_) || applied->variables != options_.variables)) {
      if (auto st = state_->write_applied(
              {source_path_, options_.prefix, source_text_, {}, options_.variables});
          !st.ok())
        return st.error();
    }
    if (auto st = wait_ready(desired, observed, &report.timings); !st.ok()) return st.error();
    return report;
  }

  // Whether the lab existed before this up, and what it last applied: a
  // rollback leaves either nothing of the lab or the lab as it was.
  const bool existed = state_->exists();
  std::optional<StateDir::Applied> previous;
  if (auto applied = state_->read_applied(); applied.ok()) previous = std::move(*applied);
  // A record that cannot be written (a full or read-only state directory)
  // stops the up before any change: a new lab then leaves no half record.
  auto unrecorded = [&](Error e) -> Error {
    if (!existed) (void)state_->remove();
    return e;
  };
  if (auto st = remember_host_sysctls(desired); !st.ok()) return unrecorded(st.error());
  // What was applied, for `down` without the file and for `status`.
  if (auto st = state_->write_applied(
          {source_path_, options_.prefix, source_text_, {}, options_.variables});
      !st.ok())
    return unrecorded(st.error());
  // Verify and readiness run inside the apply: when either fails, the apply
  // rolls back like for a failed action.
  auto finish = [&]() -> Status {
    auto t1 = Clock::now();
    auto verify = plan_for(desired, need_ovs, nullptr, &observed);
    report.timings.add("verify", ms_since(t1));
    if (!verify.ok()) return verify.error();
    if (!verify->ok()) return join_errors(verify->errors);
    if (!verify->plan.empty()) {
      return Error{ErrorKind::Verification,
                   "after up, lab '" + name_ + "' still differs from the topology:\n" +
                       format_plan(verify->plan),
                   {},
                   0};
    }
    // Ready means usable: leases held, IPv6 addresses past duplicate address detection.
    return wait_ready(desired, observed, &report.timings);
  };
  auto t0 = Clock::now();
  report.apply = run(report.plan, progress, finish);
  report.timings.add("apply", ms_since(t0));
  if (!report.apply.ok()) return after_failed_up(report.apply, existed, previous, need_ovs);
  return report;
}

Error Lab::after_failed_up(const ApplyReport& apply, bool existed,
                           const std::optional<StateDir::Applied>& previous, bool used_ovs) {
  Error e = *apply.failure;
  if (!apply.rolled_back) {
    e.message +=
        "\nthe partial lab is kept (--no-rollback); `netlab down " + name_ + "` removes it";
    return e;
  }
  auto incomplete = [&] {
    e.message += "\nrollback incomplete, " + std::to_string(apply.rollback_errors.size()) +
                 " undo step(s) failed:";
    for (const auto& r : apply.rollback_errors) e.message += "\n  " + r.str();
    e.message += "\n`netlab down " + name_ + "` removes what is left";
  };
  if (existed) {
    // The lab as it was before: so is the record of what it applied.
    if (!apply.rollback_errors.empty())
      incomplete();
    else if (previous)
      (void)state_->write_applied(*previous);
    return e;
  }
  // The lab did not exist before: nothing of it may remain, not even a
  // record. What is left decides, not which undo steps failed: an OVS undo
  // that ovsdb-server committed while ovs-vswitchd was gone left nothing
  // (faults_ovs.sh). Rows of an OVS that does not answer cannot be seen, so
  // then the record stays.
  const bool ovs_seen = !used_ovs || backends_.ovs->check_available().ok();
  auto again = plan_for(empty_desired_state(name_), false, nullptr);
  if (!again.ok()) {
    if (!apply.rollback_errors.empty()) incomplete();
    e.message += "\nafter the rollback, checking what is left failed: " + again.error().str();
    return e;
  }
  if (!again->ok() || !again->plan.empty() || !ovs_seen) {
    if (!apply.rollback_errors.empty()) {
      incomplete();
    } else if (!ovs_seen) {
      e.message += "\nOpen vSwitch does not answer, so its rows of lab '" + name_ +
                   "' cannot be checked; `netlab down " + name_ + "` removes them once it does";
    } else {
      e.message += "\nafter the rollback, objects of lab '" + name_ + "' remain:\n" +
                   format_plan(again->plan) + "`netlab down " + name_ + "` removes them";
    }
    return e;
  }
  if (!apply.rollback_errors.empty()) {
    e.message += "\n" + std::to_string(apply.rollback_errors.size()) +
                 " undo step(s) reported an error, but nothing of the lab is left: " +
                 apply.rollback_errors.front().str();
  }
  for (const auto& [key, _] : state_->saved_host_sysctls()) (void)state_->forget_host_sysctl(key);
  if (auto st = state_->remove(); !st.ok()) {
    e.message += "\nafter the rollback, removing the lab's record failed: " + st.error().str();
  }
  return e;
}

Result<DownReport> Lab::down(const std::function<void(const Progress&)>& progress) {
  auto lock =
      LabLock::acquire(options_.state_root, name_, options_.lock_timeout, options_.on_lock_wait);
  if (!lock.ok()) return lock.error();
  DownReport report;
  hand_over_host_sysctls();
  DesiredState nothing = empty_desired_state(name_);
  auto planned = plan_for(nothing, false, &report.timings);
  if (!planned.ok()) return planned.error();
  if (!planned->ok()) return join_errors(planned->errors);
  report.plan = std::move(planned->plan);
  if (!report.plan.empty()) {
    auto t0 = Clock::now();
    report.apply = run(report.plan, progress);
    report.timings.add("apply", ms_since(t0));
    if (!report.apply.ok()) return *report.apply.failure;
  }
  // Every sysctl of the host is restored now: the state directory can go.
  auto again = plan_for(nothing, false, nullptr);
  if (!again.ok()) return again.error();
  if (!again->plan.empty()) {
    return Error{ErrorKind::Verification,
                 "after down, objects of lab '" + name_ + "' remain:\n" + format_plan(again->plan),
                 {},
                 0};
  }
  for (const auto& [key, _] : state_->saved_host_sysctls()) (void)state_->forget_host_sysctl(key);
  if (auto st = state_->remove(); !st.ok()) return st.error();
  (*lock)->remove_file();
  return report;
}

Status Lab::check_same_file() const {
  if (options_.replace || source_path_.empty() || !state_->exists()) return {};
  auto applied = state_->read_applied();
  // Records from before absolute paths were kept cannot be compared.
  if (!applied.ok() || applied->file.empty() || applied->file.front() != '/') return {};
  if (applied->file == source_path_) return {};
  return Error{ErrorKind::Conflict,
               "lab '" + name_ + "' is up from " + applied->file + ", and " + source_path_ +
                   " has the same lab name; give this file its own name (name: or --prefix), "
                   "take the other lab down first (netlab down " +
                   name_ + "), or take it over with --replace",
               topology_ && topology_->name_pos.known() ? topology_->name_pos
                                                        : SourcePos{source_path_, 0, 0},
               0};
}

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
Status Lab::remember_host_sysctls(const DesiredState& desired) {
  auto mine = state_->saved_host_sysctls();
  std::vector<std::string> keys;
  for (const auto& sc : desired.sysctls)
    if (sc.ns.empty() && !mine.count(sc.key)) keys.push_back(sc.key);
  if (keys.empty()) return {};
  auto lock = StateRootLock::acquire(options_.state_root);
  if (!lock.ok()) return lock.error();
  std::map<std::string, std::string> now;
  for (const auto& key : keys)
    if (auto v = backends_.kernel->read_sysctl("", key); v.ok()) now[key] = *v;
  auto theirs = others_host_sysctls(options_.state_root, name_);
  for (const auto& [key, value] : now) {  // a failed read: the plan's own read reports it
    auto it = theirs.find(key);
    if (auto st = state_->save_host_sysctl(key, it != theirs.end() ? it->second : value); !st.ok())
      return st;
  }
  return {};
}

// A host sysctl that another lab that is up also holds stays as it is: that
// lab recorded the same value from before, and restores it when it goes down
// last. Under the state root's lock, so that of two labs going down at once
// exactly one restores it.
void Lab::hand_over_host_sysctls() {
  auto mine = state_->saved_host_sysctls();
  if (mine.empty()) return;
  auto lock = StateRootLock::acquire(options_.state_root);
  if (!lock.ok()) return;  // then this lab restores what it recorded
  auto theirs = others_host_sysctls(options_.state_root, name_);
  for (const auto& [key, _] : mine)
    if (theirs.count(key)) (void)state_->forget_host_sysctl(key);
}

namespace {

// ---- status: each object of the lab with its live state -------------------

const NamespaceState* status_ns(const LiveState& live, const std::string& ns) {
  if (ns.empty()) return &live.kernel.root;
  auto it = live.kernel.namespaces.find(ns);
  return it == live.kernel.namespaces.end() ? nullptr : &it->second;
}

const LinkState* status_link(const LiveState& live, const std::string& ns,
                             const std::string& name) {
  const NamespaceState* n = status_ns(live, ns);
  return n ? n->find_link(name) : nullptr;
}

// "up 10.0.0.1/24 (dhcp), master br0"; `want` (may be null) says what to point out.
std::string link_state(const LinkState* have, const DesiredLink* want) {
  if (!have) return "missing";
  std::string s = have->up ? "up" : "down";
  for (const auto& a : have->addresses) s += " " + a.str();
  if (want && want->dhcp) s += have->addresses.empty() ? " (no lease)" : " (dhcp)";
  if (want && !want->master.empty())
    s += have->master.empty() ? ", no master" : ", master " + have->master;
  return s;
}

const char* kOvsNotRead = "not read: Open vSwitch is not running";

std::string ovs_port_state(const LiveState& live, const std::string& name,
                           const DesiredOvsPort* want) {
  if (!live.ovs) return kOvsNotRead;
  const OvsBridgeState* b = live.ovs->bridge_of_port(name);
  const OvsPortState* have = b ? b->find_port(name) : nullptr;
  if (!have) return "missing";
  std::string s = have->tag ? "vlan " + std::to_string(*have->tag) : "untagged";
  if (!have->trunks.empty()) {
    s = "trunks";
    for (int t : have->trunks) s += " " + std::to_string(t);
  }
  if (want && b->name != want->bridge) s += ", on bridge " + b->name;
  // The port's device: a veth end in the root namespace, or an internal
  // port in its namespace (or still in the root namespace).
  bool device =
      want ? status_link(live, "", name) || (want->internal && status_link(live, want->ns, name))
           : true;
  if (!device)
    s += ", its interface is gone";
  else if (!have->error.empty())
    s += ", error: " + have->error;
  else if (have->ofport < 0)
    s += ", interface not open";
  return s;
}

std::string ovs_bridge_state(const LiveState& live, const std::string& name) {
  if (!live.ovs) return kOvsNotRead;
  const OvsBridgeState* b = live.ovs->find_bridge(name);
  if (!b) return "missing";
  return "datapath " + (b->datapath_type.empty() ? std::string("system") : b->datapath_type);
}

std::string route_state(const LiveState& live, const std::string& ns, const RouteRequest& want) {
  const NamespaceState* n = status_ns(live, ns);
  if (!n) return "missing";
  for (const auto& r : n->routes)
    if (route_matches(want, r)) return "present";
  return "missing";
}

std::string sysctl_state(const LiveState& live, const std::string& ns, const std::string& key) {
  const NamespaceState* n = status_ns(live, ns);
  if (!n) return "missing";
  auto it = n->sysctls.find(key);
  return it == n->sysctls.end() ? "not read" : it->second;
}

std::string daemon_state(const LiveState& live, const std::string& id, const DaemonSpec* want) {
  auto it = live.daemons.find(id);
  if (it == live.daemons.end() || !it->second.running) return "not running";
  std::string s = "pid " + std::to_string(it->second.pid);
  const DaemonSpec& spec = want ? *want : it->second.spec;
  if (const auto* c = std::get_if<DhclientInstance>(&spec.instance)) {
    auto lease = leased_address(*c);
    if (lease.ok() && lease->has_value()) s += ", lease " + (*lease)->address.str();
  }
  return s;
}

std::string nat_state(const LiveState& live) {
  if (!live.nat) return "not read";
  if (!live.nat->exists) return "missing";
  std::string s;
  for (const auto& r : live.nat->rules)
    s += (s.empty() ? "masquerade " : ", ") + r.source.str() + " -> " + r.out;
  if (!live.nat->chain_ok) s += (s.empty() ? "" : ", ") + std::string("chain postrouting is wrong");
  if (!live.nat->other_rules.empty())
    s += (s.empty() ? "" : ", ") + std::to_string(live.nat->other_rules.size()) + " other rule" +
         (live.nat->other_rules.size() == 1 ? "" : "s");
  return s.empty() ? "no rules" : s;
}

// The state of an object the topology does not list (the plan deletes it,
// or restores it as it was before the lab).
std::string unlisted_state(const LiveState& live, const ObjectRef& ref) {
  switch (ref.kind) {
    case ObjectRef::Kind::Namespace:
      return status_ns(live, ref.ns) ? "present" : "missing";
    case ObjectRef::Kind::Link:
      return link_state(status_link(live, ref.ns, ref.name), nullptr);
    case ObjectRef::Kind::OvsBridge:
      return ovs_bridge_state(live, ref.name);
    case ObjectRef::Kind::OvsPort:
      return ovs_port_state(live, ref.name, nullptr);
    case ObjectRef::Kind::Route:
      return "present";
    case ObjectRef::Kind::Sysctl:
      return sysctl_state(live, ref.ns, ref.name);
    case ObjectRef::Kind::Daemon:
      return daemon_state(live, ref.name, nullptr);
    case ObjectRef::Kind::NatTable:
      return nat_state(live);
  }
  return "";
}

}  // namespace

Result<StatusReport> Lab::status() {
  StatusReport report;
  report.lab = name_;
  report.exists = state_->exists();
  if (!source_path_.empty()) {
    report.against = StatusReport::Against::File;
    report.file = source_path_;
  } else if (topology_) {
    report.against = StatusReport::Against::LastUp;
    auto applied = state_->read_applied();
    report.file = applied.ok() ? applied->file : topology_->file;
  }
  DesiredState desired = empty_desired_state(name_);
  if (topology_) {
    auto wanted = this->desired();
    if (!wanted.ok()) return wanted.error();
    desired = std::move(*wanted);
  }
  auto live = observe(desired, false);
  if (!live.ok()) return live.error();

  // One row per object: first what the topology lists, in its order.
  std::vector<ObjectRef> refs;
  auto row = [&](ObjectRef ref, std::string resource, std::string object, std::string state) {
    refs.push_back(std::move(ref));
    report.entries.push_back(
        {std::move(resource), refs.back().ns, std::move(object), std::move(state), ""});
  };
  using K = ObjectRef::Kind;
  for (const auto& n : desired.namespaces)
    row({K::Namespace, n.name, n.name}, "namespace", n.name,
        live->kernel.namespaces.count(n.name) ? "present" : "missing");
  for (const auto& l : desired.links)
    row({K::Link, l.ns, l.name}, to_string(l.kind), l.name,
        link_state(status_link(*live, l.ns, l.name), &l));
  for (const auto& b : desired.ovs_bridges)
    row({K::OvsBridge, "", b.name}, "ovs bridge", b.name, ovs_bridge_state(*live, b.name));
  for (const auto& p : desired.ovs_ports)
    row({K::OvsPort, "", p.name}, "ovs port", p.name + " on " + p.bridge,
        ovs_port_state(*live, p.name, &p));
  for (const auto& r : desired.routes)
    row({K::Route, r.ns, route_name(r.route)}, "route", route_name(r.route),
        route_state(*live, r.ns, r.route));
  for (const auto& s : desired.sysctls)
    row({K::Sysctl, s.ns, s.key}, "sysctl", s.key, sysctl_state(*live, s.ns, s.key));
  for (const auto& d : desired.daemons)
    row({K::Daemon, d.ns(), d.id()}, d.is_server() ? "dhcp server" : "dhcp client", d.interface(),
        daemon_state(*live, d.id(), &d));
  std::string table = "ip netlab-" + name_;
  if (!desired.nat.empty() || (live->nat && live->nat->exists))
    row({K::NatTable, "", table}, "nat table", table, nat_state(*live));

  // Drift is what `up` would do: the planner decides, status only shows it,
  // each action on the rows of the objects it acts on (a veth pair: both
  // ends), or on a row of its own for an object the topology does not list.
  PlanOptions po;
  po.adopt = options_.adopt;
  PlanResult planned = make_plan(desired, *live, po);
  for (const auto& a : planned.plan.actions) {
    if (!a.shown()) continue;  // the create half of the replace stands for it
    const std::string text = format_action(a);
    bool placed = false;
    for (const auto& subject : a.subjects) {
      for (std::size_t i = 0; i < refs.size(); ++i) {
        if (!(refs[i] == subject)) continue;
        std::string& drift = report.entries[i].drift;
        drift += (drift.empty() ? "" : "; ") + text;
        placed = true;
      }
    }
    if (placed) continue;
    ObjectRef ref = a.subjects.empty() ? ObjectRef{K::Namespace, a.ns, a.object} : a.subjects[0];
    std::string object = ref.kind == K::Sysctl ? ref.name : a.object;
    std::string state = a.subjects.size() == 1 ? unlisted_state(*live, ref) : "present";
    row(ref, a.resource, object, state);
    report.entries.back().ns = a.ns;
    report.entries.back().drift = text;
  }
  for (const auto& e : report.entries) report.drifted += !e.drift.empty();
  return report;
}

}  // namespace netlab
