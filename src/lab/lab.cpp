#include "netlab/lab.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/lab_name.hpp"
#include "core/text.hpp"
#include "lab/address_readiness.hpp"
#include "lab/host_sysctls.hpp"
#include "lab/kernel_features_cache.hpp"
#include "lab/lab_daemons.hpp"
#include "lab/lease_readiness.hpp"
#include "lab/parse_cache.hpp"
#include "lab/status_report.hpp"
#include "model/machines.hpp"
#include "model/resource_graph.hpp"
#include "parse/parse.hpp"

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

}  // namespace

Lab::Lab(std::string name, std::optional<Topology> topology, LabOptions options,
         LabBackends backends)
    : name_(std::move(name)),
      topology_(std::move(topology)),
      options_(std::move(options)),
      backends_(std::move(backends)) {
  if (!backends_.kernel) {
    backends_.kernel = make_netlink_kernel();
    own_kernel_ = true;
  }
  if (!backends_.ovs) backends_.ovs = make_ovsdb_client(options_.ovsdb_socket);
  if (!backends_.processes) backends_.processes = make_real_processes();
  if (!backends_.nat) backends_.nat = make_nftables_nat();
  if (!backends_.loss) backends_.loss = make_nftables_loss();
  state_ = std::make_unique<StateDir>(options_.state_root, name_);
}

Lab::~Lab() = default;

namespace {

// The settings of link end `endpoint` ("NS:IF", "host:IF") in `t`, made when
// absent, and its link; with the lab's prefix `prefix` tried too.
Result<std::pair<InterfaceConfig*, Link*>> link_end(Topology& t, const std::string& endpoint,
                                                    const std::string& prefix) {
  auto colon = endpoint.find(':');
  if (colon == std::string::npos)
    return make_error(ErrorKind::InvalidTopology,
                      "link end '" + endpoint + "' is not NS:IF (like red:eth0 or host:veth1)");
  const std::string owner = endpoint.substr(0, colon), ifname = endpoint.substr(colon + 1);
  for (const std::string& o : {owner, prefix + owner}) {
    for (const std::string& i : {ifname, prefix + ifname}) {
      for (auto& l : t.links) {
        for (const Endpoint* e : {&l.a, &l.b}) {
          if (e->owner != o || e->ifname != i) continue;
          std::vector<InterfaceConfig>* list = nullptr;
          if (o == kHostName) {
            list = &t.host.interfaces;
          } else {
            for (auto& ns : t.namespaces)
              if (ns.name == o) list = &ns.interfaces;
          }
          if (!list)
            return make_error(ErrorKind::InvalidTopology,
                              "link end '" + endpoint + "' is a bridge port; conditions and " +
                                  "state belong to the ends in namespaces or the host");
          for (auto& c : *list)
            if (c.name == i) return std::make_pair(&c, &l);
          InterfaceConfig c;
          c.name = i;
          c.pos = e->pos;
          list->push_back(c);
          return std::make_pair(&list->back(), &l);
        }
      }
    }
  }
  return make_error(ErrorKind::InvalidTopology, "no link has the end '" + endpoint + "'");
}

}  // namespace

Status Lab::set_conditions(const std::string& endpoint, const std::string& conditions) {
  if (!topology_)
    return make_error(ErrorKind::InvalidTopology, "lab " + name_ + " has no topology");
  auto parsed = parse_conditions_text(conditions, "conditions of " + endpoint);
  if (!parsed.ok()) return parsed.error();
  // A machine's share is edited through the whole topology, which the
  // validator can check, and narrowed again.
  Topology edited = *whole_topology();
  auto end = link_end(edited, endpoint, options_.prefix);
  if (!end.ok()) return end.error();
  auto [config, link] = *end;
  if (link->conditions) {
    // The link's conditions become each end's, so the other end keeps them.
    for (const Endpoint* e : {&link->a, &link->b}) {
      auto other = link_end(edited, e->owner + ":" + e->ifname, "");
      if (other.ok() && !other->first->conditions) other->first->conditions = link->conditions;
    }
    link->conditions.reset();
    end = link_end(edited, endpoint, options_.prefix);  // the list may have grown
    if (!end.ok()) return end.error();
    config = end->first;
  }
  config->conditions = *parsed;
  if (auto errors = validate_topology(edited); !errors.empty()) return errors.front();
  return replace_topology(std::move(edited));
}

