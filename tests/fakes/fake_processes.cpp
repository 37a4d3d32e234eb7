#include "fakes/fake_processes.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "fakes/fake_kernel.hpp"

namespace netlab::testing {
namespace {

/// The pid file a daemon of `argv` writes itself (dnsmasq's --pid-file=PATH).
std::string own_pid_file(const std::vector<std::string>& argv) {
  const std::string flag = "--pid-file=";
  for (const auto& a : argv)
    if (a.rfind(flag, 0) == 0) return a.substr(flag.size());
  return "";
}

}  // namespace

std::optional<Error> FakeProcesses::missing(const std::string& ns, const std::string& what) {
  if (ns.empty()) return std::nullopt;
  bool gone = missing_ns_.count(ns) > 0;
  if (!gone && kernel_ && !ns_ids_.count(ns)) gone = !kernel_->netns_id(ns).has_value();
  if (!gone) return std::nullopt;
  // The real seam's words (src/services/processes.cpp).
  return system_error(ErrorKind::Kernel, what + " /run/netns/" + ns, ENOENT);
}

std::string FakeProcesses::pid_file_of(int pid) const {
  std::lock_guard lock(mu_);
  auto it = procs_.find(pid);
  return it == procs_.end() ? std::string() : it->second.pid_file;
}

void FakeProcesses::on_run(const std::string& argv0, CommandResult result) {
  std::lock_guard lock(mu_);
  argv0_scripts_[argv0] = std::move(result);
}

void FakeProcesses::on_run_if(Predicate pred, Result<CommandResult> result) {
  std::lock_guard lock(mu_);
  predicate_scripts_.emplace_back(std::move(pred), std::move(result));
}

void FakeProcesses::fail_spawn(const std::string& argv0, Error error) {
  std::lock_guard lock(mu_);
  spawn_failures_[argv0] = std::move(error);
}

void FakeProcesses::on_spawn(const std::string& argv0, SpawnHook hook) {
  std::lock_guard lock(mu_);
  spawn_hooks_[argv0] = std::move(hook);
}

int FakeProcesses::add_process(const std::string& ns, std::vector<std::string> cmdline,
                               bool alive) {
  std::lock_guard lock(mu_);
  int pid = next_pid_++;
  Proc p{ns, std::move(cmdline), alive, false, "", "", next_start_time_++, std::nullopt};
  // With a kernel, the process is in the namespace that has the name now.
  if (kernel_ && !ns_ids_.count(ns))
    if (auto id = kernel_->netns_id(ns)) p.netns_id = *id;
  procs_[pid] = std::move(p);
  return pid;
}

void FakeProcesses::set_alive(int pid, bool alive) {
  std::lock_guard lock(mu_);
  procs_[pid].alive = alive;
}

void FakeProcesses::make_unkillable(int pid) {
  std::lock_guard lock(mu_);
  procs_[pid].unkillable = true;
}

void FakeProcesses::set_netns_id(const std::string& ns, const std::string& id) {
  std::lock_guard lock(mu_);
  ns_ids_[ns] = id;
  missing_ns_.erase(ns);
}

void FakeProcesses::remove_namespace(const std::string& ns) {
  std::lock_guard lock(mu_);
  missing_ns_[ns] = true;
}

std::vector<FakeCall> FakeProcesses::calls_of(const std::string& kind) const {
  std::lock_guard lock(mu_);
  std::vector<FakeCall> out;
  for (const auto& c : calls)
    if (c.kind == kind) out.push_back(c);
  return out;
}

std::vector<int> FakeProcesses::alive_pids() const {
  std::lock_guard lock(mu_);
  std::vector<int> out;
  for (const auto& [pid, p] : procs_)
    if (p.alive) out.push_back(pid);
  return out;
}

std::string FakeProcesses::id_of(const std::string& ns) {
  auto it = ns_ids_.find(ns);
  if (it != ns_ids_.end()) return it->second;
  if (kernel_) {
    if (auto id = kernel_->netns_id(ns)) return *id;
  }
  std::string id = ns.empty() ? "net:[4026531840]" : "net:[" + std::to_string(next_inode_++) + "]";
  ns_ids_[ns] = id;
  return id;
}

Result<CommandResult> FakeProcesses::run(const std::string& ns,
                                         const std::vector<std::string>& argv,
                                         std::chrono::milliseconds) {
  std::lock_guard lock(mu_);
  calls.push_back({"run", ns, argv, "", 0, {}});
  if (auto e = missing(ns, "open namespace")) return *e;
  for (auto it = predicate_scripts_.rbegin(); it != predicate_scripts_.rend(); ++it)
    if (it->first(ns, argv)) return it->second;
  if (!argv.empty()) {
    auto it = argv0_scripts_.find(argv[0]);
    if (it != argv0_scripts_.end()) return it->second;
  }
  return default_result;
}

void FakeProcesses::exit_process(int pid, int code) {
  std::lock_guard lock(mu_);
  procs_[pid].alive = false;
  procs_[pid].exit_code = code;
}

void FakeProcesses::set_port_bound(const std::string& ns, bool tcp, int port, bool bound) {
  std::lock_guard lock(mu_);
  if (bound)
    ports_.insert({ns, tcp, port});
  else
    ports_.erase({ns, tcp, port});
}

Result<bool> FakeProcesses::port_bound(int pid, bool tcp, int port) {
  std::lock_guard lock(mu_);
  auto it = procs_.find(pid);
  if (it == procs_.end() || !it->second.alive)
    return make_error(ErrorKind::Process, "process " + std::to_string(pid) + " is not running");
  return ports_.count({it->second.ns, tcp, port}) > 0;
}

Result<int> FakeProcesses::spawn_with(const std::string& ns, const std::vector<std::string>& argv,
                                      const SpawnOptions& options) {
  std::lock_guard lock(mu_);
  // Like the real one: an unknown user or a missing workdir fails before exec.
  if (!options.workdir.empty() && ::access(options.workdir.c_str(), F_OK) != 0) {
    calls.push_back({"spawn", ns, argv, options.log_file, 0, options});
    return system_error(
        ErrorKind::Process,
        "start '" + (argv.empty() ? "" : argv[0]) + "': change to workdir " + options.workdir,
        ENOENT);
  }
  if (!options.user.empty() && ::getpwnam(options.user.c_str()) == nullptr) {
    calls.push_back({"spawn", ns, argv, options.log_file, 0, options});
    return make_error(ErrorKind::Process, "start '" + (argv.empty() ? "" : argv[0]) +
                                              "': no user '" + options.user + "' on this machine");
  }
  return spawn_locked(ns, argv, options.log_file, &options);
}

Result<int> FakeProcesses::spawn(const std::string& ns, const std::vector<std::string>& argv,
                                 const std::string& log_file) {
  std::lock_guard lock(mu_);
  return spawn_locked(ns, argv, log_file, nullptr);
}

Result<int> FakeProcesses::spawn_locked(const std::string& ns, const std::vector<std::string>& argv,
                                        const std::string& log_file, const SpawnOptions* options) {
  FakeCall call{"spawn", ns, argv, log_file, 0, options ? *options : SpawnOptions{}};
  if (argv.empty()) return make_error(ErrorKind::Bug, "spawn: empty argv");
  if (auto e = missing(ns, "open namespace")) {
    calls.push_back(call);
    return *e;
  }
  auto f = spawn_failures_.find(argv[0]);
  if (f != spawn_failures_.end()) {
    calls.push_back(call);
    return f->second;
  }
  // The real seam opens the log file for the child's stdout and stderr.
  int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (log < 0) {
    calls.push_back(call);
    return system_error(ErrorKind::Process, "open log file " + log_file, errno);
  }
  ::close(log);
  call.pid = add_process(ns, argv, true);
  calls.push_back(call);
  if (auto h = spawn_hooks_.find(argv[0]); h != spawn_hooks_.end()) h->second(call.pid, argv);
  // A daemon that writes its own pid file does so once it serves, unless
  // it exited at startup (a hook said so).
  Proc& p = procs_.at(call.pid);
  if (std::string pid_file = own_pid_file(argv); p.alive && !pid_file.empty()) {
    std::ofstream(pid_file) << call.pid << "\n";
    p.pid_file = pid_file;
  }
  return call.pid;
}

Error FakeProcesses::exec_replace(const std::string& ns, const std::vector<std::string>& argv) {
  std::lock_guard lock(mu_);
  calls.push_back({"exec", ns, argv, "", 0, {}});
  return make_error(ErrorKind::Process, "fake: exec_replace does not replace the test process");
}

ProcessInfo FakeProcesses::inspect(int pid) {
  std::lock_guard lock(mu_);
  ProcessInfo info;
  auto it = procs_.find(pid);
  if (it != procs_.end()) info.exit_code = it->second.exit_code;
  if (it == procs_.end() || !it->second.alive) return info;
  info.alive = true;
  info.start_time = it->second.start_time;
  info.netns_id = it->second.netns_id.empty() ? id_of(it->second.ns) : it->second.netns_id;
  info.cmdline = it->second.cmdline;
  return info;
}

Result<std::string> FakeProcesses::netns_id(const std::string& ns) {
  std::lock_guard lock(mu_);
  if (auto e = missing(ns, "stat namespace")) return *e;
  return id_of(ns);
}

Status FakeProcesses::terminate(int pid, std::chrono::milliseconds) {
  std::lock_guard lock(mu_);
  calls.push_back({"terminate", "", {}, "", pid, {}});
  auto it = procs_.find(pid);
  if (it == procs_.end() || !it->second.alive) return Status();
  if (it->second.unkillable)
    return make_error(ErrorKind::Timeout,
                      "process " + std::to_string(pid) + " still alive after SIGTERM and SIGKILL");
  // Like dnsmasq, which runs as nobody after start-up, the daemon leaves
  // its pid file behind: stale, removed by whoever stops it (stop_daemon).
  it->second.alive = false;
  return Status();
}

Result<std::map<std::string, std::vector<int>>> FakeProcesses::processes_by_netns() {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<int>> out;
  const std::string root = id_of("");
  for (auto& [pid, p] : procs_) {
    if (!p.alive) continue;
    std::string id = p.netns_id.empty() ? id_of(p.ns) : p.netns_id;
    if (id != root) out[id].push_back(pid);
  }
  return out;
}

}  // namespace netlab::testing
