// User services (`services:` of a namespace): the files and argv netlab
// keeps for one, a hash of its definition (restart-or-not decisions), its
// start with readiness, the ownership check every stop goes through, and its
// log. Supervised like the DHCP daemons (daemon_spec.hpp), argv only, never
// a shell; every file netlab writes is under the lab's state directory.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/processes.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// Everything needed to start, recognise and compare one service.
struct ServiceInstance {
  std::string ns;    ///< namespace it runs in ("" = root)
  std::string name;  ///< unique in the lab
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  std::string workdir;  ///< "" = /
  std::string user;     ///< "" = root
  ServiceReady ready;
  int timeout_ms = 10000;
  std::vector<std::string> after;  ///< services started before it
  std::string pid_file;            ///< <state>/services/<name>.pid: "PID START_TIME\n"
  std::string log_file;            ///< <state>/services/<name>.log: stdout and stderr
  std::string config_hash;         ///< over everything above but the files
};

/// <state>/services: the directory of the lab's service files.
std::string service_dir(const std::string& state_dir);

/// The instance of `service` in namespace `ns` (already prefixed). Pure.
ServiceInstance make_service(const Service& service, const std::string& ns,
                             const std::string& state_dir);

/// What the pid file of a service records: the pid and its start time
/// (field 22 of /proc/PID/stat), which together name one process of one
/// boot: a reused pid has another start time.
struct ServicePid {
  int pid = 0;
  unsigned long long start_time = 0;
};
std::optional<ServicePid> read_service_pid(const std::string& path);

/// Whether the process recorded for `inst` is the one netlab started:
/// alive, with the recorded start time, in inst.ns (or, its name gone, not
/// in the root namespace). The command line is not compared: a script's
/// interpreter shows its own (python3 for a #! script).
struct ServiceCheck {
  int pid = 0;
  bool ours = false;
  std::string reason;            ///< when not ours: "no pid file", "pid 12 is not running", ...
  std::optional<int> exit_code;  ///< it ended, and netlab (its parent) saw its status
};
ServiceCheck check_service(Processes& procs, const ServiceInstance& inst);

/// Whether `inst` is ready now (its readiness check passes).
/// `pid` is the service's process (for the namespace of tcp/udp checks).
Result<bool> service_ready(Processes& procs, const ServiceInstance& inst, int pid);

/// Starts the service (log file appended), records its pid and start time,
/// and waits until it is ready, bounded by its timeout. Errors: it exited
/// (with its exit code) or never got ready; either names the service and
/// quotes the last lines of its log. On error the process is stopped.
Result<int> start_service(Processes& procs, const ServiceInstance& inst);

/// Stops the service if check_service says it is ours (SIGTERM, then
/// SIGKILL after `grace`) and removes its pid file. A stale record kills
/// nothing. With `keep_log` the log stays (a restart appends to it).
Status stop_service(Processes& procs, const ServiceInstance& inst, bool keep_log,
                    std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

/// The last `lines` lines of a log file ("" when missing).
std::string log_tail(const std::string& path, int lines = 10);

}  // namespace netlab