Status Lab::set_link_state(const std::string& endpoint, bool up) {
  if (!topology_)
    return make_error(ErrorKind::InvalidTopology, "lab " + name_ + " has no topology");
  Topology edited = *whole_topology();
  auto end = link_end(edited, endpoint, options_.prefix);
  if (!end.ok()) return end.error();
  end->first->state_up = Located<bool>{up, {}};
  if (auto errors = validate_topology(edited); !errors.empty()) return errors.front();
  return replace_topology(std::move(edited));
}

Status Lab::replace_topology(Topology whole) {
  // The model being replaced may be the parse keep_parse stores: keep it aside.
  auto keep_parsed = [&](std::optional<Topology>& current) {
    if (!parse_path_.empty() && !parse_model_) parse_model_ = std::move(current);
  };
  if (!whole_topology_) {
    keep_parsed(topology_);
    topology_ = std::move(whole);
    return {};
  }
  auto share = narrow_to_machine(whole, machine_);
  if (!share.ok()) return share.error();
  keep_parsed(whole_topology_);
  whole_topology_ = std::move(whole);
  topology_ = std::move(*share);
  return {};
}

Result<Lab> Lab::load(const std::string& path, LabOptions options, LabBackends backends) {
  auto read = read_topology_file(path);
  if (!read.ok()) return read.error();
  std::string text = std::move(*read);
  // Parsed and checked (no cycle, no dangling need), or read back from the
  // last up of this very input (parse_cache.hpp).
  CachedParse parsed =
      parse_with_cache(ParseCache(options.state_root), text, path, options.variables);
  LoadResult& loaded = parsed.loaded;
  if (!loaded.ok()) {
    if (loaded.errors.empty())
      return make_error(ErrorKind::Bug, path + ": parser returned no topology and no error");
    return join_errors(loaded.errors);
  }
  Topology topo = std::move(*loaded.topology);
  // A miss keeps the model as parsed for keep_parse: a copy only when
  // --prefix changes the one the lab acts on.
  std::optional<Topology> unprefixed;
  if (!options.prefix.empty()) {
    if (!parsed.hit) unprefixed = topo;
    auto errors = apply_prefix(topo, options.prefix);
    if (!errors.empty()) return join_errors(errors);
  }
  std::string name = topo.name;
  Lab lab(name, std::move(topo), std::move(options), std::move(backends));
  if (auto st = lab.select_machine(); !st.ok()) return st.error();
  lab.source_text_ = std::move(text);
  std::error_code ec;
  auto absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  lab.source_path_ = ec ? path : absolute.string();
  if (!parsed.hit) {
    lab.parse_path_ = path;
    lab.parse_model_ = std::move(unprefixed);
  }
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
  if (auto st = lab.select_machine(); !st.ok()) return st.error();
  return lab;
}

Status Lab::select_machine() {
  if (!topology_) return {};
  const Topology& t = *topology_;
  std::string m = options_.machine;
  if (t.machines.empty()) {
    if (!m.empty())
      return make_error(ErrorKind::InvalidTopology,
                        "--machine " + m + ": " + t.file +
                            " declares no machines: (it runs on one machine); drop --machine");
    return {};
  }
  if (!m.empty() && t.machine && t.machine->value != m)
    return make_error(ErrorKind::InvalidTopology,
                      "--machine " + m + ": " + t.file + " is the share of machine '" +
                          t.machine->value +
                          "' (its machine: key); run it there, or without "
                          "--machine");
  if (m.empty()) {
    // Which machine this is: its underlay address is on this network namespace.
    std::vector<IpAddress> here;
    if (!t.machine && t.machines.size() > 1) {
      if (!options_.observe)
        return make_error(ErrorKind::InvalidTopology,
                          t.file +
                              " spans machines; offline, say which one to plan for with "
                              "--machine NAME");
      ObserveOptions oo;
      oo.peers = PeerLookup::ObservedOnly;
      // Only the root links that hold addresses (no other link by name):
      // not a dump of every veth end of the other labs here.
      oo.root_links.emplace();
      auto live = backends_.kernel->observe({}, {}, oo);
      if (!live.ok()) return live.error();
      for (const auto& [_, l] : live->root.links)
        for (const auto& a : l.addresses) here.push_back(a.address);
    }
    auto picked = pick_machine(t, here);
    if (!picked.ok()) return picked.error();
    m = *picked;
  }
  auto share = narrow_to_machine(t, m);
  if (!share.ok()) return share.error();
  whole_topology_ = std::move(topology_);
  topology_ = std::move(*share);
  machine_ = m;
  return {};
}

