// The processes seam: daemons (dnsmasq, DHCP clients) and commands run inside
// namespaces. Real: fork + setns + exec (argv only, never a shell); fake:
// tests/fakes/fake_processes.hpp records argv and plays scripted outcomes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netlab/error.hpp"

namespace netlab {

struct CommandResult {
  int exit_code = -1;  ///< exit status, or 128+signal
  std::string output;  ///< stdout and stderr, interleaved
};

/// What is known about a running process, for ownership checks.
struct ProcessInfo {
  bool alive = false;
  std::string netns_id;  ///< "net:[4026532...]" from /proc/PID/ns/net
  std::vector<std::string> cmdline;
  /// When it started, in clock ticks since boot (field 22 of
  /// /proc/PID/stat): with the pid, names one process of one boot.
  unsigned long long start_time = 0;
  /// Exit status (or 128+signal) of a process that has ended, when this
  /// process was its parent and collected it; nullopt otherwise.
  std::optional<int> exit_code;
};

/// How spawn_with starts a long-running program (a service).
struct SpawnOptions {
  std::string log_file;  ///< stdout and stderr, appended (made 0600)
  /// Set on top of netlab's own environment (a later entry wins).
  std::vector<std::pair<std::string, std::string>> env;
  std::string workdir;  ///< "" = "/"
  /// "" = netlab's own user; else this user's uid, gid and groups, and its
  /// HOME, USER and LOGNAME. Errors: no such user.
  std::string user;
};

class Processes {
 public:
  virtual ~Processes() = default;
  /// Runs argv[0] (PATH lookup) inside namespace `ns` ("" = root) to
  /// completion, bounded by `timeout` (then killed). stdin is /dev/null.
  virtual Result<CommandResult> run(const std::string& ns, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) = 0;
  /// Starts a long-running process inside `ns`, detached into its own session,
  /// stdout/stderr to `log_file`; returns its pid. The caller writes pid files.
  virtual Result<int> spawn(const std::string& ns, const std::vector<std::string>& argv,
                            const std::string& log_file) = 0;
  /// spawn with the options of a service: environment, working directory,
  /// user. Errors name the step that failed (chdir, the user, exec).
  virtual Result<int> spawn_with(const std::string& ns, const std::vector<std::string>& argv,
                                 const SpawnOptions& options) = 0;
  /// Whether a socket in the network namespace of process `pid` listens on
  /// TCP `port` (tcp) or is bound to UDP `port` (IPv4 or IPv6). Errors: the
  /// process is gone.
  virtual Result<bool> port_bound(int pid, bool tcp, int port) = 0;
  /// Replaces the current process with argv inside `ns` (for `netlab exec`);
  /// returns only on failure.
  virtual Error exec_replace(const std::string& ns, const std::vector<std::string>& argv) = 0;
  virtual ProcessInfo inspect(int pid) = 0;
  /// "net:[N]" of namespace `ns` ("" = root), to compare with ProcessInfo::netns_id.
  virtual Result<std::string> netns_id(const std::string& ns) = 0;
  /// SIGTERM, wait up to `timeout`, then SIGKILL; OK if already gone.
  virtual Status terminate(int pid, std::chrono::milliseconds timeout) = 0;
  /// The live processes of the machine by network namespace id ("net:[N]",
  /// as netns_id gives): one pass over /proc, so a `down` of a thousand
  /// namespaces asks once. Processes in the root namespace are left out.
  virtual Result<std::map<std::string, std::vector<int>>> processes_by_netns() = 0;
};

std::unique_ptr<Processes> make_real_processes();

}  // namespace netlab
