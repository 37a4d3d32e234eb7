// The processes seam: daemons (dnsmasq, DHCP clients) and commands run inside
// namespaces. Real: fork + setns + exec (argv only, never a shell); fake:
// tests/fakes/fake_processes.hpp records argv and plays scripted outcomes.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
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
  /// Replaces the current process with argv inside `ns` (for `netlab exec`);
  /// returns only on failure.
  virtual Error exec_replace(const std::string& ns, const std::vector<std::string>& argv) = 0;
  virtual ProcessInfo inspect(int pid) = 0;
  /// "net:[N]" of namespace `ns` ("" = root), to compare with ProcessInfo::netns_id.
  virtual Result<std::string> netns_id(const std::string& ns) = 0;
  /// SIGTERM, wait up to `timeout`, then SIGKILL; OK if already gone.
  virtual Status terminate(int pid, std::chrono::milliseconds timeout) = 0;
};

std::unique_ptr<Processes> make_real_processes();

}  // namespace netlab