std::vector<std::string> Lab::list(const std::string& state_root) {
  return StateDir::list_labs(state_root);
}

bool Lab::needs_ovs(const DesiredState& d) const {
  return !d.ovs_bridges.empty() || !d.ovs_ports.empty();
}

Result<PlanOptions> Lab::plan_options(const DesiredState& desired, bool probe_kernel,
                                      bool probe_ovs) {
  PlanOptions po;
  po.adopt = options_.adopt;
  bool needs_caps = false;
  bool conditions = false;
  for (const auto& l : desired.links) {
    needs_caps |= l.kind == LinkKind::Vlan || l.kind == LinkKind::Vxlan;
    conditions |= l.conditions.has_value();
  }
  // Link conditions pick their backend (netem, or tbf + nftables) from the
  // probe: also for `status`, which observes the machine anyway.
  // The real kernel's answer is kept in the state directory for the boot
  // (kernel_features_cache.hpp); a kernel given by the caller (a fake) is asked.
  if ((needs_caps || conditions) && probe_kernel)
    po.capabilities = own_kernel_ ? cached_kernel_features(*state_, *backends_.kernel)
                                  : backends_.kernel->capabilities();
  // Offline, a link to another machine is planned as if the kernel had
  // vxlan (the usual case); up probes.
  if (!probe_kernel) po.capabilities.vxlan = true;
  bool needs_auto = false;
  for (const auto& b : desired.ovs_bridges) needs_auto |= b.datapath == Datapath::Auto;
  if (needs_auto && probe_ovs) {
    auto dp = backends_.ovs->auto_datapath();
    if (!dp.ok()) return dp.error();
    po.ovs_datapath_auto = probed_datapath_ = *dp;
  } else if (needs_auto) {
    auto applied = state_->read_applied();
    po.ovs_datapath_auto = applied.ok() && !applied->ovs_datapath.empty()
                               ? applied->ovs_datapath
                               : std::string("auto (probed by up)");
  }
  return po;
}

Result<PlanResult> Lab::plan_for(const DesiredState& desired, bool need_ovs, Timings* timings,
                                 LiveState* observed, const Plan* applied) {
  if (auto missing = missing_programs(desired); !missing.empty()) return join_errors(missing);
  auto t0 = Clock::now();
  // Offline: an empty machine, with an OVS that has no bridge yet.
  LiveState empty;
  empty.ovs = OvsState{};
  auto live = !options_.observe ? Result<LiveState>(std::move(empty))
              : applied && observed
                  ? observe_after(desired, need_ovs, *applied, std::move(*observed))
                  : observe(desired, need_ovs);
  if (!live.ok()) return live.error();
  if (timings) timings->add("observe", ms_since(t0));
  auto t1 = Clock::now();
  auto po = plan_options(desired, options_.observe, options_.observe);
  if (!po.ok()) return po.error();
  PlanResult result = make_plan(desired, *live, *po);
  if (timings) timings->add("plan", ms_since(t1));
  if (observed) *observed = std::move(*live);
  return result;
}

