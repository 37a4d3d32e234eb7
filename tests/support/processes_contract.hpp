// The processes contract: what every Processes implementation must do
// (include/netlab/processes.hpp), as plain functions with Catch2 assertions
// inside. Run against the FakeProcesses on a FakeKernel
// (tests/unit/fakes/fake_processes_test.cpp) and against the real seam on
// the real kernel (tests/integration/services/processes_contract_test.cpp).
//
// Each function makes only namespaces called `prefix` + a short suffix
// (`prefix` at most 10 characters and unique to the call), files under the
// world's scratch directory, and terminates every process it started and
// deletes every namespace it made even when an assertion fails.
#pragma once

#include <string>

#include "netlab/kernel.hpp"
#include "netlab/processes.hpp"

namespace netlab::testing {

/// The seam under test and the kernel whose namespaces it runs in.
class ProcessesWorld {
 public:
  virtual ~ProcessesWorld() = default;
  virtual Processes& processes() = 0;
  virtual Kernel& kernel() = 0;
  /// An existing directory for pid and log files, private to the world.
  virtual std::string dir() = 0;
};

/// spawn in a namespace: a pid, the log file made, inspect shows it alive
/// in that namespace (not the root's) with argv as its command line;
/// terminate ends it, and again is no error.
void processes_contract_spawn_in_namespace(ProcessesWorld& w, const std::string& prefix);
/// run, spawn and netns_id in a namespace that does not exist fail (kind
/// Kernel, ENOENT, naming /run/netns/NS); spawn with a log file in a missing
/// directory fails too, and nothing runs.
void processes_contract_missing_namespace(ProcessesWorld& w, const std::string& prefix);
/// A namespace deleted under a running process: the process lives on with
/// its namespace's identity, the name no longer resolves; made again, the
/// name is another namespace than the process's.
void processes_contract_namespace_deleted_under_process(ProcessesWorld& w,
                                                        const std::string& prefix);
/// dnsmasq with --pid-file writes its pid (the spawned one: it stays in the
/// foreground) once it serves; terminated, it leaves the file behind.
void processes_contract_daemon_pid_file(ProcessesWorld& w, const std::string& prefix);

/// spawn_with (a service): the log file made, a start time that inspect
/// repeats and that differs between two processes; a missing workdir or an
/// unknown user fails naming it, and nothing runs; port_bound says false
/// for a port nobody binds and fails for a process that is gone.
void processes_contract_spawn_with_options(ProcessesWorld& w, const std::string& prefix);

/// All of the above.
void processes_contract_all(ProcessesWorld& w, const std::string& prefix);

}  // namespace netlab::testing
