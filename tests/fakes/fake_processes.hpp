// FakeProcesses: an in-memory processes seam for unit tests. Records every
// call's argv, plays scripted outcomes and keeps fake pids whose liveness,
// namespace id and cmdline tests can set and flip. Thread-safe (the
// executor starts daemons of different namespaces at once).
//
// Like the real Processes (src/services/processes.cpp), as checked by the
// contract in tests/support/processes_contract.hpp:
// - given a FakeKernel, a namespace exists when the kernel has it: run,
//   spawn and netns_id in any other fail (kind Kernel, ENOENT), and a
//   process keeps the identity of the namespace it started in (deleted or
//   made again under its name, the name then names another one);
// - spawn opens (creates) the log file, failing where the real one would;
// - a daemon that writes its own pid file (`--pid-file=PATH`, as dnsmasq
//   does once it serves) gets it written with its pid, unless a spawn hook
//   made it exit first; like dnsmasq it leaves that file behind when it
//   exits (stop_daemon removes it).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "netlab/processes.hpp"

namespace netlab::testing {

class FakeKernel;

/// One recorded call on the fake.
struct FakeCall {
  std::string kind;  ///< "run", "spawn", "exec", "terminate"
  std::string ns;    ///< "" = root
  std::vector<std::string> argv;
  std::string log_file;  ///< spawn only
  int pid = 0;           ///< spawn (the pid handed out) and terminate
  SpawnOptions options;  ///< spawn_with only (log_file is copied above too)
};

class FakeProcesses final : public Processes {
 public:
  using Predicate = std::function<bool(const std::string& ns, const std::vector<std::string>&)>;

  /// Namespaces are named by nobody: every name exists, ids by name.
  FakeProcesses() = default;
  /// Namespaces are those of `kernel` (which must outlive this fake).
  explicit FakeProcesses(FakeKernel& kernel) : kernel_(&kernel) {}

  /// Every call, in order.
  std::vector<FakeCall> calls;

  /// `run` of a command whose argv[0] is `argv0` returns `result` (the
  /// latest matching script wins; predicates are checked before argv0 rules).
  void on_run(const std::string& argv0, CommandResult result);
  /// `run` of a command matching `pred` returns `result` (a CommandResult or an Error).
  void on_run_if(Predicate pred, Result<CommandResult> result);
  /// `spawn` of argv[0] == `argv0` fails with `error`.
  void fail_spawn(const std::string& argv0, Error error);
  /// What a spawned program does at once (write its pid file, its lease...):
  /// called after a successful `spawn` of argv[0] == `argv0`, with its pid.
  using SpawnHook = std::function<void(int pid, const std::vector<std::string>& argv)>;
  void on_spawn(const std::string& argv0, SpawnHook hook);
  /// Unscripted `run` calls return this (default: exit 0, no output).
  CommandResult default_result{0, ""};

  /// Adds a process as if started elsewhere; returns its fake pid.
  int add_process(const std::string& ns, std::vector<std::string> cmdline, bool alive = true);
  void set_alive(int pid, bool alive);
  /// The process ends with exit status `code` (inspect reports it).
  void exit_process(int pid, int code);
  /// A socket on `port` (tcp: listening; else udp: bound) in namespace `ns`,
  /// as port_bound sees it from a process there.
  void set_port_bound(const std::string& ns, bool tcp, int port, bool bound = true);
  /// Makes `terminate(pid)` fail (the process stays alive).
  void make_unkillable(int pid);
  /// The namespace id `netns_id(ns)` returns; assigned on first use otherwise.
  void set_netns_id(const std::string& ns, const std::string& id);
  /// Makes `netns_id(ns)` fail as for a missing namespace.
  void remove_namespace(const std::string& ns);

  /// Calls of one kind (e.g. "spawn"), in order.
  std::vector<FakeCall> calls_of(const std::string& kind) const;
  /// The pid file a spawned daemon wrote (its `--pid-file=`), "" when none.
  std::string pid_file_of(int pid) const;
  /// Pids handed out by `spawn` or `add_process` that are alive now.
  std::vector<int> alive_pids() const;

  Result<CommandResult> run(const std::string& ns, const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) override;
  Result<int> spawn(const std::string& ns, const std::vector<std::string>& argv,
                    const std::string& log_file) override;
  Result<int> spawn_with(const std::string& ns, const std::vector<std::string>& argv,
                         const SpawnOptions& options) override;
  Result<bool> port_bound(int pid, bool tcp, int port) override;
  Error exec_replace(const std::string& ns, const std::vector<std::string>& argv) override;
  ProcessInfo inspect(int pid) override;
  Result<std::string> netns_id(const std::string& ns) override;
  Status terminate(int pid, std::chrono::milliseconds timeout) override;
  Result<std::map<std::string, std::vector<int>>> processes_by_netns() override;

 private:
  struct Proc {
    std::string ns;
    std::vector<std::string> cmdline;
    bool alive = true;
    bool unkillable = false;
    std::string netns_id;  ///< of the namespace it started in ("" = look up by name)
    std::string pid_file;  ///< the pid file it wrote itself, removed when it exits
    unsigned long long start_time = 0;
    std::optional<int> exit_code;
  };
  Result<int> spawn_locked(const std::string& ns, const std::vector<std::string>& argv,
                           const std::string& log_file, const SpawnOptions* options);
  std::string id_of(const std::string& ns);
  /// nullopt when `ns` exists, else the error the real seam gives for `what`.
  std::optional<Error> missing(const std::string& ns, const std::string& what);

  FakeKernel* kernel_ = nullptr;
  std::vector<std::pair<Predicate, Result<CommandResult>>> predicate_scripts_;
  std::map<std::string, CommandResult> argv0_scripts_;
  std::map<std::string, Error> spawn_failures_;
  std::map<std::string, SpawnHook> spawn_hooks_;
  mutable std::recursive_mutex mu_;  ///< hooks may call back into the fake
  std::map<int, Proc> procs_;
  std::map<std::string, std::string> ns_ids_;
  std::map<std::string, bool> missing_ns_;
  std::set<std::tuple<std::string, bool, int>> ports_;  ///< (ns, tcp, port)
  unsigned long long next_start_time_ = 100;
  int next_pid_ = 1000;
  /// Apart from FakeKernel's ids: a name the kernel does not know never
  /// shares its id with a namespace the kernel has.
  unsigned long long next_inode_ = 4026732000ULL;
};

}  // namespace netlab::testing