// Checked on every up, a no-op included: the run that started a client may
// have been killed before its lease came (then this up plans nothing).
Status Lab::wait_ready(const DesiredState& desired, const LiveState& observed, Timings* timings) {
  auto unsettled = unsettled_addresses(desired, observed);
  auto unleased = unleased_clients(desired, observed);
  if (unsettled.empty() && unleased.empty())
    return wait_services_ready(desired, *state_, *backends_.processes);
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
    // Only what is waited for is read again: its namespaces, and of the
    // root only the links waited on, by name (a dump of the root would fill
    // every veth end of a big lab beside this one, every 25 ms).
    std::set<std::string> names;
    std::vector<std::string> root_links;
    auto wait_on = [&](const std::string& ns, const std::string& link) {
      if (ns.empty())
        root_links.push_back(link);
      else
        names.insert(ns);
    };
    for (const auto& u : unsettled) wait_on(u.ns, u.link);
    for (const auto& u : unleased) wait_on(u.ns, u.link);
    auto kernel = backends_.kernel->observe(
        {names.begin(), names.end()}, {},
        {PeerLookup::ObservedOnly, !root_links.empty(), std::move(root_links)});
    if (!kernel.ok()) return kernel.error();
    LiveState now;
    now.kernel = std::move(*kernel);
    if (!unleased.empty()) {
      auto daemons = observe_daemons(*state_, *backends_.processes);
      if (!daemons.ok()) return daemons.error();
      now.daemons = std::move(*daemons);
    }
    unsettled = unsettled_addresses(desired, now);
    unleased = unleased_clients(desired, now);
  }
  if (timings) timings->add("settle", ms_since(t0));  // leases and DAD
  return wait_services_ready(desired, *state_, *backends_.processes);
}

Result<std::string> Lab::service_log(const std::string& name) const {
  auto daemons = state_->daemons();
  if (!daemons.ok()) return daemons.error();
  auto it = daemons->find("service " + name);
  if (it == daemons->end())
    return make_error(ErrorKind::InvalidTopology,
                      "lab '" + name_ + "' has no service '" + name + "' that was started");
  const auto& s = std::get<ServiceInstance>(it->second.instance);
  std::ifstream in(s.log_file, std::ios::binary);
  if (!in) return std::string();  // nothing written yet
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<DesiredState> Lab::desired() const { return desired_state(*topology_, state_->path()); }

Result<Plan> Lab::plan(Timings* timings) {
  if (!topology_) {
    return make_error(ErrorKind::InvalidTopology, "lab '" + name_ + "' has no topology to plan");
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
  Backends b{*backends_.kernel,         backends_.ovs.get(), *state_,
             backends_.processes.get(), backends_.nat.get(), backends_.loss.get()};
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
  if (auto st = check_services_allowed(desired, options_.allow_services); !st.ok())
    return st.error();
  bool need_ovs = needs_ovs(desired);
  LiveState observed;
  auto planned = plan_for(desired, need_ovs, &report.timings, &observed);
  if (!planned.ok()) return planned.error();
  if (!planned->ok()) return join_errors(planned->errors);
  report.plan = std::move(planned->plan);
  if (report.plan.empty()) {
    // Built already, but maybe only just (a second up right after the first,
    // or after an up that was killed while its clients waited for leases).
    if (auto st = remember_host_sysctls(desired, *state_, *backends_.kernel, options_.state_root);
        !st.ok())
      return st.error();
    // The record may change when the machine does not: --replace, or an
    // edit of the file that the machine already matches.
    if (auto applied = state_->read_applied();
        state_->exists() &&
        (!applied.ok() || applied->file != source_path_ ||
         applied->hash != text_hash(source_text_) || applied->variables != options_.variables)) {
      if (auto st = state_->write_applied({source_path_,
                                           options_.prefix,
                                           source_text_,
                                           {},
                                           options_.variables,
                                           probed_datapath_});
          !st.ok())
        return st.error();
    }
    if (auto st = wait_ready(desired, observed, &report.timings); !st.ok()) return st.error();
    keep_parse();
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
  if (auto st = remember_host_sysctls(desired, *state_, *backends_.kernel, options_.state_root);
      !st.ok())
    return unrecorded(st.error());
  // What was applied, for `down` without the file and for `status`.
  if (auto st = state_->write_applied(
          {source_path_, options_.prefix, source_text_, {}, options_.variables, probed_datapath_});
      !st.ok())
    return unrecorded(st.error());
  // Verify and readiness run inside the apply: when either fails, the apply
  // rolls back like for a failed action.
  auto finish = [&]() -> Status {
    auto t1 = Clock::now();
    auto verify = plan_for(desired, need_ovs, nullptr, &observed, &report.plan);
    report.timings.add("verify", ms_since(t1));
    if (!verify.ok()) return verify.error();
    if (!verify->ok()) return join_errors(verify->errors);
    if (!verify->plan.empty()) {
      return make_error(ErrorKind::Verification, "after up, lab '" + name_ +
                                                     "' still differs from the topology:\n" +
                                                     format_plan(verify->plan));
    }
    // Ready means usable: leases held, IPv6 addresses past duplicate address detection.
    return wait_ready(desired, observed, &report.timings);
  };
  auto t0 = Clock::now();
  report.apply = run(report.plan, progress, finish);
  report.timings.add("apply", ms_since(t0));
  if (!report.apply.ok()) return after_failed_up(report.apply, existed, previous, need_ovs);
  keep_parse();
  return report;
}

void Lab::keep_parse() {
  // Only a lab that stands keeps its parse: `down` removes it again.
  if (parse_path_.empty() || source_path_.empty() || !state_->exists()) return;
  const Topology* model = parse_model_ ? &*parse_model_ : &*whole_topology();
  const ParseCache cache(options_.state_root);
  (void)cache.store(source_path_,
                    cache.entry(parse_path_, options_.variables, source_text_, *model));
  parse_path_.clear();
  parse_model_.reset();
}

namespace {

// A record of a daemon whose process is gone is not an object of the lab
// left on the machine: only the state directory holds it, and a new lab's
// failed up removes that whole. It stays when the rewrite of daemons.json
// failed (a full disk, faults_state.sh), which must not make the rollback
// of everything else look incomplete.
void drop_records_of_stopped_daemons(Plan& plan, const LiveState& live) {
  std::erase_if(plan.actions, [&](const Action& a) {
    return !a.subjects.empty() &&
           std::all_of(a.subjects.begin(), a.subjects.end(), [&](const ObjectRef& r) {
             auto it = live.daemons.find(r.name);
             return r.kind == ObjectRef::Kind::Daemon && it != live.daemons.end() &&
                    !it->second.running;
           });
  });
}

}  // namespace

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
  LiveState left_live;
  auto again = plan_for(empty_desired_state(name_), false, nullptr, &left_live);
  if (again.ok()) drop_records_of_stopped_daemons(again->plan, left_live);
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
  hand_over_host_sysctls(*state_, options_.state_root);
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
    return make_error(ErrorKind::Verification, "after down, objects of lab '" + name_ +
                                                   "' remain:\n" + format_plan(again->plan));
  }
  for (const auto& [key, _] : state_->saved_host_sysctls()) (void)state_->forget_host_sysctl(key);
  std::string file = source_path_;
  if (file.empty())
    if (auto applied = state_->read_applied(); applied.ok()) file = applied->file;
  if (auto st = state_->remove(); !st.ok()) return st.error();
  (*lock)->remove_file();
  // Nothing of the lab stays in the state root, not the parse its up kept.
  ParseCache(options_.state_root).forget(file);
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
  // Status shows an OVS that does not answer as a state, not as an error.
  auto live = observe(desired, false);
  if (!live.ok()) return live.error();
  // Drift is what `up` would do: planned with up's options (this kernel's
  // features, OVS's datapath); what keeps `up` from planning is shown too.
  PlanResult planned;
  auto po = plan_options(desired, true, false);
  if (po.ok()) {
    planned = make_plan(desired, *live, *po);
  } else {
    planned.errors.push_back(po.error());
  }
  fill_status_report(report, desired, *live, planned);
  return report;
}

}  // namespace netlab
